"""The analyst's catalog: what the Dagster UI says about every warehouse table before it is ever built.

Each table asset gets its columns with a description, a type where known and a ``personal`` tag
(``dagster/column_schema``), its column lineage (``dagster/column_lineage``), a ``layer`` tag (the first part of
its key: staging, canonical, core, marts, reference, meta, reports) and, for sources and marts, the freshness
policy of the ``freshness_window_hours`` setting. Where the columns come from:

- ``staging.stg_<contract>``: the contract's columns; a column without a ``description`` takes the canonical
  column's it feeds, else a sentence naming the contract; then the file lineage columns.
- ``canonical.<entity>``: the entity's columns (``assets/canonical/entities``), then the lineage columns.
- a SQL model: the columns of its final select, read from DuckDB's parse tree (pipelines/sqllineage.py). A
  column's description is the model header's ``-- column: name: description`` line, else that of the upstream
  column it passes through unchanged, else the shared meaning of its name (``common`` in
  ``assets/columns.yaml``). ``-- personal: a, b`` marks personal columns the model computes.
- any other table (CSV, YAML and Python-built ones): its columns as ``tables`` in ``assets/columns.yaml``.

Personal data: ``personal=identifier`` is a national id, tax id, bank account or e-mail (masked in previews, never
on a page); ``personal=data`` is a name, birth date or pay of a person (on pages only as aggregates).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import dagster as dg

from assets.sqlmodels import MACROS
from pipelines import yamlfile
from pipelines.settings import get_settings
from pipelines.sqllineage import LineageError, OutputColumn, output_columns

COLUMNS_FILE = Path(__file__).with_name("columns.yaml")
WAREHOUSE_SCHEMAS = ("reference", "staging", "canonical", "core", "marts", "meta")
LAYERS = (*WAREHOUSE_SCHEMAS, "reports")
FRESH_LAYERS = ("staging", "canonical", "marts")  # sources and marts: a night missed shows in the UI
STAGING_LINEAGE = ("_file_sha256", "_source_path", "_line_no")
IDENTIFIER = "identifier"
PERSONAL_DATA = "data"


@dataclass(frozen=True)
class ColumnDoc:
    name: str
    description: str
    type: str = ""
    personal: str | None = None  # IDENTIFIER or PERSONAL_DATA
    deps: frozenset[tuple[str, str]] = frozenset()  # upstream ("schema.table", column) it is computed from


@lru_cache(maxsize=1)
def column_file() -> dict:
    return yamlfile.safe_load(COLUMNS_FILE.read_text(encoding="utf-8")) or {}


def common_description(name: str) -> str:
    """What a column of this name means in every table that has it (``common`` in assets/columns.yaml)."""
    return (column_file().get("common") or {}).get(name, "")


class Catalog:
    """Columns of every warehouse table for one contracts folder, worked out once and kept."""

    def __init__(self, contracts_dir: Path) -> None:
        self.contracts_dir = contracts_dir
        self._columns: dict[str, list[ColumnDoc] | None] = {}
        self._problems: dict[str, str] = {}
        self._resolving: set[str] = set()

    def columns(self, table: str) -> list[ColumnDoc] | None:
        """The table's columns, or None when the catalog does not know the table (or its SQL cannot be traced:
        ``problem(table)`` says why)."""
        if table not in self._columns:
            if table in self._resolving:  # a cycle: the model reads itself
                return None
            self._resolving.add(table)
            try:
                self._columns[table] = self._find(table)
            finally:
                self._resolving.discard(table)
        return self._columns[table]

    def problem(self, table: str) -> str | None:
        return self._problems.get(table)

    def names(self, table: str) -> list[str] | None:
        columns = self.columns(table)
        return None if columns is None else [c.name for c in columns]

    def _find(self, table: str) -> list[ColumnDoc] | None:
        from assets.canonical.catalog import load_catalog
        from assets.canonical.needs import model_index

        schema, _, name = table.partition(".")
        declared = (column_file().get("tables") or {}).get(table)
        if declared is not None:
            return [_declared(column, spec) for column, spec in declared.items()]
        if table == "core.control_parameters":
            return _control_parameters()
        if schema == "staging":
            return self._staging(name)
        if schema == "canonical" and name in load_catalog():
            return _canonical(load_catalog()[name])
        model = model_index().get(table)
        if model is not None:
            return self._model(model)
        return None

    def _staging(self, name: str) -> list[ColumnDoc] | None:
        from assets.canonical.catalog import load_catalog
        from assets.ingest.contracts import ContractError, load_contract

        path = self.contracts_dir / f"{name.removeprefix('stg_')}.yaml"
        if not path.exists():
            return None
        try:
            contract = load_contract(path, require_century=False)
        except ContractError as exc:
            self._problems[f"staging.{name}"] = str(exc)
            return None
        entity = load_catalog().get(contract.maps_to or "")
        columns = []
        for column, spec in contract.columns.items():
            canonical = entity.columns.get(column) if entity else None
            description = (
                spec.description
                or (canonical.description if canonical else "")
                or common_description(column)
                or f"The {column.replace('_', ' ')} column of {contract.name} as the contract reads and types it."
            )
            personal = IDENTIFIER if spec.personal else (_personal(canonical) if canonical else None)
            columns.append(ColumnDoc(column, description, spec.sql_type, personal))
        return columns + [ColumnDoc(c, common_description(c), _lineage_type(c)) for c in STAGING_LINEAGE]

    def _model(self, model) -> list[ColumnDoc] | None:
        try:
            traced = output_columns(model.sql, self.names, MACROS)
        except LineageError as exc:
            self._problems[model.table] = str(exc)
            return None
        return [self._model_column(model, column) for column in traced]

    def _model_column(self, model, column: OutputColumn) -> ColumnDoc:
        source = self._source_doc(column.source) if column.source else None
        inherited = source if source is not None and source.name == column.name else None
        description = (
            model.columns.get(column.name)
            or (inherited.description if inherited else "")
            or common_description(column.name)
        )
        personal = inherited.personal if inherited else None
        if column.name in model.personal:
            personal = personal or PERSONAL_DATA
        return ColumnDoc(column.name, description, source.type if source else "", personal, column.deps)

    def _source_doc(self, ref: tuple[str, str]) -> ColumnDoc | None:
        table, name = ref
        return next((c for c in self.columns(table) or [] if c.name == name), None)

    def column_schema(self, table: str) -> dg.TableSchema | None:
        columns = self.columns(table)
        if not columns:
            return None
        return dg.TableSchema(
            columns=[
                dg.TableColumn(
                    c.name, c.type, c.description or None, tags={"personal": c.personal} if c.personal else None
                )
                for c in columns
            ]
        )

    def column_lineage(self, table: str, upstream: set[dg.AssetKey]) -> dg.TableColumnLineage | None:
        """Each column's upstream columns, among the asset's declared upstream assets."""
        deps_by_column = {}
        for column in self.columns(table) or []:
            deps = sorted(
                (dep for dep in column.deps if dg.AssetKey(dep[0].split(".")) in upstream), key=lambda d: (d[0], d[1])
            )
            if deps:
                deps_by_column[column.name] = [dg.TableColumnDep(dg.AssetKey(t.split(".")), c) for t, c in deps]
        return dg.TableColumnLineage(deps_by_column) if deps_by_column else None


def _personal(column) -> str | None:
    if column.personal:
        return IDENTIFIER
    return PERSONAL_DATA if getattr(column, "personal_data", False) else None


def _canonical(entity) -> list[ColumnDoc]:
    from assets.canonical.catalog import LINEAGE_COLUMNS

    columns = [
        ColumnDoc(name, spec.description or common_description(name), spec.sql_type, _personal(spec))
        for name, spec in entity.columns.items()
    ]
    return columns + [ColumnDoc(c, common_description(c), _lineage_type(c)) for c in LINEAGE_COLUMNS]


def _control_parameters() -> list[ColumnDoc]:
    """One column per threshold of the control registry, described by the rules that use it."""
    from assets.controls.registry import load_registry

    used_by: dict[str, list[str]] = {}
    for rule in load_registry():
        for parameter in rule.parameters:
            used_by.setdefault(parameter, []).append(f"{rule.code} ({rule.name})")
    return [
        ColumnDoc(p, f"Threshold of the rule {', '.join(rules)}, from assets/controls/registry.yaml.")
        for p, rules in used_by.items()
    ]


def _lineage_type(name: str) -> str:
    return "BIGINT" if name == "_line_no" else "VARCHAR"


def _declared(name: str, spec: str | dict) -> ColumnDoc:
    if isinstance(spec, str):
        return ColumnDoc(name, spec or common_description(name))
    return ColumnDoc(
        name, spec.get("description") or common_description(name), spec.get("type", ""), spec.get("personal")
    )


@lru_cache(maxsize=4)
def _catalog_for(contracts_dir: Path) -> Catalog:
    return Catalog(contracts_dir)


def catalog() -> Catalog:
    """The catalog of this process's settings (its contracts folder)."""
    return _catalog_for(get_settings().contracts_dir)


