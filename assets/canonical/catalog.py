"""The canonical model: the entities every source maps into (``entities/<domain>.yaml``).

Core models, KPIs, control rules and pages read only ``canonical.<entity>`` tables, never a source's staging
table, so a company's own exports reach them through a contract's ``maps_to`` alone. Each entity lists its
columns with a type; money columns are in the company's reporting currency.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter

from assets.ingest.contracts import DUCKDB_TYPES, ColumnType
from pipelines import yamlfile

ENTITIES_DIR = Path(__file__).parent / "entities"
RATES_FILE = Path(__file__).parent / "exchange_rates.csv"

# the same types as a contract's columns, so a source's column maps without a lossy cast
CanonicalType = ColumnType
MONEY_TYPE = "DECIMAL(18,2)"
# Columns every canonical table carries after its own: where each row came from.
LINEAGE_COLUMNS = ("source_system", "_source_contract", "_file_sha256", "_source_path", "_line_no")


class CanonicalColumn(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    type: CanonicalType = "string"
    money: bool = False  # an amount in the reporting currency (converted from the source's currency)
    key: bool = False  # an identifier that a contract's key_prefix namespaces
    personal: bool = False  # national id, tax id, bank account, e-mail: never on a page
    personal_data: bool = False  # a person's name, birth date or pay: on pages only as aggregates
    description: str = ""

    @property
    def sql_type(self) -> str:
        return MONEY_TYPE if self.money else DUCKDB_TYPES[self.type]


class CanonicalEntity(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = ""
    domain: str = ""
    description: str
    grain: str
    primary_key: list[str] = Field(default_factory=list)
    date_column: str | None = None  # the date an exchange rate is taken on
    columns: dict[str, CanonicalColumn]

    @property
    def table(self) -> str:
        return f"canonical.{self.name}"

    def key_columns(self) -> list[str]:
        """Identifiers of people and documents, which a source's ``key_prefix`` namespaces."""
        return [name for name, column in self.columns.items() if column.key]

    def money_columns(self) -> list[str]:
        return [name for name, column in self.columns.items() if column.money]


@lru_cache(maxsize=1)
def load_catalog(directory: Path = ENTITIES_DIR) -> dict[str, CanonicalEntity]:
    """Every entity of every domain file, validated; names are unique across domains."""
    adapter = TypeAdapter(dict[str, CanonicalEntity])
    catalog: dict[str, CanonicalEntity] = {}
    for path in sorted(directory.glob("*.yaml")):
        for name, entity in adapter.validate_python(yamlfile.safe_load(path.read_text(encoding="utf-8")) or {}).items():
            if name in catalog:
                raise ValueError(f"{path}: canonical entity {name!r} is also defined in {catalog[name].domain}.yaml")
            for column in [*entity.primary_key, *([entity.date_column] if entity.date_column else [])]:
                if column not in entity.columns:
                    raise ValueError(f"{path}: entity {name!r} names column {column!r}, which it does not list")
            catalog[name] = entity.model_copy(update={"name": name, "domain": path.stem})
    return catalog


def entity(name: str) -> CanonicalEntity:
    catalog = load_catalog()
    if name not in catalog:
        raise KeyError(f"{name!r} is not a canonical entity; known: {', '.join(sorted(catalog))}")
    return catalog[name]


def rates_files() -> list[Path]:
    """The shipped exchange rates, then the company's own ``exchange_rates.csv`` beside its contracts (if any)."""
    from pipelines.settings import get_settings

    own = get_settings().contracts_dir / "exchange_rates.csv"
    return [RATES_FILE, *([own] if own.exists() else [])]
