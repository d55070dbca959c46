"""Drafting a source contract from one export (``kinerja draft-contract FILE``).

The file is profiled from at most ``SAMPLE_ROWS`` data rows: encoding, line endings, delimiter, the header row
under any report preamble, the null markers it uses, and per column its type, number and date formats (with
day-first / month-first ambiguity and two-digit years called out), keys, constants and leading zeros. The
columns are then matched against the canonical model (assets/canonical/entities) by name, by the aliases the
shipped contracts use for the same entity and by a few synonyms, to suggest ``maps_to`` and canonical column
names. The result is a commented YAML contract that loads as it is and that a person checks before using it.
Values are read as the loader reads them (trimmed, the same null markers) and dates are tried with DuckDB's
own ``strptime``, so a format that fits here fits in staging.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import itertools
import re
import tempfile
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import pyarrow as pa
import yaml

from assets.ingest.contracts import Contract, normalise_header
from assets.ingest.readers import cell_text
from assets.ingest.sniff import read_head_lines, rewrite_as_utf8, scan_text

SAMPLE_ROWS = 50_000
HEAD_LINES = 200  # lines read to find the delimiter and the header row
ROOT = Path(__file__).resolve().parents[2]
CONTRACTS_ROOT = ROOT / "contracts"
FORMATS_BY_SUFFIX = {
    ".csv": "csv", ".txt": "csv", ".tsv": "csv", ".xlsx": "xlsx", ".xlsm": "xlsx", ".xls": "xlsx",
    ".parquet": "parquet", ".pq": "parquet",
}  # fmt: skip
DELIMITERS = (",", ";", "\t", "|")
DEFAULT_NULLS = ["", "NULL", "null", "N/A", "NA", "-"]
TRUE_VALUES = ("true", "t", "yes", "y", "1", "ya")
FALSE_VALUES = ("false", "f", "no", "n", "0", "tidak")
# Cells that mean "no value": the usual markers, and sentinels such as "N/A-StillEmployed" or "NA - none".
MARKER_RE = r"(?i)(null|none|nil|nan|n/?a|#n/?a|-+|\?|\.|\(blank\)|\(null\))|((n/a|na)[-_ :(/].*)"
CURRENCY_SYMBOLS = {"$": "USD", "£": "GBP", "€": "EUR", "Rp": "IDR"}
CURRENCY_CODES = ("IDR", "USD", "GBP", "EUR")
DATE_FORMATS = [
    "%Y-%m-%d", "%Y/%m/%d", "%d/%m/%Y", "%m/%d/%Y", "%d-%m-%Y", "%m-%d-%Y", "%d.%m.%Y",
    "%d/%m/%y", "%m/%d/%y", "%d-%m-%y", "%m-%d-%y", "%d.%m.%y",
    "%d-%b-%Y", "%d-%b-%y", "%d %b %Y", "%d %B %Y", "%b %d, %Y", "%B %d, %Y", "%d-%B-%Y", "%Y%m%d",
]  # fmt: skip
TIMESTAMP_FORMATS = [
    "%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S.%f", "%Y-%m-%dT%H:%M:%S.%f",
    "%d/%m/%Y %H:%M:%S", "%m/%d/%Y %H:%M:%S", "%d/%m/%Y %H:%M", "%m/%d/%Y %H:%M",
    "%m/%d/%Y %I:%M:%S %p", "%d/%m/%Y %I:%M:%S %p", "%m/%d/%Y %I:%M %p",
]  # fmt: skip
ID_TOKENS = {"id", "code", "no", "nr", "num", "number", "key", "zip", "postcode", "postal", "phone", "ref",
             "reference", "account", "acct", "nik", "npwp", "ktp", "iban", "sku", "voucher", "counter"}  # fmt: skip
NOT_FLAG_TOKENS = ID_TOKENS - {"id"}
MONEY_TOKENS = {"amount", "amt", "salary", "pay", "wage", "wages", "price", "cost", "total", "debit", "credit",
                "balance", "value", "fee", "gross", "net", "nett", "tax", "spend", "paid", "allowance"}  # fmt: skip
PERSONAL_TOKENS = {"email", "phone", "mobile", "ssn", "nik", "ktp", "npwp", "iban", "passport"}
PERSON_NAME_TOKENS = {"employee", "full", "first", "last", "surname", "given", "person", "staff"}
# Other names for canonical columns (normalised headers). Strong ones score like an alias; weak ones only win
# when nothing better claims the column.
SYNONYMS: dict[str, list[str]] = {
    "employee_id": ["emp_id", "empid", "employee_no", "employee_number", "staff_id", "staff_no", "person_id",
                    "personnel_number", "worker_id", "badge_id"],
    "full_name": ["name", "employee_name", "staff_name", "employee_full_name", "person_name"],
    "gender": ["sex"],
    "birth_date": ["dob", "date_of_birth", "birthdate", "birthday"],
    "hire_date": ["date_of_hire", "start_date", "date_first_hired", "hired_date", "date_hired", "join_date",
                  "joining_date", "employment_start_date"],
    "termination_date": ["date_of_termination", "leaving_date", "date_terminated", "separation_date"],
    "termination_reason": ["term_reason", "reason_for_leaving", "leaving_reason", "separation_reason"],
    "department_id": ["dept_id", "department_code", "dept_code", "dept_no", "department_number"],
    "department_name": ["department", "dept", "dept_name", "department_description", "directorate"],
    "position": ["job_title", "title", "position_title", "employee_position_title", "job", "role"],
    "manager_id": ["supervisor_id", "manager_number", "reports_to"],
    "employment_type": ["assignment_category", "employee_type", "contract_type", "employment_category"],
    "annual_salary": ["salary", "current_annual_salary", "annual_pay"],
    "base_pay": ["regular_pay", "basic_pay"],
    "overtime_pay": ["overtime", "ot_pay", "overtime_amount"],
    "other_pay": ["allowances", "bonus", "other_earnings"],
    "gross_pay": ["gross", "gross_pay_received", "total_pay", "gross_earnings", "total_gross"],
    "vendor_name": ["supplier", "supplier_name", "payee", "payee_name", "vendor", "merchant", "merchant_name",
                    "beneficiary"],
    "vendor_id": ["supplier_id", "supplier_number", "supplier_no", "vendor_number", "vendor_no", "payee_id"],
    "transaction_date": ["date", "payment_date", "invoice_date", "paid_date", "paid_on", "posting_date", "txn_date",
                         "invoice_creation_date", "date_paid"],
    "transaction_id": ["transaction_no", "transaction_number", "txn_id", "payment_id", "line_id"],
    "amount": ["value", "total", "net_amount", "amount_paid", "invoice_nett_amount", "nett_amount",
               "sum_of_invoice_nett_amount", "payment_amount"],
    "category": ["expense_type", "subjective", "subj_description", "subjective_description", "expense_category",
                 "merchant_category", "expenditure_category"],
    "description": ["desc", "narrative", "memo", "details", "purpose", "transaction_description"],
    "reference": ["ref", "reference_no", "document_no", "invoice_number", "invoice_no", "doc_no"],
    "account_code": ["object_code", "gl_code", "account", "account_no", "account_number", "gl_account",
                     "nominal_code"],
    "account_name": ["account_description", "gl_account_name"],
    "posting_date": ["date", "gl_date", "journal_date"],
    "journal_id": ["journal_no", "journal_number", "je_number"],
    "debit_idr": ["debit", "dr", "debit_amount"],
    "credit_idr": ["credit", "cr", "credit_amount"],
    "invoice_date": ["invoice_creation_date"],
    "invoice_no": ["invoice_number", "invoice_ref"],
    "amount_idr": ["amount", "value", "net_amount", "invoice_amount"],
    "period": ["pay_period", "fiscal_period"],
    "fiscal_year": ["fy"],
    "card_holder_id": ["cardholder", "card_holder", "card_number", "card_no"],
    "email": ["e_mail", "email_address"],
    "work_location": ["location", "office", "work_site"],
    "tax_id": ["ssn", "tin", "tax_number"],
}  # fmt: skip
WEAK_SYNONYMS: dict[str, list[str]] = {
    "department_id": ["department", "dept"],
    "description": ["account_name"],
}


class DraftError(ValueError):
    """The file cannot be profiled; the message names the file and what is wrong."""


@dataclass
class Layout:
    """How the file is laid out: where the header is and how the text is encoded."""

    format: str
    header: list[str]
    header_line: int | None = None  # 1-based line (text) or row (sheet) of the header; None for Parquet
    encoding: str | None = None
    newline: str | None = None
    delimiter: str | None = None
    sheet: str | None = None
    sheets: list[str] = field(default_factory=list)
    total_rows: int | None = None  # data rows in the whole file (text files: non-blank lines after the header)
    cp1252_lines: int = 0
    rejected: int = 0  # rows with another number of fields than the header
    reject_example: str | None = None
    preamble: str | None = None  # the first line above the header, when there is one
    native_types: dict[int, str] = field(default_factory=dict)  # Parquet: position -> contract type


@dataclass
class ColumnProfile:
    position: int
    header: str
    n_values: int = 0  # cells with a value (not blank, not a null marker)
    n_blank: int = 0
    n_distinct: int = 0
    top: list[tuple[str, int]] = field(default_factory=list)
    type: str = "string"
    formats: list[str] = field(default_factory=list)
    century_start: int | None = None
    ambiguous_with: str | None = None  # the day/month-swapped format that fits every value too
    pattern: str | None = None
    allowed_values: list[str] | None = None
    money_symbols: list[str] = field(default_factory=list)
    thousands: str | None = None  # the thousands separator this column's numbers use
    decimal_comma: bool = False
    leading_zeros: bool = False
    minimum: float | None = None
    maximum: float | None = None
    misfits: int = 0  # values that do not fit the chosen type
    misfit_example: str | None = None
    notes: list[str] = field(default_factory=list)

    @property
    def unique(self) -> bool:
        return self.n_values > 0 and self.n_blank == 0 and self.n_distinct == self.n_values

    @property
    def constant(self) -> str | None:
        return self.top[0][0] if self.n_distinct == 1 and self.n_blank == 0 else None


@dataclass
class FileProfile:
    path: Path
    layout: Layout
    n_rows: int  # data rows profiled (blank rows excluded)
    truncated: bool
    blank_rows: int
    duplicate_rows: int
    columns: list[ColumnProfile]
    null_markers: Counter
    candidate_keys: list[list[str]]


@dataclass
class EntityMatch:
    entity: str
    score: int
    columns: dict[int, tuple[str, int, str]]  # file position -> (canonical column, score, why)
    keyed: bool = False  # the file provides the entity's whole primary key
    share: float = 0.0  # the share of the entity's columns the file provides

    @property
    def rank(self) -> tuple[int, bool, float]:
        return (self.score, self.keyed, self.share)


def draft_contract(
    path: Path,
    entity: str | None = None,
    system: str | None = None,
    landing_dir: Path | None = None,
    alias_dirs: list[Path] | None = None,
) -> str:
    """Profile ``path`` and return the text of a commented draft contract (validated before it is returned).

    ``entity`` forces the canonical entity (else the best match, if it is clear); ``alias_dirs`` are the
    contract folders whose aliases for the same entity count as names of its columns (default: contracts/demo).
    """
    from assets.canonical.catalog import load_catalog

    catalog = load_catalog()
    if entity is not None and entity not in catalog:
        raise DraftError(f"--entity {entity!r} is not a canonical entity; known: {', '.join(sorted(catalog))}")
    profile = profile_file(path)
    ranking = rank_entities(profile, catalog, contract_aliases(alias_dirs or [CONTRACTS_ROOT / "demo"]))
    chosen = next(m for m in ranking if m.entity == entity) if entity is not None else _confident(ranking)
    text = render_contract(profile, chosen, ranking, catalog, system, landing_dir)
    _validate(text, path)
    return text


def _validate(text: str, path: Path) -> None:
    try:
        Contract(**yaml.safe_load(text))
    except Exception as exc:  # a draft that does not load is a bug here, not the user's problem
        raise DraftError(f"{path}: the drafted contract does not validate ({exc}); please report it") from exc


# --- reading a sample -----------------------------------------------------------------------------------------


def profile_file(path: Path, sample_rows: int = SAMPLE_ROWS) -> FileProfile:
    """Read at most ``sample_rows`` data rows of ``path`` and describe the file and every column."""
    path = Path(path)
    if not path.is_file():
        raise DraftError(f"{path}: no such file")
    if path.stat().st_size == 0:
        raise DraftError(f"{path}: the file is empty (0 bytes)")
    fmt = FORMATS_BY_SUFFIX.get(path.suffix.lower())
    if fmt is None:
        raise DraftError(f"{path}: cannot tell the format from the extension {path.suffix!r} (csv, xlsx, parquet)")
    con = duckdb.connect(config={"memory_limit": "1GB", "threads": 2})
    try:
        with tempfile.TemporaryDirectory(prefix="kinerja-draft-") as tmp:
            if fmt == "csv":
                layout = _sample_text(con, path, Path(tmp), sample_rows)
            elif fmt == "xlsx":
                layout = _sample_xlsx(con, path, sample_rows)
            else:
                layout = _sample_parquet(con, path, sample_rows)
        return _profile_sample(con, path, layout, sample_rows)
    finally:
        con.close()


def _is_data_like(cell: str) -> bool:
    return bool(re.fullmatch(r"[-+$£€(]*\d[\d,.:/ \-)]*", cell.strip()))


def find_header(rows: list[list[str]]) -> tuple[int, int]:
    """Return (index of the header row, number of fields): the first row, at the most common width, whose cells
    are mostly filled with text rather than numbers or dates. Preamble rows (a title, a report date) have
    one or two filled cells and are passed over."""
    widths = Counter(len(r) for r in rows if any(c.strip() for c in r))
    if not widths:
        return 0, 0
    width = max(widths.items(), key=lambda kv: (kv[1], kv[0]))[0]
    needed = 1 if width == 1 else max(2, width // 2 + 1)
    fallback = None
    for index, cells in enumerate(rows):
        filled = [c for c in cells if c.strip()]
        if len(cells) < width or len(filled) < needed:
            continue
        if fallback is None:
            fallback = index
        if sum(_is_data_like(c) for c in filled) * 2 < len(filled):
            return index, len(cells)
    return (fallback, len(rows[fallback])) if fallback is not None else (0, len(rows[0]))


def sniff_text(lines: list[str]) -> tuple[str, int, list[str]]:
    """Pick the delimiter that splits the first lines most consistently; return it, the 1-based line of the
    header and the header cells."""
    best = None
    for delimiter in DELIMITERS:
        reader = csv.reader(io.StringIO("\n".join(lines)), delimiter=delimiter)
        rows, ends = [], []
        try:
            for cells in reader:
                rows.append(cells)
                ends.append(reader.line_num)
        except csv.Error:
            continue
        widths = Counter(len(r) for r in rows if any(c.strip() for c in r))
        if not widths:
            continue
        width, frequency = max(widths.items(), key=lambda kv: (kv[1], kv[0]))
        key = (width >= 2, frequency, width)
        if best is None or key > best[0]:
            index, _ = find_header(rows)
            best = (key, delimiter, ends[index], rows[index])
    if best is None:
        raise DraftError("no lines with text")
    return best[1], best[2], best[3]


def _sample_text(con: duckdb.DuckDBPyConnection, path: Path, tmp: Path, sample_rows: int) -> Layout:
    scan = scan_text(path)
    source = path
    if scan.needs_rewrite:
        source = tmp / "rewritten.csv"
        rewrite_as_utf8(path, scan, source)
    lines = read_head_lines(source, "utf-8", HEAD_LINES)
    try:
        delimiter, header_line, header = sniff_text(lines)
    except DraftError as exc:
        raise DraftError(f"{path}: {exc}") from None
    header = [h.replace("\ufeff", "").strip() for h in header]
    width = len(header)
    columns = "{" + ", ".join(f"'c{i}': 'VARCHAR'" for i in range(width)) + "}"
    con.execute(
        f"""
        create table _read as
        select * from read_csv(?, header = false, skip = {header_line}, delim = ?, quote = '"',
                               columns = {columns}, auto_detect = false, strict_mode = true,
                               null_padding = false, store_rejects = true,
                               rejects_table = '_rej_errors', rejects_scan = '_rej_scans')
        limit {sample_rows}
        """,
        [str(source), delimiter],
    )
    con.execute("create table _sample as select row_number() over () as _row, * from _read")
    rejected, example = con.execute(
        "select count(distinct line), min_by('line ' || line || ': ' || csv_line, line) from _rej_errors"
    ).fetchone()
    preamble = next((line.strip() for line in lines[: header_line - 1] if line.strip(" ,;\t|")), None)
    blank_after = sum(1 for n in scan.blank_lines if n > header_line)
    return Layout(
        format="csv",
        header=header,
        header_line=header_line,
        encoding=scan.encoding,
        newline={"\n": "LF", "\r\n": "CRLF", "\r": "CR"}[scan.newline],
        delimiter=delimiter,
        total_rows=max(scan.n_lines - header_line - blank_after, 0),
        cp1252_lines=len(scan.cp1252_lines),
        rejected=rejected or 0,
        reject_example=example,
        preamble=preamble,
    )


def _sample_xlsx(con: duckdb.DuckDBPyConnection, path: Path, sample_rows: int) -> Layout:
    from python_calamine import CalamineWorkbook

    try:
        workbook = CalamineWorkbook.from_path(str(path))
        sheet = workbook.get_sheet_by_index(0)
        rows_iter = iter(sheet.iter_rows())
        head = [[cell_text(v) or "" for v in row] for _, row in zip(range(HEAD_LINES), rows_iter, strict=False)]
    except Exception as exc:  # calamine raises its own error types for corrupt workbooks
        raise DraftError(f"{path}: not a readable Excel workbook: {exc}") from exc
    if not any(any(c.strip() for c in row) for row in head):
        raise DraftError(f"{path}: the first sheet ({sheet.name}) is empty")
    index, _ = find_header(head)
    header = [c.strip() for c in head[index]]
    while header and not header[-1]:
        header.pop()
    width = len(header)
    data: list[list[str | None]] = [[] for _ in range(width)]
    rejected, example = 0, None
    rows_after = (row for row in head[index + 1 :])
    rest = ([cell_text(v) or "" for v in row] for row in rows_iter)
    total = 0
    for number, cells in enumerate(itertools.chain(rows_after, rest), start=index + 2):
        if not any(c.strip() for c in cells):
            continue
        total += 1
        if total > sample_rows:
            continue
        if any(c.strip() for c in cells[width:]):
            rejected += 1
            example = example or f"row {number}: values beyond the {width} header columns"
            continue
        cells = cells[:width] + [""] * (width - len(cells))
        for i in range(width):
            data[i].append(cells[i] if cells[i] != "" else None)
    table = pa.table({f"c{i}": pa.array(data[i], pa.string()) for i in range(width)})
    con.register("_xlsx", table)
    con.execute("create table _sample as select row_number() over () as _row, * from _xlsx")
    con.unregister("_xlsx")
    return Layout(
        format="xlsx",
        header=header,
        header_line=index + 1,
        sheet=sheet.name,
        sheets=list(workbook.sheet_names),
        total_rows=total,
        rejected=rejected,
        reject_example=example,
        preamble=next((" ".join(c for c in row if c.strip()) for row in head[:index] if "".join(row).strip()), None),
    )


def _native_type(duckdb_type: str) -> str | None:
    t = duckdb_type.upper()
    if t == "BOOLEAN":
        return "boolean"
    if t in ("TINYINT", "SMALLINT", "INTEGER", "BIGINT", "HUGEINT", "UTINYINT", "USMALLINT", "UINTEGER", "UBIGINT"):
        return "integer"
    if t.startswith("DECIMAL") or t in ("DOUBLE", "FLOAT", "REAL"):
        return "decimal"
    if t == "DATE":
        return "date"
    if t.startswith("TIMESTAMP"):
        return "timestamp"
    return None


def _sample_parquet(con: duckdb.DuckDBPyConnection, path: Path, sample_rows: int) -> Layout:
    try:
        described = con.execute("describe select * from read_parquet(?)", [str(path)]).fetchall()
        total = con.execute("select count(*) from read_parquet(?)", [str(path)]).fetchone()[0]
    except duckdb.Error as exc:
        raise DraftError(f"{path}: not a readable Parquet file: {exc}") from exc
    names = [r[0] for r in described]
    casts = ", ".join(f'"{n.replace(chr(34), chr(34) * 2)}"::varchar as c{i}' for i, n in enumerate(names))
    con.execute(
        f"create table _sample as select row_number() over () as _row, {casts} "
        f"from (select * from read_parquet(?) limit {sample_rows})",
        [str(path)],
    )
    native = {i: t for i, r in enumerate(described) if (t := _native_type(r[1])) is not None}
    return Layout(format="parquet", header=names, total_rows=total, native_types=native)


# --- profiling ------------------------------------------------------------------------------------------------


def _lit(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def _words(header: str) -> list[str]:
    """Header words: CamelCase split, then lower snake case (``DateofHire`` -> ``dateof``, ``hire``)."""
    text = re.sub(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])", "_", header)
    return [w for w in normalise_header(text).split("_") if w]


def snake_name(header: str, position: int) -> str:
    """A contract column name for a header: ``2016 Gross Pay Received`` -> ``gross_pay_received_2016``."""
    words = _words(header)
    leading = []
    while words and not words[0][0].isalpha():
        leading.append(words.pop(0))
    name = "_".join(words + leading)
    return name if name and name[0].isalpha() else f"column_{position + 1}"


def _profile_sample(con: duckdb.DuckDBPyConnection, path: Path, layout: Layout, sample_rows: int) -> FileProfile:
    width = len(layout.header)
    cols = [f"c{i}" for i in range(width)]
    if width == 0:
        raise DraftError(f"{path}: no header row found")
    all_blank = " and ".join(f"nullif(trim({c}), '') is null" for c in cols)
    blank_rows = con.execute(f"select count(*) from _sample where {all_blank}").fetchone()[0]
    con.execute(f"delete from _sample where {all_blank}")
    n_rows = con.execute("select count(*) from _sample").fetchone()[0]
    markers: Counter = Counter()
    for c in cols:
        for value, count in con.execute(
            f"select trim({c}) v, count(*) from _sample where regexp_full_match(trim({c}), {_lit(MARKER_RE)}) "
            "group by v"
        ).fetchall():
            markers[value] += count
    nulls = [*DEFAULT_NULLS, *sorted((m for m in markers if m not in DEFAULT_NULLS), key=lambda m: -markers[m])]
    columns = [_profile_column(con, i, layout, nulls) for i in range(width)]
    _resolve_number_formats(columns)
    _resolve_day_month(con, columns, nulls)
    duplicates = 0
    if n_rows:
        duplicates = con.execute(
            f"select coalesce(sum(n - 1), 0) from (select count(*) n from _sample group by {', '.join(cols)})"
        ).fetchone()[0]
    keys = [[c.header] for c in columns if c.unique and c.header]
    if not keys and not duplicates and n_rows > 1:
        keys = _pair_keys(con, columns, n_rows)
    return FileProfile(
        path=path,
        layout=layout,
        n_rows=n_rows,
        truncated=(layout.total_rows or 0) > sample_rows,
        blank_rows=blank_rows,
        duplicate_rows=int(duplicates),
        columns=columns,
        null_markers=Counter({m: n for m, n in markers.items()}),
        candidate_keys=keys,
    )


def _pair_keys(con: duckdb.DuckDBPyConnection, columns: list[ColumnProfile], n_rows: int) -> list[list[str]]:
    """Two-column keys among the columns that are never blank (the eight with the most distinct values)."""
    full = [c for c in columns if c.n_blank == 0 and c.n_distinct > 1 and c.header]
    full = sorted(full, key=lambda c: -c.n_distinct)[:8]
    pairs = [(a, b) for i, a in enumerate(full) for b in full[i + 1 :]]
    if not pairs:
        return []
    counts = con.execute(
        "select "
        + ", ".join(f"count(distinct (trim(c{a.position}), trim(c{b.position})))" for a, b in pairs)
        + " from _sample"
    ).fetchone()
    found = [[a.header, b.header] for (a, b), n in zip(pairs, counts, strict=True) if n == n_rows]
    return sorted(found, key=lambda k: (k[0] != full[0].header, k))[:3]


NUMBER_CLEAN = r"regexp_replace(regexp_replace(v, '(Rp|IDR|USD|GBP|EUR|\$|£|€|\s)', '', 'g'), '^\((.*)\)$', '-\1')"
NUMBER_PATTERNS = {
    "int": r"[+-]?\d+",
    "dec_dot": r"[+-]?(\d+\.\d*|\.\d+)",
    "group_comma": r"[+-]?\d{1,3}(,\d{3})+(\.\d*)?",
    "group_dot": r"[+-]?\d{1,3}(\.\d{3})+(,\d*)?",
    "dec_comma": r"[+-]?\d+,\d+",
}


def _profile_column(con: duckdb.DuckDBPyConnection, position: int, layout: Layout, nulls: list[str]) -> ColumnProfile:
    header = layout.header[position]
    col = ColumnProfile(position=position, header=header)
    null_list = ", ".join(_lit(n) for n in nulls)
    base = (
        f"with d as (select _row, trim(c{position}) as v from _sample "
        f"where c{position} is not null and trim(c{position}) not in ({null_list})), "
        f"n as (select _row, v, {NUMBER_CLEAN} as n from d)"
    )
    pattern_counts = ", ".join(
        f"count(*) filter (where regexp_full_match(n, {_lit(p)}))" for p in NUMBER_PATTERNS.values()
    )
    symbols = ", ".join(f"count(*) filter (where contains(v, {_lit(s)}))" for s in [*CURRENCY_SYMBOLS, *CURRENCY_CODES])
    true_list = ", ".join(_lit(v) for v in TRUE_VALUES)
    false_list = ", ".join(_lit(v) for v in FALSE_VALUES)
    row = con.execute(
        f"""
        {base}
        select (select count(*) from _sample), count(*), count(distinct v), {pattern_counts}, {symbols},
               count(*) filter (where regexp_full_match(v, '0\\d+')),
               min(length(v)), max(length(v)),
               count(*) filter (where lower(v) in ({true_list})), count(*) filter (where lower(v) in ({false_list})),
               count(*) filter (where lower(v) in ('true', 'false', 'yes', 'no', 'y', 'n', 'ya', 'tidak')),
               count(*) filter (where regexp_full_match(v, '[0-9A-Za-z ,./:T+-]{{6,40}}') and regexp_matches(v, '\\d'))
        from n
        """
    ).fetchone()
    total, n, n_distinct = row[0], row[1], row[2]
    symbol_names = [*CURRENCY_SYMBOLS, *CURRENCY_CODES]
    numbers = dict(zip(NUMBER_PATTERNS, row[3 : 3 + len(NUMBER_PATTERNS)], strict=True))
    rest = row[3 + len(NUMBER_PATTERNS) :]
    symbol_counts = dict(zip(symbol_names, rest[: len(symbol_names)], strict=True))
    leading_zero, min_len, max_len, n_true, n_false, n_words, n_datey = rest[len(symbol_names) :]
    col.n_values, col.n_blank, col.n_distinct = n, total - n, n_distinct
    top = con.execute(f"{base} select v, count(*) k from d group by v order by k desc, v limit 12").fetchall()
    col.top = [(v, k) for v, k in top]
    if n == 0:
        col.notes.append("always blank" if total else "no rows")
        return col
    words = set(_words(header))
    native = layout.native_types.get(position)
    if native is not None:
        col.type = native
        if native in ("integer", "decimal"):
            col.minimum, col.maximum = _min_max(con, base)
        return _finish_string(col, words) if native == "string" else col
    # booleans: yes/no words, or 0/1 with both present in a column that is not a code
    if n_true + n_false == n and (n_words == n or (n_true and n_false and not words & NOT_FLAG_TOKENS)):
        col.type = "boolean"
        if {v for v, _ in col.top} <= {"0", "1"}:
            col.notes.append("values 0/1 only: typed as a flag (use type: integer if it is a code)")
        return col
    compact_date = "date" in words and min_len == max_len == 8 and numbers["int"] == n  # 20240131
    if compact_date and _dates(con, col, base, n, words):
        return col
    if _numeric(con, col, base, numbers, symbol_counts, n, leading_zero, min_len, max_len, words):
        return col
    if n_datey * 10 >= n * 9 and _dates(con, col, base, n, words):
        return col
    return _finish_string(col, words)


def _min_max(
    con: duckdb.DuckDBPyConnection, base: str, decimal_comma: bool = False
) -> tuple[float | None, float | None]:
    text = "replace(replace(n, '.', ''), ',', '.')" if decimal_comma else "replace(n, ',', '')"
    clean = f"try_cast({text} as double)"
    return con.execute(f"{base} select min({clean}), max({clean}) from n").fetchone()


def _misfit(con: duckdb.DuckDBPyConnection, base: str, fits_sql: str) -> tuple[int, str | None]:
    count, example = con.execute(
        f"{base} select count(*), min_by('''' || v || ''' (data row ' || _row || ')', _row) from n "
        f"where not coalesce({fits_sql}, false)"
    ).fetchone()
    return count, example


def _numeric(con, col: ColumnProfile, base, numbers, symbol_counts, n, leading_zero, min_len, max_len, words) -> bool:
    us = numbers["int"] + numbers["dec_dot"] + numbers["group_comma"]
    eu_only = numbers["dec_comma"] + numbers["group_dot"]
    fits_us = us >= n * 0.95
    fits_eu = (numbers["int"] + eu_only) >= n * 0.95 and numbers["dec_comma"] > 0 and us < n
    if not (fits_us or fits_eu):
        if us + eu_only >= n * 0.5:
            col.notes.append(f"{(us + eu_only) * 100 // n}% of the values are numbers; kept as text")
        return False
    symbols = [s for s, k in symbol_counts.items() if k]
    if fits_eu:
        col.decimal_comma = True
        col.thousands = "." if numbers["group_dot"] else None
        patterns = ["int", "group_dot", "dec_comma"]
    else:
        col.thousands = "," if numbers["group_comma"] else None
        patterns = ["int", "dec_dot", "group_comma"]
    fits = " or ".join(f"regexp_full_match(n, {_lit(NUMBER_PATTERNS[p])})" for p in patterns)
    col.misfits, col.misfit_example = _misfit(con, base, fits)
    if numbers["int"] == n - col.misfits and not symbols:  # every number is a whole number
        int_re = _lit(NUMBER_PATTERNS["int"])
        digits_only = con.execute(
            f"{base} select bool_and(regexp_full_match(v, '\\d+')) from n where regexp_full_match(n, {int_re})"
        ).fetchone()[0]
        if digits_only and (leading_zero or words & ID_TOKENS or max_len > 18):
            col.type, col.leading_zeros = "string", bool(leading_zero)
            if col.misfits:
                col.notes.append(f"{col.misfits:,} value(s) are not digits, e.g. {col.misfit_example}")
                col.misfits, col.misfit_example = 0, None
            elif min_len == max_len:
                col.pattern = rf"\d{{{max_len}}}"
            else:
                col.pattern = r"\d+" if max_len > 9 else rf"\d{{{min_len},{max_len}}}"
            if leading_zero:
                col.notes.append(f"leading zeros in {leading_zero:,} values: kept as text")
            return True
        if not words & MONEY_TOKENS:
            col.type = "integer"
            col.minimum, col.maximum = _min_max(con, base, col.decimal_comma)
            return True
    col.type = "decimal"
    col.money_symbols = symbols
    col.minimum, col.maximum = _min_max(con, base, col.decimal_comma)
    return True


def _date_fits(fmt: str) -> str:
    parsed = f"try_strptime(v, {_lit(fmt)})"
    return f"year({parsed}) between 1000 and 9999" if "%Y" in fmt else f"{parsed} is not null"


def _dates(con: duckdb.DuckDBPyConnection, col: ColumnProfile, base: str, n: int, words: set[str]) -> bool:
    candidates = [*DATE_FORMATS, *TIMESTAMP_FORMATS]
    if "date" not in words:
        candidates.remove("%Y%m%d")
    counts = con.execute(
        f"{base} select " + ", ".join(f"count(*) filter (where {_date_fits(f)})" for f in candidates) + " from n"
    ).fetchone()
    ranked = sorted(((k, -i, f) for i, (f, k) in enumerate(zip(candidates, counts, strict=True)) if k), reverse=True)
    if not ranked:
        return False
    # a greedy cover: the format that parses most values, then (at most two) formats for what is left
    chosen, covered = [ranked[0][2]], ranked[0][0]
    while covered < n and len(chosen) < 3:
        taken = "coalesce(" + " or ".join(_date_fits(f) for f in chosen) + ", false)"
        rest = [f for _, _, f in ranked if f not in chosen]
        if not rest:
            break
        more = con.execute(
            f"{base} select "
            + ", ".join(f"count(*) filter (where not {taken} and {_date_fits(f)})" for f in rest)
            + " from n"
        ).fetchone()
        gain, fmt = max(zip(more, rest, strict=True), key=lambda pair: pair[0])
        if not gain:
            break
        chosen.append(fmt)
        covered += gain
    if covered * 100 < n * 95:
        if covered * 2 >= n:
            col.notes.append(f"{covered * 100 // n}% of the values are dates ({', '.join(chosen)}); kept as text")
        return False
    col.formats = chosen
    col.type = "timestamp" if any(f in TIMESTAMP_FORMATS for f in chosen) and "date" not in words else "date"
    if col.type == "date" and any(f in TIMESTAMP_FORMATS for f in chosen):
        col.notes.append("values carry a time of day: typed as a date (use type: timestamp to keep the time)")
    col.misfits, col.misfit_example = _misfit(con, base, " or ".join(_date_fits(f) for f in chosen))
    if any("%y" in f for f in chosen):
        this_year = dt.date.today().year
        col.century_start = this_year - 99
    return True


def _swap_day_month(fmt: str) -> str | None:
    """The format with day and month swapped, when that is a format files use (never ``%Y-%d-%m``)."""
    if "%d" not in fmt or "%m" not in fmt:
        return None
    swapped = fmt.replace("%d", "\0").replace("%m", "%d").replace("\0", "%m")
    return swapped if swapped in DATE_FORMATS or swapped in TIMESTAMP_FORMATS else None


def _resolve_day_month(con: duckdb.DuckDBPyConnection, columns: list[ColumnProfile], nulls: list[str]) -> None:
    """When every value of a column parses both day-first and month-first, follow the order that the file's
    other date columns prove (a day above 12), else keep day-first and say it is a guess."""
    proven: list[str] = []
    ambiguous: list[ColumnProfile] = []
    null_list = ", ".join(_lit(v) for v in nulls)
    for col in columns:
        if col.type not in ("date", "timestamp") or len(col.formats) != 1:
            continue
        fmt = col.formats[0]
        swapped = _swap_day_month(fmt)
        if swapped is None:
            continue
        fits = _date_fits(swapped).replace("(v,", f"(trim(c{col.position}),")
        all_fit = con.execute(
            f"select bool_and(coalesce({fits}, false)) from _sample where c{col.position} is not null "
            f"and trim(c{col.position}) not in ({null_list})"
        ).fetchone()[0]
        if all_fit:
            col.ambiguous_with = swapped
            ambiguous.append(col)
        else:
            proven.append("day" if fmt.index("%d") < fmt.index("%m") else "month")
    order = Counter(proven).most_common(1)[0][0] if proven else None
    for col in ambiguous:
        fmt, swapped = col.formats[0], col.ambiguous_with
        day_first = fmt if fmt.index("%d") < fmt.index("%m") else swapped
        month_first = swapped if day_first == fmt else fmt
        col.formats = [month_first if order == "month" else day_first]
        col.ambiguous_with = day_first if order == "month" else month_first
        why = f"{order}-first like the file's other date columns" if order else "day-first is a guess: check the source"
        col.notes.append(f"every value reads as {col.formats[0]} and as {col.ambiguous_with}; {why}")


def _resolve_number_formats(columns: list[ColumnProfile]) -> None:
    """One number format serves the whole contract: comma-decimal columns lose to dot-decimal ones."""
    dot = [c for c in columns if c.type in ("integer", "decimal") and not c.decimal_comma]
    comma = [c for c in columns if c.type in ("integer", "decimal") and c.decimal_comma]
    if comma and any(c.thousands == "," or c.type == "decimal" for c in dot):
        for c in comma:
            c.type, c.decimal_comma, c.thousands = "string", False, None
            c.notes.append("comma-decimal numbers while other columns use a decimal point: kept as text")


def _finish_string(col: ColumnProfile, words: set[str]) -> ColumnProfile:
    values = [v for v, _ in col.top]
    categorical = 2 <= col.n_distinct <= 10 and col.n_values >= 3 * col.n_distinct
    if categorical and max(len(v) for v in values) <= 40 and not words & PERSON_NAME_TOKENS:
        col.allowed_values = sorted(values)
        return col
    if col.n_distinct >= 2 and col.top and all(re.fullmatch(r"[A-Z]+", v) for v in values):
        lengths = {len(v) for v in values}
        if len(lengths) == 1 and (words & ID_TOKENS or col.n_distinct > 10):
            col.pattern = f"[A-Z]{{{lengths.pop()}}}"
    return col


# --- matching the canonical model -----------------------------------------------------------------------------


def _compact(name: str) -> str:
    return name.replace("_", "")


def _strip_currency(name: str) -> str:
    return re.sub(r"_(idr|usd|gbp|eur)$", "", name)


def contract_aliases(directories: list[Path]) -> dict[str, dict[str, set[str]]]:
    """entity -> canonical column -> normalised names that the contracts mapping into it read it from."""
    found: dict[str, dict[str, set[str]]] = {}
    paths = sorted({p.resolve() for d in directories for p in Path(d).glob("*.yaml")})
    for path in paths:
        try:
            data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        except (OSError, yaml.YAMLError):
            continue
        entity = data.get("maps_to") if isinstance(data, dict) else None
        if not isinstance(entity, str) or not isinstance(data.get("columns"), dict):
            continue
        for name, spec in data["columns"].items():
            aliases = spec.get("aliases", []) if isinstance(spec, dict) else []
            names = {normalise_header(str(a)) for a in [name, *aliases]}
            found.setdefault(entity, {}).setdefault(str(name), set()).update(names)
    return found


def _content_score(canonical: str, col: ColumnProfile) -> tuple[int, str] | None:
    values = {v.upper() for v, _ in col.top}
    if canonical == "gender" and col.n_distinct and values <= {"M", "F", "MALE", "FEMALE", "L", "P"}:
        return 2, "values look like gender codes"
    if canonical == "email" and col.top and all("@" in v for v, _ in col.top):
        return 2, "values are e-mail addresses"
    return None


def _compatible(canonical_type: str, col: ColumnProfile) -> bool:
    if canonical_type in ("date", "timestamp"):
        return col.type in ("date", "timestamp")
    if canonical_type == "integer":
        return col.type == "integer"
    if canonical_type == "decimal":
        return col.type in ("integer", "decimal")
    if canonical_type == "boolean":
        return col.type == "boolean"
    return True


def _score(col: ColumnProfile, canonical: str, aliases: set[str], money: bool = False) -> tuple[int, str]:
    """How well a file column's header names a canonical column: 4 same name .. 1 a weak hint, 0 not at all."""
    norm = normalise_header(col.header)
    compact = _compact(norm)
    words = set(_words(col.header)) - {w for w in _words(col.header) if w.isdigit()}
    if norm == canonical:
        return 4, "same name"
    if compact == _compact(canonical):
        return 3, "same name"
    if norm in aliases or compact in {_compact(a) for a in aliases}:
        return 3, "alias in a contract"
    base = _strip_currency(canonical)
    if compact == _compact(base):
        return 3, "same name"
    strong = SYNONYMS.get(canonical, []) + SYNONYMS.get(base, [])
    if norm in strong or compact in {_compact(s) for s in strong}:
        return 2, "synonym"
    base_words = set(base.split("_"))
    if len(base_words) >= 2 and base_words <= words:
        return 2, "words of the name"
    if any(len(set(s.split("_"))) >= 2 and set(s.split("_")) <= words for s in strong):
        return 1, "words of a synonym"
    if norm in WEAK_SYNONYMS.get(canonical, []):
        return 1, "weak synonym"
    if len(base_words) == 1 and base_words <= words:
        return 1, "word of the name"
    if words and words < base_words and not money:  # "Created" for created_date, not "Salary" for base_salary
        return 1, "part of the name"
    return 0, ""


