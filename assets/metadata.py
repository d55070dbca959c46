"""Materialization metadata for a warehouse table: row count, column schema and a short, masked preview."""

from __future__ import annotations

import json
import re
from functools import lru_cache
from pathlib import Path

import dagster as dg
import duckdb
import yaml

from pipelines.db import scalar

PREVIEW_ROWS = 5
MASK = "•••"


def _cell(value: object) -> str:
    text = "" if value is None else str(value)
    text = text.replace("|", "\\|").replace("\n", " ")
    return text[:40] + "…" if len(text) > 40 else text


# -- personal values -------------------------------------------------------------------------------------------
# Nothing personal leaves the warehouse through Dagster (previews, metadata, check results, logs). Which columns
# are personal is data: a contract column marked ``personal: true``, a canonical entity column marked ``personal``
# (national id, tax id, bank account, e-mail) or ``personal_data`` (name, birth date, pay per person), and the
# evidence keys that name a person (assets/controls/privacy.yaml). Their values are shown as MASK wherever the
# column or key appears, in any table; free text has its long digit runs (ids, tax ids, bank accounts) and e-mail
# addresses masked.
PRIVACY_FILE = Path(__file__).with_name("controls") / "privacy.yaml"
_LONG_NUMBER = re.compile(r"(?<![\d])(?!\d{4}-\d{2}-\d{2}(?!\d))\d(?:[.\- ]?\d){7,}(?![\d])")
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")


def _entity_personal() -> dict[str, set[str]]:
    """Canonical entity -> its personal columns (``personal`` or ``personal_data``)."""
    from assets.canonical.catalog import load_catalog

    return {
        name: {c for c, spec in entity.columns.items() if spec.personal or getattr(spec, "personal_data", False)}
        for name, entity in load_catalog().items()
    }


def contract_personal(contract) -> set[str]:
    """A contract's personal columns: those it marks ``personal``, and those its canonical entity marks."""
    marked = {name for name, spec in contract.columns.items() if spec.personal}
    mapped = _entity_personal().get(contract.maps_to or "", set())
    return marked | {name for name in contract.columns if name in mapped}


@lru_cache(maxsize=4)
def _personal_columns(contracts_dir: str) -> frozenset[str]:
    from assets.ingest.contracts import ContractError, discover_contracts, load_contract

    names: set[str] = set().union(*_entity_personal().values())
    for path in discover_contracts(Path(contracts_dir)):
        try:
            names |= contract_personal(load_contract(path, require_century=False))
        except (ContractError, OSError):
            continue
    try:
        keys = yaml.safe_load(PRIVACY_FILE.read_text(encoding="utf-8")).get("personal_keys") or []
    except (OSError, AttributeError, yaml.YAMLError):
        keys = []
    # identifiers of employees stay readable (a reviewer looks a row up by them); names and the rest do not
    names |= {k for k in keys if not re.search(r"_ids?$", k)}
    return frozenset(names)


def personal_columns() -> frozenset[str]:
    """Every column or evidence key name whose values are personal (see above), for this process's contracts."""
    from pipelines.settings import get_settings

    return _personal_columns(str(get_settings().contracts_dir))


def mask_text(text: str) -> str:
    """Free text with long digit runs (national ids, tax ids, bank accounts) and e-mail addresses masked."""
    return _EMAIL.sub(MASK, _LONG_NUMBER.sub(MASK, text))


def redact(text: str | None) -> str:
    """Free text taken from the warehouse (load errors, check messages, reasons) as a page or Data Docs show it:
    its long digit runs (national id 16 digits, tax id 15-16, bank accounts) masked, ISO dates kept."""
    return "" if text is None else _LONG_NUMBER.sub(MASK, str(text))


def _mask_json(value: object, personal: frozenset[str]) -> object:
    if isinstance(value, dict):
        return {k: (MASK if k in personal and v is not None else _mask_json(v, personal)) for k, v in value.items()}
    if isinstance(value, list):
        return [_mask_json(v, personal) for v in value]
    return mask_text(value) if isinstance(value, str) else value


def mask_value(value: object, column: str | None = None, personal: frozenset[str] | None = None) -> object:
    """``value`` as it may be shown outside the warehouse: MASK for a personal column; JSON text (findings
    evidence) with its personal keys masked; other text with ``mask_text``."""
    personal = personal_columns() if personal is None else personal
    if value is None:
        return None
    if column is not None and column in personal:
        return MASK
    if isinstance(value, dict | list):
        return _mask_json(value, personal)
    if isinstance(value, str):
        stripped = value.strip()
        if stripped[:1] in ("{", "[") and stripped[-1:] in ("}", "]"):
            try:
                return json.dumps(_mask_json(json.loads(stripped), personal), ensure_ascii=False)
            except ValueError:
                pass
        return mask_text(value)
    return value


def preview_markdown(con: duckdb.DuckDBPyConnection, table: str, mask: set[str] = frozenset()) -> str:
    cursor = con.execute(f"select * from {table} limit {PREVIEW_ROWS}")
    names = [d[0] for d in cursor.description]
    rows = cursor.fetchall()
    personal = personal_columns() | frozenset(mask)
    lines = ["| " + " | ".join(names) + " |", "|" + "---|" * len(names)]
    for row in rows:
        cells = [_cell(mask_value(value, name, personal)) for name, value in zip(names, row, strict=True)]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def described_columns(table: str, columns: list[tuple]) -> list[dg.TableColumn]:
    """The table's columns as built (``describe`` rows), with the catalog's description and personal tag of each
    (assets/catalog.py), so a materialization's column schema says as much as the definition's."""
    from assets.catalog import catalog

    try:
        docs = {c.name: c for c in catalog().columns(table) or []}
    except Exception:  # noqa: BLE001 - the catalog is documentation: it never fails a materialization
        docs = {}
    described = []
    for name, kind, *_ in columns:
        doc = docs.get(name)
        tags = {"personal": doc.personal} if doc is not None and doc.personal else None
        described.append(dg.TableColumn(name, str(kind), doc.description or None if doc else None, tags=tags))
    return described


def table_metadata(con: duckdb.DuckDBPyConnection, table: str, mask: set[str] = frozenset()) -> dict:
    """Row count, column schema and preview of ``schema.table``; columns in ``mask`` are not shown."""
    columns = con.execute(f"describe {table}").fetchall()
    return {
        "dagster/row_count": int(scalar(con, f"select count(*) from {table}")),
        "dagster/column_schema": dg.TableSchema(columns=described_columns(table, columns)),
        "dagster/table_name": table,
        "preview": dg.MetadataValue.md(preview_markdown(con, table, mask)),
    }
