"""One staging asset per source contract: load new landing files into raw, then rebuild staging and quarantine."""

from functools import lru_cache
from pathlib import Path

import dagster as dg
from dagster_duckdb import DuckDBResource

from assets.catalog import catalogued
from assets.ingest.contracts import Contract, ContractError, contract_conflicts, discover_contracts, load_contract
from assets.ingest.loader import ingest_contract
from assets.ingest.staging import build_staging, flagged_values
from assets.ingest.validate import contract_problems
from assets.metadata import contract_personal, mask_text, table_metadata
from pipelines.resources import isolated_connection
from pipelines.settings import get_settings


def staging_key(contract_path: Path) -> dg.AssetKey:
    """The asset key follows the file name (``<system>__<entity>.yaml``), so a broken contract keeps its asset."""
    return dg.AssetKey(["staging", f"stg_{contract_path.stem}"])


def _files_table(outcomes) -> str:
    lines = ["| file | status | rows read | error or reason |", "|---|---|---|---|"]
    for o in outcomes:
        error = mask_text(o.reason or "").replace("|", "\\|")  # a parse error may quote a line of the file
        lines.append(f"| {o.source_path} | {o.status} | {o.rows_read} | {error} |")
    return "\n".join(lines)


@lru_cache(maxsize=8)
def _folder_conflicts(directory: str, signature: tuple) -> dict[str, str]:
    return {p.name: reason for p, reason in contract_conflicts(discover_contracts(Path(directory))).items()}


def contract_conflict(contract_path: Path) -> str | None:
    """Why the contract would write the tables or keys of an earlier contract of its folder (two contracts with
    the same system and entity), or None; the earlier one (by file name) keeps them."""
    paths = discover_contracts(contract_path.parent)
    signature = tuple((p.name, p.stat().st_mtime_ns, p.stat().st_size) for p in paths)
    return _folder_conflicts(str(contract_path.parent.resolve()), signature).get(contract_path.name)


def usable_contract(contract_path: Path) -> tuple[Contract | None, str | None]:
    """The contract, or None and every reason it cannot run (its YAML, its SQL, its mapping, its currency, a
    system and entity an earlier contract already has)."""
    from assets.canonical.catalog import rates_files

    conflict = contract_conflict(contract_path)
    if conflict is not None:
        return None, conflict
    try:
        contract = load_contract(contract_path)
    except ContractError as exc:
        return None, str(exc)
    problems = contract_problems(contract, get_settings().currency, rates_files())
    return (None, "; ".join(problems)) if problems else (contract, None)


def build_staging_asset(contract_path: Path) -> dg.AssetsDefinition:
    """Asset for one contract; an invalid contract still gets an asset, whose run fails with the reason (and
    nothing downstream waits for it)."""
    contract, problem = usable_contract(contract_path)
    system, _, entity = contract_path.stem.partition("__")
    description = (
        f"{contract.description} Grain: {contract.grain}. Contract: {contract_path.name}."
        if contract
        else f"Staging of {entity} from {system}: the contract {contract_path.name} is invalid ({problem})."
    )

    @dg.asset(
        key=staging_key(contract_path),
        group_name=contract.domain if contract else "ingest",
        kinds={"duckdb", contract.format if contract and contract.format != "detect" else "files"},
        owners=[contract.owner] if contract else [],
        description=description,
        code_version=contract.sha256[:16] if contract else None,
        metadata={"contract": str(contract_path.name)},
    )
    def _staging(context: dg.AssetExecutionContext, duckdb: DuckDBResource) -> dg.MaterializeResult:
        if contract is None:
            raise dg.Failure(description=problem)
        settings = get_settings()
        with duckdb.get_connection() as con:
            outcomes = ingest_contract(con, contract, settings.landing_dir)
        # the contract's SQL runs with DuckDB's file, extension and network access off (pipelines/resources.ISOLATION)
        isolated = getattr(duckdb, "isolated_connection", None)  # the run's WarehouseResource (also on a lake)
        with isolated() if isolated else isolated_connection(duckdb.database, duckdb.connection_config) as con:
            result = build_staging(con, contract)
            flagged = flagged_values(con, contract)
            metadata = table_metadata(con, f"staging.{contract.staging_table}", mask=contract_personal(contract))
        for outcome in outcomes:
            if outcome.status == "failed":
                context.log.warning(mask_text(outcome.error or ""))
            elif outcome.status in ("held", "ignored", "retracted"):
                context.log.warning(mask_text(f"{outcome.source_path} {outcome.status}: {outcome.note}"))
        statuses = ("loaded", "unchanged", "failed", "reactivated", "accepted", "held", "ignored", "retracted")
        counts = {s: sum(o.status == s for o in outcomes) for s in statuses}
        return dg.MaterializeResult(
            metadata={
                **metadata,
                "files_new": counts["loaded"] + counts["reactivated"] + counts["accepted"],
                "files_unchanged": counts["unchanged"],
                "files_failed": counts["failed"],
                "files_held": counts["held"],
                "files_retracted": counts["retracted"],
                "files_ignored": counts["ignored"],
                "rows_quarantined": result.rows_quarantined,
                "values_flagged": flagged,
                "files": dg.MetadataValue.md(_files_table(o for o in outcomes if o.status != "unchanged")),
            }
        )

    return _staging


def contract_paths() -> list[Path]:
    return discover_contracts(get_settings().contracts_dir)


def staging_assets() -> list[dg.AssetsDefinition]:
    return [build_staging_asset(path) for path in contract_paths()]


@dg.definitions
def defs() -> dg.Definitions:
    return dg.Definitions(assets=catalogued(staging_assets()))
