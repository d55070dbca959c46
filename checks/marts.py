"""Quality suites of the marts, one YAML file per table beside its model (``assets/<domain>/sql/<table>.yaml``): keys at
the grain of each mart, and the rules that need more than one row (the departments of an additive KPI add up to the
company, the scorecard holds every KPI value once) as query rules. A file whose table is not (yet) an asset is
skipped, as for core; tests/unit/test_mart_checks.py fails while a mart has no suite."""

import dagster as dg

from checks.asset_checks import defined_asset_keys, suite_asset_checks, table_key
from checks.spec import Suite, yaml_suites


def mart_suites() -> list[Suite]:
    known = defined_asset_keys()
    return [s for s in yaml_suites("marts") if table_key(s.table) in known]


defs = dg.Definitions(asset_checks=[step for s in mart_suites() for step in suite_asset_checks(s)])
