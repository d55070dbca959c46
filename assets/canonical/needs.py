"""What a KPI or a control rule needs from the canonical model, and whether the loaded data has it.

A need is ``entity.column``, or alternatives ``a.x|b.y`` (either will do). SQL models state their needs in a
``-- needs:`` header line. A model that states needs states all of them; a model that does not inherits the
needs of the models it reads, so declaring them once where a canonical table is read covers everything built on
it. A KPI adds the ``needs`` of its registry entry to its model's; a control rule adds its own to its inputs'.

A column is there when at least one row of its canonical table fills it (``marts.canonical_coverage``). What is
not computable is listed with the columns it is missing, and its values are left out rather than shown as zero.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import lru_cache
from pathlib import Path

import duckdb

from assets.sqlmodels import SqlModel, load_models
from pipelines.db import insert_rows, keyed, table_exists

ASSETS_DIR = Path(__file__).resolve().parents[1]
# the schema of a model without a ``-- schema:`` header, by the folder its SQL lives in
MARTS_FOLDERS = {"kpi", "performance", "onboarding"}


@lru_cache(maxsize=1)
def model_index() -> dict[str, SqlModel]:
    """Every SQL model of every domain, by the table it builds (``schema.name``)."""
    index: dict[str, SqlModel] = {}
    for folder in sorted({p.parent for p in ASSETS_DIR.glob("*/**/*.sql")}):
        domain = folder.parent.name if folder.name == "sql" else folder.name
        default = "marts" if domain in MARTS_FOLDERS else "core"
        for model in load_models(folder, default):
            index[model.table] = model
    return index


def needs_of(table: str, index: dict[str, SqlModel] | None = None) -> frozenset[str]:
    """The needs of a warehouse table: its model's own, or (when it states none) those of what it reads."""
    index = model_index() if index is None else index
    return _needs(table, index, frozenset())


def _needs(table: str, index: dict[str, SqlModel], seen: frozenset[str]) -> frozenset[str]:
    model = index.get(table)
    if model is None or table in seen:
        return frozenset()
    if model.needs:
        return frozenset(model.needs)
    upstream = (f"{schema}.{name}" for schema, name in model.upstream)
    return frozenset().union(*(_needs(t, index, seen | {table}) for t in upstream))


def available_columns(con: duckdb.DuckDBPyConnection) -> set[str] | None:
    """``entity.column`` of every canonical column some row fills; None when coverage was never built."""
    if not table_exists(con, "marts.canonical_coverage"):
        return None
    rows = con.execute("select entity || '.' || column_name from marts.canonical_coverage where n_filled > 0")
    return {r[0] for r in rows.fetchall()}


def missing(needs: Iterable[str], available: set[str] | None) -> list[str]:
    """The needs none of whose alternatives is available (none when coverage is unknown)."""
    if available is None:
        return []
    return sorted(n for n in set(needs) if not any(alt.strip() in available for alt in n.split("|")))


def sentence(missing_columns: list[str]) -> str:
    """``needs employees.hire_date, payslip_lines.amount_idr (or ...)`` for a page, a log or ``kinerja status``."""
    shown = [m.replace("|", " or ") for m in missing_columns]
    return "not computable: needs " + ", ".join(shown) if shown else "computable"


COMPUTABILITY_DDL = """
create or replace table marts.{name} (
    {key} varchar primary key,
    is_computable boolean not null,
    missing_columns varchar[] not null,
    reason varchar not null
)
"""


def write_computability(
    con: duckdb.DuckDBPyConnection, name: str, key: str, needs: dict[str, Iterable[str]]
) -> list[str]:
    """``marts.<name>``: one row per code with what it misses; returns the codes that are computable."""
    available = available_columns(con)
    con.execute("create schema if not exists marts")
    con.execute(keyed(con, COMPUTABILITY_DDL.format(name=name, key=key)))
    rows = []
    for code, code_needs in sorted(needs.items()):
        gaps = missing(code_needs, available)
        rows.append([code, not gaps, gaps, sentence(gaps)])
    if rows:
        insert_rows(con, f"insert into marts.{name} values (?, ?, ?, ?)", rows)
    return [r[0] for r in rows if r[1]]
