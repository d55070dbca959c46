"""SQL models: one ``.sql`` file per warehouse table, turned into a Dagster asset with no Python of its own.

A model file starts with comment lines that describe it:

    -- dim_employee: employee history, one version per change.
    -- grain: one row per employee per validity range
    -- schema: core
    -- needs: employees.employee_id|job_history.employee_id, employees.hire_date|job_history.event_date
    -- column: is_employed: whether the employee is employed in this version (false for a leaver's last one)
    -- personal: base_salary_idr

``column`` lines describe output columns (one line each); a column without one takes the description of the
upstream column it passes through unchanged, or the shared meaning of its name (assets/catalog.py).
``personal`` lists output columns that hold a person's pay, name or birth date computed in the model.
``needs`` names the canonical columns (``entity.column``; ``|`` between alternatives) without which the model's
result means nothing; what reads the model inherits them (assets/canonical/needs.py).

The table it builds is ``<schema>.<file stem>``; its upstream assets are the ``schema.table`` names the SQL
reads, from DuckDB's parse tree (a table named in a comment is not read). Settings reach SQL as DuckDB variables
(``getvariable('work_week_days')``), never as literals.
"""

import hashlib
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import dagster as dg
import duckdb
from dagster_duckdb import DuckDBResource

from assets.metadata import table_metadata
from pipelines.db import SCHEMAS, table_exists
from pipelines.partitions import (
    STATE_TABLE,
    PartitionBuild,
    fingerprint_path,
    is_fingerprint_file,
    run_partitioned,
    tables_built_on,
)
from pipelines.resources import step_connection
from pipelines.settings import Settings, get_settings
from pipelines.sqllineage import LineageError, tables_read

# a ``schema.table`` name of the warehouse (registries name tables so)
TABLE_REF = re.compile(r"\b(" + "|".join(SCHEMAS) + r")\.([a-z_][a-z0-9_]*)\b")


# The scalar macros every model may call (set_variables creates them on the connection)
MACROS = (Path(__file__).parent / "macros.sql").read_text(encoding="utf-8")


@dataclass(frozen=True)
class SqlModel:
    path: Path
    schema: str
    name: str
    summary: str
    grain: str
    upstream: tuple[tuple[str, str], ...]
    needs: tuple[str, ...] = ()  # canonical columns the model cannot do without ("entity.column", "a.x|b.y")
    column_docs: tuple[tuple[str, str], ...] = ()  # (column, description) of the header's ``column`` lines
    personal: tuple[str, ...] = ()  # output columns of personal data the model computes

    @property
    def columns(self) -> dict[str, str]:
        """Descriptions of output columns given in the header."""
        return dict(self.column_docs)

    @property
    def table(self) -> str:
        return f"{self.schema}.{self.name}"

    @property
    def sql(self) -> str:
        return self.path.read_text(encoding="utf-8")

    @property
    def fingerprint_sql(self) -> str | None:
        """The companion ``<name>.partitions.sql`` of a monthly-partitioned model (pipelines/partitions.py)."""
        path = fingerprint_path(self.path)
        return path.read_text(encoding="utf-8") if path.exists() else None

    @property
    def code_sha256(self) -> str:
        """Its SQL, its fingerprint's and the shared macros they may call: a change to a macro changes the
        code version of every model."""
        return hashlib.sha256((self.sql + (self.fingerprint_sql or "") + MACROS).encode()).hexdigest()


def parse_model(path: Path, default_schema: str) -> SqlModel:
    text = path.read_text(encoding="utf-8")
    header = {}
    summary = ""
    column_docs = []
    for line in text.splitlines():
        if not line.startswith("--"):
            break
        body = line[2:].strip()
        key, _, value = body.partition(":")
        if key.strip() == "column":
            column, _, description = value.partition(":")
            column_docs.append((column.strip(), description.strip()))
        elif key.strip() in ("grain", "schema", "needs", "personal"):
            header[key.strip()] = value.strip()
        elif not summary:
            summary = value.strip() if key.strip() == path.stem else body
    schema = header.get("schema", default_schema)
    companion = fingerprint_path(path)
    try:
        refs = tables_read(text, SCHEMAS)
        if companion.exists():
            companion_sql = companion.read_text(encoding="utf-8")
            refs |= (tables_read(companion_sql, SCHEMAS) - {STATE_TABLE}) | tables_built_on(companion_sql)
    except LineageError as exc:
        raise LineageError(f"{path}: {exc}") from None
    refs = sorted(refs - {(schema, path.stem)})
    needs = tuple(n.strip() for n in header.get("needs", "").split(",") if n.strip())
    personal = tuple(n.strip() for n in header.get("personal", "").split(",") if n.strip())
    return SqlModel(
        path, schema, path.stem, summary, header.get("grain", ""), tuple(refs), needs, tuple(column_docs), personal
    )


def sql_variables(settings: Settings) -> dict[str, object]:
    return {
        "country": settings.country,
        "currency": settings.currency,
        "work_week_days": settings.work_week_days,
        "reporting_months": settings.reporting_months,
        "min_group_size": settings.privacy_min_group_size,
        "default_region": settings.default_region,
    }


CURRENCY_SYMBOLS = {"IDR": "Rp", "USD": "$", "GBP": "£", "EUR": "€", "JPY": "¥", "SGD": "S$", "AUD": "A$"}