def match_entity(profile: FileProfile, name: str, entity, aliases: dict[str, set[str]]) -> EntityMatch:
    """Assign file columns to canonical columns, best pairs first; a canonical name that another header
    already spells is left to that header, so names and aliases never collide."""
    spelled = {normalise_header(c.header) for c in profile.columns}
    pairs = []
    first_of_header: set[str] = set()
    for col in profile.columns:
        norm = normalise_header(col.header)
        if not norm or norm in first_of_header:  # no usable header, or a repeated one: not read by name
            continue
        first_of_header.add(norm)
        for order, (canonical, spec) in enumerate(entity.columns.items()):
            if not _compatible(spec.type, col):
                continue
            score, why = _score(col, canonical, aliases.get(canonical, set()), spec.money)
            content = _content_score(canonical, col)
            if content and content[0] > score:
                score, why = content
            if score and not (canonical in spelled and normalise_header(col.header) != canonical):
                pairs.append((-score, col.position, order, canonical, score, why))
    taken_cols: set[int] = set()
    taken_canon: set[str] = set()
    assigned: dict[int, tuple[str, int, str]] = {}
    for _, position, _, canonical, score, why in sorted(pairs):
        if position in taken_cols or canonical in taken_canon:
            continue
        assigned[position] = (canonical, score, why)
        taken_cols.add(position)
        taken_canon.add(canonical)
    keyed = bool(entity.primary_key) and set(entity.primary_key) <= taken_canon
    share = len(assigned) / len(entity.columns)
    return EntityMatch(name, sum(s for _, s, _ in assigned.values()), assigned, keyed, share)


