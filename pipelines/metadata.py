"""Materialization metadata for a warehouse table: row count, column schema and a short, masked preview."""

from __future__ import annotations

import dagster as dg
import duckdb

from assets.ingest.manifest import scalar

PREVIEW_ROWS = 5
MASK = "•••"


def _cell(value: object) -> str:
    text = "" if value is None else str(value)
    text = text.replace("|", "\\|").replace("\n", " ")
    return text[:40] + "…" if len(text) > 40 else text


def preview_markdown(con: duckdb.DuckDBPyConnection, table: str, mask: set[str] = frozenset()) -> str:
    cursor = con.execute(f"select * from {table} limit {PREVIEW_ROWS}")
    names = [d[0] for d in cursor.description]
    rows = cursor.fetchall()
    lines = ["| " + " | ".join(names) + " |", "|" + "---|" * len(names)]
    for row in rows:
        cells = [
            MASK if name in mask and value is not None else _cell(value) for name, value in zip(names, row, strict=True)
        ]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def table_metadata(con: duckdb.DuckDBPyConnection, table: str, mask: set[str] = frozenset()) -> dict:
    """Row count, column schema and preview of ``schema.table``; columns in ``mask`` are not shown."""
    columns = con.execute(f"describe {table}").fetchall()
    return {
        "dagster/row_count": int(scalar(con, f"select count(*) from {table}")),
        "dagster/column_schema": dg.TableSchema(
            columns=[dg.TableColumn(name, str(kind)) for name, kind, *_ in columns]
        ),
        "dagster/table_name": table,
        "preview": dg.MetadataValue.md(preview_markdown(con, table, mask)),
    }
