"""Quality suites of the staging tables, derived from their source contracts (plus ``suites/staging/*.yaml``):
a contract edit changes its suite with no code. A contract that does not load has no suite; its staging asset
fails with the reason instead."""

import dagster as dg

from assets.ingest.assets import contract_conflict, contract_paths
from assets.ingest.contracts import ContractError, load_contract
from checks.asset_checks import suite_asset_checks
from checks.spec import Suite, staging_suite


def staging_suites() -> list[Suite]:
    suites = []
    for path in contract_paths():
        if contract_conflict(path) is not None:  # its staging asset fails with the reason; its checks would
            continue  # duplicate the earlier contract's (same table)
        try:
            suites.append(staging_suite(load_contract(path)))
        except ContractError:
            continue
    return suites


@dg.definitions
def defs() -> dg.Definitions:
    return dg.Definitions(asset_checks=[step for s in staging_suites() for step in suite_asset_checks(s)])
