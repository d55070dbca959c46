"""Quality suites of the core tables, one YAML file per table beside its model (``assets/<domain>/sql/<table>.yaml``).
A file whose table is not (yet) an asset is skipped, so a suite can land before its model;
tests/unit/test_checks_spec.py lists the core tables that have no suite."""

import dagster as dg

from checks.asset_checks import defined_asset_keys, suite_asset_checks, table_key
from checks.spec import Suite, yaml_suites


def core_suites() -> list[Suite]:
    known = defined_asset_keys()
    return [s for s in yaml_suites("core") if table_key(s.table) in known]


defs = dg.Definitions(asset_checks=[step for s in core_suites() for step in suite_asset_checks(s)])