def rank_entities(profile: FileProfile, catalog: dict, aliases: dict[str, dict[str, set[str]]]) -> list[EntityMatch]:
    """Every canonical entity with the columns of the file it would take, best first."""
    matches = [match_entity(profile, name, e, aliases.get(name, {})) for name, e in catalog.items()]
    return sorted(matches, key=lambda m: (*[-x for x in m.rank], m.entity))


def _confident(ranking: list[EntityMatch]) -> EntityMatch | None:
    """The best entity when it takes two columns or more and beats the next one on score, or on an equal score
    by having its whole primary key (then by the share of its columns the file fills)."""
    if not ranking:
        return None
    best = ranking[0]
    runner = ranking[1].rank if len(ranking) > 1 else (0, False, 0.0)
    if len(best.columns) >= 2 and best.score >= 4 and best.rank > runner:
        return best
    return None


# --- writing the contract -------------------------------------------------------------------------------------


def _flow(value: object) -> str:
    """A value as one line of YAML flow style, quoted where YAML needs it."""
    text = yaml.safe_dump([value], default_flow_style=True, allow_unicode=True, sort_keys=False, width=1 << 20)
    return text.strip()[1:-1]


def _shown(value: str, limit: int = 40) -> str:
    value = re.sub(r"[\r\n\t]+", " ", value)
    return repr(value if len(value) <= limit else value[: limit - 1] + "…")


