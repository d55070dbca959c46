"""Quality checks on HR tables: the Great Expectations suite on staged employees (blocking)."""

import dagster as dg
import great_expectations as gx
from dagster_duckdb import DuckDBResource

from checks.gx_suite import validate_table

STAGED_EMPLOYEES = dg.AssetKey(["staging", "stg_hris__employees"])
EMPLOYEES_SUITE = "validity_staged_employees"


def employee_expectations() -> list:
    e = gx.expectations
    return [
        e.ExpectColumnValuesToNotBeNull(column="employee_id"),
        e.ExpectColumnValuesToBeUnique(column="employee_id"),
        e.ExpectColumnValuesToNotBeNull(column="hire_date"),
        e.ExpectColumnValuesToNotBeNull(column="department_id"),
        e.ExpectColumnValuesToBeInSet(column="gender", value_set=["M", "F"]),
        e.ExpectColumnValuesToBeInSet(column="employment_type", value_set=["PKWTT", "PKWT", "INTERN"]),
        e.ExpectColumnValuesToBeInSet(
            column="termination_type", value_set=["voluntary", "involuntary", "other"]
        ),
        e.ExpectColumnValuesToBeBetween(column="base_salary_idr", min_value=0),
        e.ExpectColumnPairValuesAToBeGreaterThanB(
            column_A="termination_date",
            column_B="hire_date",
            or_equal=True,
            ignore_row_if="either_value_is_missing",
        ),
    ]


@dg.asset_check(
    asset=STAGED_EMPLOYEES,
    name=EMPLOYEES_SUITE,
    blocking=True,
    description="Great Expectations suite on staged employees: keys unique and present, allowed values, "
    "non-negative pay, termination on or after hire.",
)
def validity_staged_employees(duckdb: DuckDBResource) -> dg.AssetCheckResult:
    with duckdb.get_connection() as con:
        return validate_table(
            con, "staging.stg_hris__employees", employee_expectations(), ["employee_id"], EMPLOYEES_SUITE
        )


defs = dg.Definitions(asset_checks=[validity_staged_employees])
