"""Deterministic file writers: CSV (minimal quoting), XLSX (xlsxwriter), Parquet (pyarrow).

Same input → byte-identical CSV and Parquet; the XLSX carries a fixed creation date.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq


def to_arrow(df: pd.DataFrame) -> pa.Table:
    """DataFrame → Arrow with dates as date32 and no index."""
    return pa.Table.from_pandas(df, preserve_index=False)


def write_csv(table: pa.Table | pd.DataFrame, path: Path) -> int:
    """Write CSV: header, LF line ends, quotes only where a value needs them, blanks for nulls."""
    df = table.to_pandas(date_as_object=True) if isinstance(table, pa.Table) else table
    path.parent.mkdir(parents=True, exist_ok=True)
    df.to_csv(path, index=False, lineterminator="\n", date_format="%Y-%m-%d")
    return len(df)


def write_parquet(table: pa.Table, path: Path) -> int:
    path.parent.mkdir(parents=True, exist_ok=True)
    pq.write_table(table, path, compression="zstd", write_statistics=True)
    return table.num_rows


def write_xlsx(df: pd.DataFrame, path: Path, sheet: str, created: dt.date) -> int:
    """One sheet, header in row 1. Dates become Excel dates shown as yyyy-mm-dd; ids stay text."""
    import xlsxwriter

    path.parent.mkdir(parents=True, exist_ok=True)
    wb = xlsxwriter.Workbook(str(path), {"constant_memory": True, "strings_to_numbers": False})
    wb.set_properties({"created": dt.datetime.combine(created, dt.time(0)), "author": "kinerja generator"})
    ws = wb.add_worksheet(sheet)
    bold = wb.add_format({"bold": True})
    date_fmt = wb.add_format({"num_format": "yyyy-mm-dd"})
    columns = list(df.columns)
    for c, name in enumerate(columns):
        ws.write_string(0, c, name, bold)
    data = [df[c].tolist() for c in columns]
    for r in range(len(df)):
        for c in range(len(columns)):
            value = data[c][r]
            if value is None or (isinstance(value, float) and np.isnan(value)) or value is pd.NaT:
                continue
            if isinstance(value, bool | np.bool_):
                ws.write_boolean(r + 1, c, bool(value))
            elif isinstance(value, dt.date):
                ws.write_datetime(r + 1, c, dt.datetime.combine(value, dt.time(0)), date_fmt)
            elif isinstance(value, int | np.integer | float | np.floating):
                ws.write_number(r + 1, c, value)
            else:
                ws.write_string(r + 1, c, str(value))
    wb.close()
    return len(df)
