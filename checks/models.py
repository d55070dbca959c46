"""Quality suites of the core tables and the marts, one YAML file per table beside its model
(``assets/<domain>/sql/<table>.yaml``): keys at the grain of each table, and for the marts the rules that need more
than one row (the departments of an additive KPI add up to the company, the scorecard holds every KPI value once) as
query rules. A file whose table is not (yet) an asset is skipped, so a suite can land before its model;
tests/unit/test_checks_spec.py lists the core tables that have no suite, tests/unit/test_mart_checks.py fails while
a mart has none."""

import dagster as dg

from checks.asset_checks import defined_asset_keys, suite_asset_checks, table_key
from checks.spec import Suite, yaml_suites

LAYERS = ("core", "marts")


def model_suites(layer: str) -> list[Suite]:
    """The suites of ``layer`` (core or marts) whose table an asset defines."""
    known = defined_asset_keys()
    return [s for s in yaml_suites(layer) if table_key(s.table) in known]


@dg.definitions
def defs() -> dg.Definitions:
    return dg.Definitions(
        asset_checks=[step for layer in LAYERS for s in model_suites(layer) for step in suite_asset_checks(s)]
    )