def currency_symbol(currency: str) -> str:
    """How amounts in ``currency`` are written: ``Rp5,000``, ``$12.50``; other codes as ``CHF 5,000``."""
    return CURRENCY_SYMBOLS.get(currency, f"{currency} ")


def set_variables(con: duckdb.DuckDBPyConnection, settings: Settings) -> None:
    """Settings as DuckDB variables, and the scalar macros models share (``macros.sql``: ``money_text``, the
    KPI rows, ``is_in_force``, ...)."""
    for name, value in sql_variables(settings).items():
        con.execute(f"set variable {name} = ?", [value])
    con.execute("set variable currency_symbol = ?", [currency_symbol(settings.currency)])
    con.execute(MACROS)


def run_model(con: duckdb.DuckDBPyConnection, model: SqlModel, settings: Settings) -> PartitionBuild | None:
    """(Re)build the model's table in one statement, so a rerun replaces it whole; a partitioned model replaces
    only the months whose inputs changed."""
    set_variables(con, settings)
    con.execute(f"create schema if not exists {model.schema}")
    if model.fingerprint_sql is not None:
        return run_partitioned(con, model.table, model.sql, model.fingerprint_sql, MACROS)
    con.execute(f"create or replace table {model.table} as\n{model.sql}")
    return None


def table_asset(
    table: str,
    *,
    deps: list[dg.AssetKey],
    group_name: str,
    owners: list[str],
    description: str,
    kinds: tuple[str, ...] = ("duckdb", "sql"),
    mask: frozenset[str] = frozenset(),
    **asset_args,
):
    """The one way a table of the warehouse is declared as an asset, for a SQL model as for a table built in
    Python: the key is the table's name; the decorated ``build(con)`` makes the table on the step's connection
    (``step_connection``) and may return more metadata, after the table's own (rows, schema, preview without the
    ``mask`` columns, where the table exists)."""

    def declare(build: Callable[[duckdb.DuckDBPyConnection], dict | None]) -> dg.AssetsDefinition:
        @dg.asset(
            key=dg.AssetKey(table.split(".")),
            deps=deps,
            group_name=group_name,
            kinds=set(kinds),
            owners=owners,
            description=description,
            **asset_args,
        )
        def _table(duckdb: DuckDBResource) -> dg.MaterializeResult:
            with step_connection(duckdb) as con:
                extra = build(con) or {}
                # a model that stood in for a missing input may have left no table
                metadata = table_metadata(con, table, mask=mask) if table_exists(con, table) else {}
            return dg.MaterializeResult(metadata={**metadata, **extra})

        return _table

    return declare


def table_spec(
    table: str,
    *,
    group_name: str,
    owners: list[str],
    description: str,
    kinds: tuple[str, ...] = ("duckdb", "sql"),
    **more,
) -> dg.AssetSpec:
    """One table of a step that writes several (``tables_asset``): the key is the table's name."""
    return dg.AssetSpec(
        dg.AssetKey(table.split(".")),
        group_name=group_name,
        owners=owners,
        description=description,
        kinds=set(kinds),
        **more,
    )


def tables_asset(specs: list[dg.AssetSpec]):
    """Several warehouse tables written by one step (a loader of CSV and YAML files, the quality views), declared
    like ``table_asset``: the decorated ``build(con)`` writes them on the step's connection and returns their
    names; each is materialized with its metadata. The step is named after the build."""

    def declare(build: Callable[[duckdb.DuckDBPyConnection], list[str]]) -> dg.AssetsDefinition:
        @dg.multi_asset(specs=specs, can_subset=False, name=build.__name__, description=build.__doc__)
        def _tables(duckdb: DuckDBResource):
            with step_connection(duckdb) as con:
                tables = build(con)
                results = [
                    dg.MaterializeResult(asset_key=dg.AssetKey(t.split(".")), metadata=table_metadata(con, t))
                    for t in tables
                ]
            yield from results

        return _tables

    return declare


def built_model_metadata(con: duckdb.DuckDBPyConnection, model: SqlModel, settings: Settings) -> dict:
    """Build ``model`` (``run_model``); what a partitioned build rebuilt, as metadata."""
    build = run_model(con, model, settings)
    return build.metadata() if build else {}


def model_asset(
    model: SqlModel,
    group_name: str,
    owners: list[str],
    build: Callable[[duckdb.DuckDBPyConnection, SqlModel, Settings], dict] = built_model_metadata,
    code_version: str | None = None,
) -> dg.AssetsDefinition:
    """A SQL model as an asset: its upstream tables from its SQL, its description and grain from its header;
    ``build`` runs it (a findings family's stands in for a missing input), ``code_version`` defaults to the
    SQL's own."""
    description = f"{model.summary} Grain: {model.grain}." if model.grain else model.summary

    @table_asset(
        model.table,
        deps=[dg.AssetKey(list(ref)) for ref in model.upstream],
        group_name=group_name,
        owners=owners,
        description=description,
        code_version=code_version or model.code_sha256[:16],
        metadata={"sql_file": str(model.path.name), "grain": model.grain},
    )
    def _model(con: duckdb.DuckDBPyConnection) -> dict:
        return build(con, model, get_settings())

    return _model


def load_models(folder: Path, default_schema: str) -> list[SqlModel]:
    return [parse_model(p, default_schema) for p in sorted(folder.glob("*.sql")) if not is_fingerprint_file(p)]


def model_assets(folder: Path, default_schema: str, group_name: str, owners: list[str]) -> list:
    return [model_asset(m, group_name, owners) for m in load_models(folder, default_schema)]
