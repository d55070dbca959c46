"""Readers: put one landed file into the temp DuckDB table ``_landed`` as text, mapped to canonical names.

CSV is parsed by DuckDB (rows it cannot parse are kept in ``_landed_rejects`` with their line and raw text),
Excel by python-calamine (DuckDB's excel extension cannot be downloaded here), Parquet by DuckDB.
Every value stays text here; typing and rules happen in staging, so raw keeps exactly what arrived.
"""

from __future__ import annotations

import datetime as dt
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import pyarrow as pa

from assets.ingest.contracts import Contract, normalise_header
from assets.ingest.manifest import scalar
from assets.ingest.sniff import find_header, read_head_lines, rewrite_as_utf8, scan_text, sniff_csv

FORMATS_BY_SUFFIX = {
    ".csv": "csv", ".txt": "csv", ".tsv": "csv",
    ".xlsx": "xlsx", ".xlsm": "xlsx", ".xls": "xlsx",
    ".parquet": "parquet", ".pq": "parquet",
}  # fmt: skip


class FileReadError(ValueError):
    """The file cannot be loaded at all; the message names the file, line, column and rule."""


@dataclass
class LandedFile:
    format: str
    rows: int
    rejects: int
    encoding: str | None = None
    delimiter: str | None = None
    newline: str | None = None
    header_line: int | None = None
    columns: dict[str, str] = field(default_factory=dict)  # canonical -> source header
    extra_columns: list[str] = field(default_factory=list)
    missing_columns: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def detect_format(path: Path, declared: str) -> str:
    if declared != "detect":
        return declared
    fmt = FORMATS_BY_SUFFIX.get(path.suffix.lower())
    if fmt is None:
        raise FileReadError(f"{path}: cannot tell the format from the extension {path.suffix!r} (rule: format)")
    return fmt


def map_header(header: list[str], contract: Contract, path: Path, header_line: int | None):
    """Map source headers to canonical columns by name; return (positions, extra, missing)."""
    aliases = contract.alias_map()
    positions: dict[str, int] = {}
    sources: dict[str, str] = {}
    extra: list[str] = []
    for index, name in enumerate(header):
        canonical = aliases.get(normalise_header(str(name)))
        if canonical is None:
            if str(name).strip():
                extra.append(str(name).strip())
            continue
        if canonical in positions:
            raise FileReadError(
                f"{path}: columns {sources[canonical]!r} and {name!r} both map to '{canonical}' "
                f"(rule: unique_column_mapping)"
            )
        positions[canonical] = index
        sources[canonical] = str(name)
    where = f"header at line {header_line}" if header_line else "header"
    for column in contract.required_columns():
        if column not in positions:
            accepted = [column, *contract.columns[column].aliases]
            hint = _delimiter_hint(header)
            raise FileReadError(
                f"{path}: missing required column '{column}' (rule: required_column; accepted names: "
                f"{accepted}); {where} has {[str(h) for h in header][:12]}{hint}"
            )
    if extra and contract.schema_drift == "fail":
        raise FileReadError(f"{path}: unexpected columns {extra} (rule: schema_drift=fail)")
    missing = [c for c in contract.read_columns if c not in positions]
    return positions, sources, extra, missing


def _delimiter_hint(header: list[str]) -> str:
    if len(header) == 1:
        for delimiter in (";", ",", "\t", "|"):
            if delimiter in str(header[0]):
                return f" — the header is one column containing {delimiter!r}: is the delimiter wrong?"
    return ""


def _landed_select(positions: dict[str, int], contract: Contract, extra_positions: dict[str, int]) -> str:
    parts = ["_line_no"]
    for column in contract.read_columns:
        parts.append(f'c{positions[column]} as "{column}"' if column in positions else f'null::varchar as "{column}"')
    if extra_positions:
        pairs = ", ".join(f"{_sql_str(name)}, c{i}" for name, i in extra_positions.items())
        parts.append(f"json_object({pairs})::varchar as _extra")
    else:
        parts.append("null::varchar as _extra")
    return ", ".join(parts)