def _rows(count: int) -> str:
    return f"{count:,} row" + ("" if count == 1 else "s")


def _number(value: float | None) -> str:
    if value is None:
        return "?"
    return f"{value:,.0f}" if float(value).is_integer() else f"{value:,.2f}"


ENCODING_LABELS = {"utf-8": "UTF-8", "utf-8-sig": "UTF-8 with BOM", "cp1252": "cp1252 (Windows-1252)"}


def _file_lines(profile: FileProfile) -> list[str]:
    layout = profile.layout
    lines = []
    if layout.format == "csv":
        encoding = ENCODING_LABELS.get(layout.encoding or "", layout.encoding)
        if layout.encoding == "mixed":
            encoding = f"mixed: UTF-8, and {layout.cp1252_lines} lines in cp1252 (each line is read as it is)"
        delimiter = {"\t": "tab", ",": "comma", ";": "semicolon", "|": "pipe"}[layout.delimiter or ","]
        lines.append(f"Text: {encoding}, {layout.newline} line ends, {delimiter}-delimited.")
    elif layout.format == "xlsx":
        others = [s for s in layout.sheets if s != layout.sheet]
        lines.append(f"Excel: sheet {layout.sheet!r} profiled" + (f"; other sheets: {others}" if others else "") + ".")
    else:
        lines.append("Parquet: types from the file's schema where it has them.")
    if layout.header_line and layout.header_line > 1:
        above = f", first: {_shown(layout.preamble)}" if layout.preamble else ""
        lines.append(
            f"Header on line {layout.header_line}: {layout.header_line - 1} preamble line(s) above it{above} "
            "(header_row: detect finds it by the column names)."
        )
    elif layout.header_line:
        lines.append("Header on line 1.")
    total = layout.total_rows
    sample = f"{profile.n_rows:,} data rows profiled"
    if profile.truncated:
        sample += f" (the first {profile.n_rows:,} of about {total:,})"
    lines.append(sample + f"; {profile.blank_rows:,} blank rows; {profile.duplicate_rows:,} exact duplicate rows.")
    if layout.rejected:
        lines.append(
            f"{_rows(layout.rejected)} do not have the header's {len(layout.header)} fields and will be quarantined "
            f"(csv_structure), e.g. {_shown(layout.reject_example or '', 90)}."
        )
    markers = ", ".join(f"{m!r} ({n:,})" for m, n in profile.null_markers.most_common(8))
    blanks = sum(c.n_blank for c in profile.columns) - sum(profile.null_markers.values())
    lines.append(
        f"Null markers seen: blank or empty ({blanks:,} cells in all)" + (f", {markers}" if markers else "") + "."
    )
    if profile.candidate_keys:
        keys = "; ".join(" + ".join(k) for k in profile.candidate_keys[:6])
        where = "in the sample" if profile.truncated else "in the file"
        lines.append(f"Candidate keys (unique and never blank {where}): {keys}.")
    else:
        lines.append("No candidate key: no column (or pair of columns) is unique and never blank.")
    constants = [f"{c.header} = {_shown(c.constant)}" for c in profile.columns if c.constant is not None]
    if constants:
        lines.append(f"Constant columns: {', '.join(constants)}.")
    empty = [c.header or f"column {c.position + 1}" for c in profile.columns if c.n_values == 0]
    if empty:
        lines.append(f"Always blank: {', '.join(empty)}.")
    return lines