def table_of(key: dg.AssetKey) -> str | None:
    """The warehouse table an asset key names (``schema.table``), or None for a page or a file."""
    path = key.path
    return ".".join(path) if len(path) == 2 and path[0] in WAREHOUSE_SCHEMAS else None


def report_url(page: str) -> str:
    """Where ``make serve`` serves a published page (setting ``reports_base_url``)."""
    return f"{get_settings().reports_base_url.rstrip('/')}/{page}"


def freshness_policy() -> dg.FreshnessPolicy:
    """A night and a bit: the nightly run must have refreshed the asset within the window of the settings."""
    return dg.FreshnessPolicy.time_window(fail_window=dt.timedelta(hours=get_settings().freshness_window_hours))


def catalogued_spec(spec: dg.AssetSpec) -> dg.AssetSpec:
    """The spec with its layer tag, its freshness policy (sources and marts), and for a table its columns,
    column lineage and a ``personal_data`` tag when a column holds personal data."""
    layer = spec.key.path[0] if spec.key.path[0] in LAYERS else "meta"
    tags = {"layer": layer}
    metadata: dict = {}
    table = table_of(spec.key)
    if table is not None:
        known = catalog()
        schema = known.column_schema(table)
        if schema is not None:
            metadata["dagster/column_schema"] = schema
            if any(c.tags.get("personal") for c in schema.columns):
                tags["personal_data"] = "true"
        lineage = known.column_lineage(table, {dep.asset_key for dep in spec.deps})
        if lineage is not None:
            metadata["dagster/column_lineage"] = lineage
        metadata["dagster/table_name"] = table
    fresh = freshness_policy() if layer in FRESH_LAYERS else spec.freshness_policy
    return spec.replace_attributes(freshness_policy=fresh).merge_attributes(tags=tags, metadata=metadata)


def catalogued(assets: list) -> list:
    """Every asset definition of a module with its catalog entries (``catalogued_spec``)."""
    return [a.map_asset_specs(catalogued_spec) if isinstance(a, dg.AssetsDefinition) else a for a in assets]