def _sql_str(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def land_file(con: duckdb.DuckDBPyConnection, contract: Contract, path: Path) -> LandedFile:
    """Read ``path`` into temp tables ``_landed`` and ``_landed_rejects``."""
    if path.stat().st_size == 0:
        raise FileReadError(f"{path}: the file is empty (0 bytes) (rule: non_empty_file)")
    con.execute(
        "create or replace temp table _landed_rejects "
        "(_line_no bigint, error_type varchar, message varchar, raw_line varchar)"
    )
    fmt = detect_format(path, contract.format)
    if fmt == "csv":
        return _land_csv(con, contract, path)
    if fmt == "xlsx":
        return _land_xlsx(con, contract, path)
    return _land_parquet(con, contract, path)


def _land_csv(con: duckdb.DuckDBPyConnection, contract: Contract, path: Path) -> LandedFile:
    scan = scan_text(path, contract.csv.encoding)
    with tempfile.TemporaryDirectory(prefix="kinerja-") as tmp:
        source = path
        if scan.needs_rewrite:
            source = Path(tmp) / "rewritten.csv"
            rewrite_as_utf8(path, scan, source)
        lines = read_head_lines(source, "utf-8")
        sniffed = sniff_csv(lines, contract)
        positions, sources, extra, missing = map_header(sniffed.header, contract, path, sniffed.header_line)
        extra_positions = {name: sniffed.header.index(name) for name in extra}
        width = len(sniffed.header)
        columns = "{" + ", ".join(f"'c{i}': 'VARCHAR'" for i in range(width)) + "}"
        con.execute(
            f"""
            create or replace temp table _csv as
            select *, row_number() over () as _ordinal
            from read_csv(?, header = false, skip = {sniffed.header_line}, delim = ?, quote = ?,
                          columns = {columns}, auto_detect = false, strict_mode = true,
                          null_padding = false, store_rejects = true,
                          rejects_table = '_rej_errors', rejects_scan = '_rej_scans')
            """,
            [str(source), sniffed.delimiter, contract.csv.quote],
        )
        con.execute(
            """
            insert into _landed_rejects
            select line, string_agg(distinct error_type, ', '), string_agg(distinct error_message, '; '),
                   any_value(csv_line)
            from _rej_errors group by line
            """
        )
        con.execute("drop table if exists _rej_errors; drop table if exists _rej_scans")
    # Good rows get their physical line back: the lines after the header that are neither blank nor rejected.
    con.execute(
        f"""
        create or replace temp table _csv_lines as
        select line as _line_no, row_number() over (order by line) as _ordinal
        from range({sniffed.header_line + 1}, {scan.n_lines + 1}) t(line)
        where line not in (select unnest(?::bigint[]))
          and line not in (select _line_no from _landed_rejects)
        """,
        [scan.blank_lines],
    )
    con.execute(
        f"""
        create or replace temp table _landed as
        select {_landed_select(positions, contract, extra_positions)}
        from _csv join _csv_lines using (_ordinal)
        order by _line_no
        """
    )
    con.execute("drop table _csv; drop table _csv_lines")
    rows = scalar(con, "select count(*) from _landed")
    rejects = scalar(con, "select count(*) from _landed_rejects")
    notes = []
    if scan.encoding == "mixed":
        notes.append(f"{len(scan.cp1252_lines)} line(s) were not UTF-8 and were read as cp1252")
    if rows + rejects == 0:
        notes.append("header only: the file has no data rows")
    return LandedFile(
        format="csv", rows=rows, rejects=rejects, encoding=scan.encoding, delimiter=sniffed.delimiter,
        newline={"\n": "LF", "\r\n": "CRLF", "\r": "CR"}[scan.newline], header_line=sniffed.header_line,
        columns=sources, extra_columns=extra, missing_columns=missing, notes=notes,
    )  # fmt: skip


def cell_text(value: object) -> str | None:
    """A spreadsheet cell as text, the way raw keeps it."""
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.datetime):
        return value.isoformat(sep=" ") if value.time() != dt.time(0) else value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def _land_xlsx(con: duckdb.DuckDBPyConnection, contract: Contract, path: Path) -> LandedFile:
    from python_calamine import CalamineWorkbook

    try:
        workbook = CalamineWorkbook.from_path(str(path))
        sheet = contract.sheet
        if isinstance(sheet, int):
            worksheet = workbook.get_sheet_by_index(sheet)
        elif sheet in workbook.sheet_names:
            worksheet = workbook.get_sheet_by_name(sheet)
        else:
            raise FileReadError(f"{path}: no sheet named {sheet!r}; sheets are {workbook.sheet_names} (rule: sheet)")
        rows = worksheet.to_python(skip_empty_area=False)
    except FileReadError:
        raise
    except Exception as exc:  # calamine raises its own error types for corrupt workbooks
        raise FileReadError(f"{path}: not a readable Excel workbook: {exc} (rule: format)") from exc
    if not rows:
        raise FileReadError(f"{path}: the sheet is empty (rule: non_empty_file)")
    index, _ = find_header(rows[:40], contract, contract.csv.header_row)
    header = [str(c).strip() if c is not None else "" for c in rows[index]]
    positions, sources, extra, missing = map_header(header, contract, path, index + 1)
    extra_positions = {name: header.index(name) for name in extra}
    width = len(header)
    data: list[list[str | None]] = [[] for _ in range(width)]
    line_numbers: list[int] = []
    rejects: list[tuple[int, str, str, str]] = []
    for number, row in enumerate(rows[index + 1 :], start=index + 2):
        cells = [cell_text(v) for v in row]
        if all(c is None for c in cells):
            continue
        if any(c is not None for c in cells[width:]):
            rejects.append((number, "TOO MANY COLUMNS", f"values beyond the {width} header columns", str(cells)))
            continue
        cells += [None] * (width - len(cells))
        for i in range(width):
            data[i].append(cells[i])
        line_numbers.append(number)
    table = pa.table(
        {"_line_no": pa.array(line_numbers, pa.int64())}
        | {f"c{i}": pa.array(data[i], pa.string()) for i in range(width)}
    )
    con.register("_xlsx", table)
    select = _landed_select(positions, contract, extra_positions)
    con.execute(f"create or replace temp table _landed as select {select} from _xlsx")
    con.unregister("_xlsx")
    if rejects:
        con.executemany("insert into _landed_rejects values (?, ?, ?, ?)", rejects)
    return LandedFile(
        format="xlsx",
        rows=len(line_numbers),
        rejects=len(rejects),
        header_line=index + 1,
        columns=sources,
        extra_columns=extra,
        missing_columns=missing,
    )


def _land_parquet(con: duckdb.DuckDBPyConnection, contract: Contract, path: Path) -> LandedFile:
    try:
        names = [r[0] for r in con.execute("describe select * from read_parquet(?)", [str(path)]).fetchall()]
    except duckdb.Error as exc:
        raise FileReadError(f"{path}: not a readable Parquet file: {exc} (rule: format)") from exc
    positions, sources, extra, missing = map_header(names, contract, path, None)
    extra_positions = {name: names.index(name) for name in extra}
    casts = ", ".join(f'"{name}"::varchar as c{i}' for i, name in enumerate(names))
    con.execute(
        f"""
        create or replace temp table _landed as
        with src as (select file_row_number + 1 as _line_no, {casts}
                     from read_parquet(?, file_row_number = true))
        select {_landed_select(positions, contract, extra_positions)} from src
        """,
        [str(path)],
    )
    rows = scalar(con, "select count(*) from _landed")
    return LandedFile(
        format="parquet", rows=rows, rejects=0, columns=sources, extra_columns=extra, missing_columns=missing
    )