def _files_entry(path: Path, landing_dir: Path | None) -> tuple[str, str | None]:
    relative = None
    if landing_dir is not None:
        try:
            relative = path.resolve().relative_to(Path(landing_dir).resolve()).as_posix()
        except ValueError:
            relative = None
    entry = relative or path.name
    hint = None
    if re.search(r"\d", path.stem):
        pattern = re.sub(r"\d+([-_.]\d+)*", "*", path.name)
        if pattern != path.name:
            folder = entry.rsplit("/", 1)[0] + "/" if "/" in entry else ""
            hint = f"for a series of files (one per period), use a pattern such as {folder}{pattern}"
    return entry, hint


def _identifier(text: str, fallback: str) -> str:
    name = snake_name(text, 0)
    return name if not name.startswith("column_") else fallback


def _column_spec(col: ColumnProfile, name: str, canonical, canon_spec) -> tuple[dict, list[str]]:
    """The column's contract entry and the notes for its comment."""
    spec: dict = {}
    notes = list(col.notes)
    column_type = col.type
    pattern = col.pattern
    if canon_spec is not None:
        wanted = canon_spec.type
        if wanted == "string" and column_type in ("integer", "decimal", "boolean"):
            if column_type == "integer" and pattern is None and not col.misfits:
                pattern = r"\d+"
            column_type = "string"
        elif wanted == "decimal" and column_type == "integer":
            column_type = "decimal"
        elif wanted == "timestamp" and column_type == "date":
            column_type = "timestamp"
        elif wanted == "date" and column_type == "timestamp":
            column_type = "date"
    if column_type != "string":
        spec["type"] = column_type
    if col.header and col.header != name:
        spec["aliases"] = [col.header]
    if column_type in ("date", "timestamp") and col.formats:
        spec["formats"] = col.formats
    if col.century_start is not None and column_type in ("date", "timestamp"):
        spec["century_start"] = col.century_start
        notes.append(
            f"two-digit years: read in {col.century_start}-{col.century_start + 99}; "
            "raise century_start if dates can lie in the future"
        )
    if column_type == "string" and pattern:
        spec["pattern"] = pattern
    if column_type == "string" and col.allowed_values and not (canon_spec is not None and canon_spec.key):
        spec["allowed_values"] = col.allowed_values
    personal = bool(canon_spec is not None and canon_spec.personal)
    words = set(_words(col.header))
    if words & PERSONAL_TOKENS or ("name" in words and words & PERSON_NAME_TOKENS):
        personal = True
    if personal:
        spec["personal"] = True
    if column_type in ("integer", "decimal") and col.n_values:
        extra = ""
        if col.money_symbols:
            extra = f"; {' '.join(col.money_symbols)} stripped"
        if col.thousands:
            extra += f"; thousands separator {col.thousands!r}"
        notes.insert(0, f"{_number(col.minimum)} .. {_number(col.maximum)}{extra}")
    if col.misfits and (column_type != "string" or "pattern" in spec):
        rule = "the type" if column_type != "string" else "the pattern"
        notes.append(f"{col.misfits:,} value(s) do not fit {rule} and will be quarantined, e.g. {col.misfit_example}")
    elif col.misfits:
        notes.append(f"{col.misfits:,} value(s) are not numbers, e.g. {col.misfit_example}")
    if col.unique:
        notes.append("unique")
    if col.constant is not None:
        notes.append(f"always {_shown(col.constant)}")
    if col.n_blank and col.n_values:
        notes.append(f"{col.n_blank:,} blank")
    if canonical is not None:
        notes.append(f"canonical {canonical[0]} ({canonical[2]})")
    return spec, notes


