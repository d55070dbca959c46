"""Checks on each source as a whole, from the load manifest (checks/sources.py): nothing lost (blocking), no
unreadable file, freshness against the contract's expected cadence, and schema drift between loads (warnings).
One Dagster step per source; every outcome is also a row of meta.check_results."""

from pathlib import Path

import dagster as dg
from dagster_duckdb import DuckDBResource

from assets.ingest.assets import contract_conflict, contract_paths, staging_key
from assets.ingest.contracts import Contract, ContractError, load_contract
from assets.ingest.validate import swappable_date_columns
from checks import sources
from checks.results import record_outcomes, to_check_result

DESCRIPTIONS = {
    sources.ROW_ACCOUNTING: "Every active file: rows read = rows staged + rows quarantined (nothing lost).",
    sources.NO_FAILED_FILES: "No landed file of this source is unreadable (wrong format, missing required "
    "column, ...).",
    sources.FRESHNESS: "A new file version arrived within the contract's expected_cadence_days plus "
    f"{sources.FRESHNESS_GRACE_DAYS} days' grace.",
    sources.SOURCE_DRIFT: "The files of the newest load have the same columns as the file before them (the "
    "first file: as the contract).",
    sources.STAGING_DRIFT: "The staging table has the same columns and types as at the last run.",
    sources.DATE_ORDER: "No active file has a day-first (or month-first) date column whose every value also reads "
    "in the swapped order (which would load a month-first export with every date wrong).",
    sources.FLAGGED_VALUES: "No value of a staged row was set to null by on_error: null_and_flag "
    "(meta.staging_flags lists each one).",
}
BLOCKING = {sources.ROW_ACCOUNTING}


def _contract(path: Path) -> Contract | None:
    if contract_conflict(path) is not None:
        return None  # the staging asset fails with the reason: a source of the same system and entity exists
    try:
        return load_contract(path)
    except ContractError:
        return None  # the staging asset fails with the reason; only the manifest checks apply


def _flags_values(contract: Contract) -> bool:
    return any(spec.on_error == "null_and_flag" for spec in contract.columns.values())


def build_source_checks(path: Path) -> dg.AssetChecksDefinition:
    contract = _contract(path)
    names = [sources.ROW_ACCOUNTING, sources.NO_FAILED_FILES]
    if contract is not None:
        names += [sources.SOURCE_DRIFT, sources.STAGING_DRIFT]
        names += [sources.FRESHNESS] if contract.expected_cadence_days else []
        names += [sources.DATE_ORDER] if swappable_date_columns(contract) else []
        names += [sources.FLAGGED_VALUES] if _flags_values(contract) else []
    key = staging_key(path)
    specs = [dg.AssetCheckSpec(n, asset=key, description=DESCRIPTIONS[n], blocking=n in BLOCKING) for n in names]

    @dg.multi_asset_check(specs=specs, name=f"ingest_{path.stem}", description=f"Source checks of {path.stem}.")
    def _check(context: dg.AssetCheckExecutionContext, duckdb: DuckDBResource):
        with duckdb.get_connection() as con:
            outcomes = [sources.row_accounting(con, path.stem), sources.failed_files(con, path.stem)]
            if contract is not None:
                outcomes += [sources.source_drift(con, contract), sources.staging_drift(con, contract)]
                outcomes += [sources.freshness(con, contract)] if contract.expected_cadence_days else []
                outcomes += [sources.date_order(con, contract)] if swappable_date_columns(contract) else []
                outcomes += [sources.flagged_values(con, contract)] if _flags_values(contract) else []
            record_outcomes(con, context.run.run_id, outcomes)
        for outcome in outcomes:
            yield to_check_result(outcome, key)

    return _check


@dg.definitions
def defs() -> dg.Definitions:
    return dg.Definitions(asset_checks=[build_source_checks(p) for p in contract_paths()])
