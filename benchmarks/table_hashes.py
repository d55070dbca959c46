"""Every table of a warehouse as one hash, to show that a night which rebuilt only a new month left the warehouse
exactly as a full rebuild would have.

A table's hash is its row count and the XOR of its rows' hashes: independent of row order (a partitioned table
inserts a rebuilt month after the others), sensitive to every value, column name and type. Every table is hashed
but those of ``raw`` and ``meta``: the history of the loads (every version of a file ever landed, when it was
loaded, when a month was built), which a warehouse that saw last month's export first rightly keeps.
"""

from __future__ import annotations

from pathlib import Path

import duckdb

HISTORY_SCHEMAS = ("raw", "meta")


def table_hashes(warehouse: Path | str) -> dict[str, str]:
    """``schema.table`` -> ``rows:hash:columns`` for every base table of the warehouse file."""
    with duckdb.connect(str(warehouse), read_only=True) as con:
        rows = con.execute(
            "select c.table_schema, c.table_name, c.column_name, c.data_type"
            " from information_schema.columns c"
            " join information_schema.tables t using (table_catalog, table_schema, table_name)"
            " where t.table_type = 'BASE TABLE' and c.table_schema not in ? order by 1, 2, c.ordinal_position",
            [list(HISTORY_SCHEMAS)],
        ).fetchall()
        tables: dict[tuple[str, str], list[tuple[str, str]]] = {}
        for schema, table, column, data_type in rows:
            tables.setdefault((schema, table), []).append((column, data_type))
        out = {}
        for (schema, table), kept in tables.items():
            values = ", ".join('"' + column.replace('"', '""') + '"' for column, _ in kept)
            count, digest = con.execute(
                f'select count(*), coalesce(bit_xor(hash(row({values}))), 0) from "{schema}"."{table}"'
            ).fetchone()
            out[f"{schema}.{table}"] = f"{count}:{digest}:" + ",".join(f"{c} {t}" for c, t in kept)
    return out


def differences(left: dict[str, str], right: dict[str, str]) -> list[str]:
    """The tables of both whose hashes differ, then the tables of only one side."""
    both = sorted(set(left) & set(right))
    return [t for t in both if left[t] != right[t]] + [f"{t} (only one side)" for t in sorted(set(left) ^ set(right))]