def render_contract(
    profile: FileProfile,
    match: EntityMatch | None,
    ranking: list[EntityMatch],
    catalog: dict,
    system: str | None,
    landing_dir: Path | None,
) -> str:
    """The commented YAML of the draft."""
    path = profile.path
    canon = catalog[match.entity] if match else None
    files, files_hint = _files_entry(path, landing_dir)
    if system is None:
        first = files.split("/")[0] if "/" in files else path.resolve().parent.name
        system = _identifier(first, "source")
    entity_name = match.entity if match else _identifier(path.stem, "data")
    out = [
        f"# DRAFT contract for {path.name}, written by `kinerja draft-contract` on {dt.date.today().isoformat()}.",
        "# Check every line against the source before using it; the comments say what the profile saw.",
    ]
    out += [f"# {line}" for line in _file_lines(profile)]
    if match:
        others = [f"{m.entity} ({m.score})" for m in ranking[1:4] if m.score]
        out.append(
            f"# Maps to the canonical entity {match.entity}: {len(match.columns)} of {len(profile.columns)} columns "
            f"renamed to its names (score {match.score}" + (f"; next: {', '.join(others)}" if others else "") + ")."
        )
        missing = [c for c in canon.columns if c not in {v[0] for v in match.columns.values()}]
        if missing:
            out.append(f"# Canonical columns of {match.entity} this file does not provide: {', '.join(missing)}.")
        if canon.primary_key:
            out.append(f"# {match.entity} is keyed by {canon.primary_key} (key_prefix keeps two sources' ids apart).")
    else:
        close = [
            f"{m.entity} ({m.score}: {', '.join(v[0] for v in m.columns.values())})" for m in ranking[:3] if m.score
        ]
        out.append(
            "# No canonical entity matched with confidence, so no maps_to: the source stays in staging."
            + (f" Closest: {'; '.join(close)}." if close else "")
        )
        out.append("# Give --entity NAME to map it anyway; entities: " + ", ".join(sorted(catalog)) + ".")
    out.append(f"entity: {entity_name}")
    if match:
        out.append(f"maps_to: {match.entity}")
    out.append(f"system: {system}")
    out.append(f"domain: {canon.domain if canon else 'other'}" + ("" if canon else "  # hr, finance, payroll, ..."))
    description = f"TODO: what {path.name} holds" if not canon else canon.description
    out.append(f"description: {_flow(description)}")
    if canon:
        grain = canon.grain
    elif profile.candidate_keys:
        grain = f"TODO: one row per {' + '.join(profile.candidate_keys[0])}?"
    else:
        grain = "TODO: one row per ..."
    out.append(f"grain: {_flow(grain)}")
    out.append(f"files: {_flow([files])}" + (f"  # {files_hint}" if files_hint else ""))
    layout = profile.layout
    if layout.format == "xlsx" and layout.sheet is not None:
        out.append(f"sheet: {_flow(layout.sheet)}")
    if layout.format == "csv" and layout.delimiter != ",":
        out.append(f"csv: {_flow({'delimiter': layout.delimiter})}")
    extra_nulls = [m for m, _ in profile.null_markers.most_common() if m not in DEFAULT_NULLS]
    contract_nulls = DEFAULT_NULLS + extra_nulls
    if extra_nulls:
        out.append(f"null_values: {_flow(contract_nulls)}")
    numeric = [c for c in profile.columns if c.type in ("integer", "decimal")]
    number_format: dict = {}
    if any(c.decimal_comma for c in numeric):
        number_format["decimal_separator"] = ","
        if any(c.thousands == "." for c in numeric):
            number_format["thousands_separator"] = "."
    elif any(c.thousands == "," for c in numeric):
        number_format["thousands_separator"] = ","
    if number_format:
        out.append(f"number_format: {_flow(number_format)}")
    symbols = sorted({s for c in numeric for s in c.money_symbols})
    currencies = sorted({CURRENCY_SYMBOLS.get(s, s) for s in symbols})
    mapped_money = [v[0] for v in (match.columns.values() if match else []) if canon.columns[v[0]].money]
    if mapped_money:
        if len(currencies) == 1:
            out.append(f"currency: {currencies[0]}  # from the {symbols} in the amounts: check it")
        else:
            out.append("# currency: USD  # the money columns' currency, an ISO code (default: the reporting currency)")
    # columns
    names: dict[int, str] = {}
    used: set[str] = set()
    assigned = match.columns if match else {}
    for col in profile.columns:
        if col.position in assigned:
            names[col.position] = assigned[col.position][0]
            used.add(assigned[col.position][0])
    seen_headers: dict[str, int] = {}
    skipped: list[str] = []
    for col in profile.columns:
        norm = normalise_header(col.header)
        if not norm:
            if col.n_values:
                what = f"its header {col.header!r} has no letters or digits" if col.header else "it has no header"
                skipped.append(f"column {col.position + 1} holds values but {what}: it cannot be read by name")
            continue
        if norm in seen_headers:
            skipped.append(
                f"column {col.position + 1} repeats the header {col.header!r} of column {seen_headers[norm] + 1}: "
                "columns are read by name, so only the first is read"
            )
            continue
        seen_headers[norm] = col.position
        if col.position in names:
            continue
        name = snake_name(col.header, col.position)
        candidate, suffix = name, 2
        reserved = used | {normalise_header(c.header) for c in profile.columns} - {norm}
        while candidate in reserved:
            candidate, suffix = f"{name}_{suffix}", suffix + 1
        names[col.position] = candidate
        used.add(candidate)
    keys = _primary_key(profile, names, canon, assigned)
    if keys:
        out.append(f"primary_key: {_flow(keys)}")
    elif profile.candidate_keys:
        out.append("# primary_key: []  # see the candidate keys above; a key makes duplicates quarantined")
    out.append("columns:")
    for line in skipped:
        out.append(f"  # {line}")
    for col in profile.columns:
        if col.position not in names:
            continue
        canon_spec = canon.columns[names[col.position]] if canon and col.position in assigned else None
        spec, notes = _column_spec(col, names[col.position], assigned.get(col.position), canon_spec)
        line = f"  {names[col.position]}: {_flow(spec)}"
        if notes:
            line += "  # " + "; ".join(n.replace("\n", " ") for n in notes)
        out.append(line)
    out.append(
        "# row_rules: checks across columns, e.g. - {name: end_after_start, sql: end_date >= start_date, reason: ...}"
    )
    out.append("# load_mode: append (default), replace, snapshot or events; filter: a SQL condition on staged rows")
    return "\n".join(out) + "\n"


def _primary_key(profile: FileProfile, names: dict[int, str], canon, assigned) -> list[str]:
    by_header = {c.header: c for c in profile.columns}
    if canon and canon.primary_key:
        reverse = {v[0]: p for p, v in assigned.items()}
        if all(k in reverse for k in canon.primary_key):
            headers = sorted(profile.layout.header[reverse[k]] for k in canon.primary_key)
            if any(sorted(k) == headers for k in profile.candidate_keys):
                return list(canon.primary_key)
    for key in profile.candidate_keys:
        cols = [by_header[h] for h in key if h in by_header]
        if cols and all(set(_words(c.header)) & ID_TOKENS for c in cols) and all(c.position in names for c in cols):
            return [names[c.position] for c in cols]
    return []
