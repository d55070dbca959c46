"""Quality checks on the marts: every mart asset has checks, the KPI registry carries each KPI's bounds and additivity
as data, and each kind of mart check fails on a small hand-made bad table and passes on the good one (the mart
suites, assets/<domain>/sql/<table>.yaml, run as they do at night, on both engines where the engine matters)."""

from __future__ import annotations

import typing
from functools import cache

import duckdb
import pytest

from assets.kpi.registry import KpiDefinition, load_registry, load_units, value_bounds, write_registry_table
from checks.runner import run_suite
from checks.spec import SuiteError, suite_files, yaml_suite, yaml_suites


def mart_suite(table: str):
    """The suite of ``marts.<table>`` (beside the model that builds it)."""
    return next(yaml_suite(p) for p in suite_files() if p.stem == table)


P1, P2 = "2025-01-01", "2025-02-01"


@cache
def _definitions():
    from pipelines.definitions import build_definitions

    return build_definitions()


def test_every_mart_asset_has_checks():
    """A new mart needs a suite beside its model (its key at least); a suite may wait for its model."""
    defs = _definitions()
    marts = {k for k in defs.resolve_asset_graph().get_all_asset_keys() if k.path[0] == "marts"}
    checked = {key.asset_key for checks in defs.asset_checks or [] for key in checks.check_keys}
    assert marts, "the definitions have marts"
    assert sorted(k.to_user_string() for k in marts - checked) == [], "marts without an asset check"


def test_every_mart_suite_checks_its_grain():
    for suite in yaml_suites("marts"):
        kinds = {c.kind for c in suite.checks}
        assert suite.key_columns and {"unique", "not_null"} <= kinds, suite.table


# -- the registry: bounds and additivity are data -------------------------------------------------------------
def test_every_unit_has_bounds_in_units_csv():
    units = typing.get_args(KpiDefinition.model_fields["unit"].annotation)
    assert sorted(load_units()) == sorted(units), "assets/kpi/registry/units.csv lists every unit once"
    assert (load_units()["pct"].min_value, load_units()["pct"].max_value) == (0, 100)
    assert load_units()["money"].min_value == 0 and load_units()["money"].max_value is None


def test_a_kpi_value_range_replaces_its_units_bounds():
    entries = {e.code: e for e in load_registry()}
    assert value_bounds(entries["absenteeism_rate_pct"]) == (0, 100)  # a share: the unit's bounds
    assert value_bounds(entries["turnover_rate_monthly_pct"]) == (0, None)  # a rate that can pass 100
    assert value_bounds(entries["opex_budget_variance_idr"]) == (None, None)  # a variance: any sign
    assert value_bounds(entries["payroll_cost_total_idr"]) == (0, None)


def test_only_counts_and_amounts_are_additive():
    """Rates, averages, durations and ratios never add up over departments; every additive KPI is a sum."""
    additive = {e.code: e.unit for e in load_registry() if e.additive}
    assert {"headcount_period_end", "payroll_cost_total_idr", "support_tickets_opened"} <= set(additive)
    assert set(additive.values()) <= {"employees", "fte", "money", "count"}
    assert "spend_supplier_count" not in additive  # a distinct count: a supplier of two departments counts once


def test_the_registry_table_carries_bounds_and_additivity():
    con = duckdb.connect()
    write_registry_table(con)
    rows = dict(
        ((code), rest)
        for code, *rest in con.execute(
            "select code, is_additive, min_value, max_value, tolerance from marts.kpi_registry"
        ).fetchall()
    )
    assert rows["headcount_period_end"] == [True, 0, None, load_units()["employees"].tolerance]
    assert rows["absenteeism_rate_pct"][:3] == [False, 0, 100]
    assert len(rows) == len(load_registry())


# -- marts.kpi_values ---------------------------------------------------------------------------------------------
GOOD_KPI_VALUES = [
    (P1, "D1", "headcount_period_end", 3.0, 3.0),
    (P1, "D2", "headcount_period_end", 4.0, 4.0),
    (P1, "ALL", "headcount_period_end", 7.0, 7.0),
    (P2, "D1", "headcount_period_end", 3.0, 3.0),
    (P2, "D2", "headcount_period_end", 2.0, 2.0),  # a small group: flagged, not nulled, and added
    (P2, "ALL", "headcount_period_end", 5.0, 5.0),
    (P1, "D1", "absenteeism_rate_pct", 12.5, 3.0),  # rates are not additive: 12.5 + 2.0 is no 4.0
    (P1, "D2", "absenteeism_rate_pct", 2.0, 4.0),
    (P1, "ALL", "absenteeism_rate_pct", 4.0, 7.0),
    (P1, "ALL", "opex_budget_variance_idr", -1500.0, 7.0),  # a variance may be negative
    (P1, "D1", "opex_budget_variance_idr", -1000.0, 3.0),
    (P1, "D2", "opex_budget_variance_idr", -500.0, 4.0),
]


def _kpi_values(rows) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    write_registry_table(con)
    con.execute(
        "create table marts.kpi_values (period date, department_id varchar, kpi_code varchar, value double, "
        "numerator double, denominator double, unit varchar, group_size double, is_small_group boolean)"
    )
    con.executemany(
        "insert into marts.kpi_values select ?::date, ?, ?, ?, null, null, "
        "(select unit from marts.kpi_registry where code = ?), ?, ? < 3",
        [(p, d, k, v, k, g, g) for p, d, k, v, g in rows],
    )
    return con


def _failed(con, table: str, engine: str = "sql") -> dict[str, str]:
    run = run_suite(con, mart_suite(table), engine=engine)
    return {o.name: o.description for o in run.outcomes if not o.passed}


def _outcome(con, table: str, name: str):
    return next(o for o in run_suite(con, mart_suite(table), engine="sql").outcomes if o.name == name)


@pytest.mark.parametrize("engine", ["gx", "sql"])
def test_good_kpi_values_pass(engine):
    assert _failed(_kpi_values(GOOD_KPI_VALUES), "kpi_values", engine) == {}


def _with(rows, index, **changed):
    period, department, code, value, group = rows[index]
    fields = {"period": period, "department": department, "code": code, "value": value, "group": group, **changed}
    return [*rows[:index], tuple(fields.values()), *rows[index + 1 :]]


@pytest.mark.parametrize("engine", ["gx", "sql"])
def test_a_duplicate_kpi_row_fails_the_key(engine):
    failed = _failed(_kpi_values([*GOOD_KPI_VALUES, GOOD_KPI_VALUES[0]]), "kpi_values", engine)
    # D1's headcount twice: the key fails, and the departments now add up to 10 against the company's 7
    assert set(failed) == {"uniqueness_period_department_id_kpi_code", "consistency_departments_add_up_to_company"}
    rate = _failed(_kpi_values([*GOOD_KPI_VALUES, GOOD_KPI_VALUES[7]]), "kpi_values", engine)  # a rate: not added
    assert set(rate) == {"uniqueness_period_department_id_kpi_code"}


@pytest.mark.parametrize("engine", ["gx", "sql"])
def test_a_percent_out_of_bounds_fails(engine):
    failed = _failed(_kpi_values(_with(GOOD_KPI_VALUES, 6, value=100.5)), "kpi_values", engine)
    assert set(failed) == {"consistency_value_within_bounds"}
    negative = _failed(_kpi_values(_with(GOOD_KPI_VALUES, 0, value=-3.0)), "kpi_values", engine)
    assert "consistency_value_within_bounds" in negative  # a headcount cannot be negative


def test_bounds_allow_floating_point_noise():
    noise = _with(GOOD_KPI_VALUES, 6, value=100 + 1e-12)  # a share computed as a / a * 100
    assert _failed(_kpi_values(noise), "kpi_values") == {}


def test_departments_that_do_not_add_up_fail():
    con = _kpi_values(_with(GOOD_KPI_VALUES, 2, value=8.0))  # ALL 8, departments 3 + 4
    assert set(_failed(con, "kpi_values")) == {"consistency_departments_add_up_to_company"}
    outcome = _outcome(con, "kpi_values", "consistency_departments_add_up_to_company")
    assert outcome.unexpected_count == 1 and outcome.observed_value == "1 failing row"
    assert outcome.sample_keys == (
        "period=2025-01-01, kpi_code=headcount_period_end, company_value=8, departments_value=7, n_departments=2, "
        "n_with_value=2",
    )
    # a department missing from a month counts as a department that does not add up
    dropped = [r for r in GOOD_KPI_VALUES if r[:3] != (P2, "D2", "headcount_period_end")]
    assert set(_failed(_kpi_values(dropped), "kpi_values")) == {"consistency_departments_add_up_to_company"}


def test_a_withheld_department_is_not_added_but_the_rest_cannot_exceed_the_company():
    withheld = _with(GOOD_KPI_VALUES, 4, value=None)  # P2: D1 3 + D2 null, company 5
    assert _failed(_kpi_values(withheld), "kpi_values") == {}
    too_many = _with(_with(GOOD_KPI_VALUES, 4, value=None), 3, value=6.0)  # D1 alone already above 5
    assert set(_failed(_kpi_values(too_many), "kpi_values")) == {"consistency_departments_add_up_to_company"}


def test_a_company_value_missing_while_departments_have_theirs_fails():
    failed = _failed(_kpi_values(_with(GOOD_KPI_VALUES, 2, value=None)), "kpi_values")
    assert set(failed) == {"consistency_departments_add_up_to_company"}


def test_an_unregistered_kpi_code_fails():
    failed = _failed(_kpi_values([*GOOD_KPI_VALUES, (P1, "ALL", "made_up_kpi", 1.0, 7.0)]), "kpi_values")
    assert "integrity_kpi_code" in failed


# -- findings -----------------------------------------------------------------------------------------------------
def _findings(rows) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    con.execute("create schema marts")
    con.execute("create table marts.control_registry as select * from (values ('GHOST'), ('SPLIT')) r(code)")
    con.execute(
        "create table marts.control_findings (finding_id varchar, control_code varchar, control_name varchar, "
        "severity varchar, entity varchar, entity_key varchar, period date, department_id varchar, "
        "amount_at_risk_idr decimal(21, 2), description varchar, evidence varchar)"
    )
    con.executemany(
        "insert into marts.control_findings values (?, ?, 'a rule', ?, 'employees', 'E1', date '2025-01-01', 'D1', "
        "?, 'what to do', '{}')",
        rows,
    )
    return con


GOOD_FINDINGS = [("F1", "GHOST", "high", 9_100_000), ("F2", "SPLIT", "medium", None), ("F3", "input_missing", "low", 0)]


@pytest.mark.parametrize("engine", ["gx", "sql"])
def test_findings_pass_and_a_negative_amount_or_a_repeated_id_fails(engine):
    assert _failed(_findings(GOOD_FINDINGS), "control_findings", engine) == {}
    negative = [*GOOD_FINDINGS[:2], ("F3", "input_missing", "low", -1)]
    assert set(_failed(_findings(negative), "control_findings", engine)) == {"validity_amount_at_risk_idr_range"}
    repeated = [*GOOD_FINDINGS, ("F1", "SPLIT", "low", 5)]
    assert set(_failed(_findings(repeated), "control_findings", engine)) == {"uniqueness_finding_id"}


def test_every_findings_mart_is_unique_on_its_finding_and_its_amounts_checked():
    for name in ("control_findings", "compliance_findings", "hr_data_findings", "finance_data_findings"):
        suite = mart_suite(name)
        assert any(c.kind == "unique" and c.blocking for c in suite.checks), name
    for name in ("control_findings", "compliance_findings", "quality_findings_summary"):
        check = next(c for c in mart_suite(name).checks if c.name.startswith("validity_amount"))
        assert check.min_value == 0 and check.blocking, name


# -- marts.scorecard ----------------------------------------------------------------------------------------------
SCORECARD_ROWS = [
    # period, department, kpi, actual, target, direction, amber band, status
    (P1, "ALL", "absenteeism_rate_pct", 4.0, 3.0, "lower_is_better", 1.0, "amber"),
    (P1, "D1", "absenteeism_rate_pct", 12.5, 3.0, "lower_is_better", 1.0, "red"),
    (P1, "D2", "absenteeism_rate_pct", 2.0, 3.0, "lower_is_better", 1.0, "green"),
    (P1, "ALL", "headcount_period_end", 7.0, None, "neutral", None, None),
]


def _scorecard(rows, values=None) -> duckdb.DuckDBPyConnection:
    con = _kpi_values(values if values is not None else [(r[0], r[1], r[2], r[3], 5.0) for r in SCORECARD_ROWS])
    con.execute(
        """create table marts.scorecard as
        select period::date as period, department_id, kpi_code, 'hr' as domain, 'pct' as unit, direction, actual,
               target, case when target is not null then 'company' end as target_scope, amber_band,
               actual - target as gap, status
        from (values {}) v(period, department_id, kpi_code, actual, target, direction, amber_band, status)""".format(
            ", ".join("(?, ?, ?, ?::double, ?::double, ?, ?::double, ?)" for _ in rows)
        ),
        [x for r in rows for x in r],
    )
    return con


@pytest.mark.parametrize("engine", ["gx", "sql"])
def test_a_status_that_does_not_follow_from_the_target_fails(engine):
    assert _failed(_scorecard(SCORECARD_ROWS), "scorecard", engine) == {}
    wrong = [*SCORECARD_ROWS[:1], (*SCORECARD_ROWS[1][:7], "amber"), *SCORECARD_ROWS[2:]]  # 12.5 vs 3 + 1: red
    assert set(_failed(_scorecard(wrong), "scorecard", engine)) == {"consistency_status_follows_target"}
    no_target = [*SCORECARD_ROWS[:3], (*SCORECARD_ROWS[3][:7], "green")]  # no target: no status
    assert set(_failed(_scorecard(no_target), "scorecard", engine)) == {"consistency_status_follows_target"}


def test_a_scorecard_that_loses_or_changes_a_kpi_value_fails():
    values = [(r[0], r[1], r[2], r[3], 5.0) for r in SCORECARD_ROWS]
    lost = _scorecard(SCORECARD_ROWS[:3], values)
    assert set(_failed(lost, "scorecard")) == {"consistency_actual_is_the_kpi_value"}
    changed = _scorecard(SCORECARD_ROWS, [*values[:3], (P1, "ALL", "headcount_period_end", 8.0, 5.0)])
    outcome = _outcome(changed, "scorecard", "consistency_actual_is_the_kpi_value")
    assert not outcome.passed and outcome.sample_keys[0].endswith("problem=actual differs from the value")


# -- the query rule itself ----------------------------------------------------------------------------------------
def test_a_query_rule_that_does_not_run_says_why(tmp_path):
    path = tmp_path / "t.yaml"
    path.write_text(
        "table: marts.t\nkey: [id]\nrules: [{name: broken, query: 'select * from marts.nowhere', reason: why}]\n"
    )
    con = duckdb.connect()
    con.execute("create schema marts")
    con.execute("create table marts.t as select 1 as id")
    outcome = next(o for o in run_suite(con, yaml_suite(path)).outcomes if o.name == "consistency_broken")
    assert not outcome.passed and "could not run" in outcome.description and "nowhere" in outcome.description
    with pytest.raises(SuiteError, match="mostly needs sql"):
        path.write_text("table: marts.t\nrules: [{name: b, query: 'select 1', reason: why, mostly: 0.5}]\n")
        yaml_suite(path)


# -- a defect the checks found: false-positive rates counted a code of both kinds in each -------------------------
def test_false_positive_rates_count_input_missing_per_kind():
    """input_missing is a finding code of both kinds; each kind's row counts its own findings (the real-data
    onboarding had 23 control and 9 compliance input_missing findings, and both rows said 32)."""
    from fixtures.warehouse import run_models

    from assets.controls.registry import write_control_config
    from pipelines.settings import Settings

    con = duckdb.connect()
    for schema in ("core", "marts"):
        con.execute(f"create schema if not exists {schema}")
    write_control_config(con)
    con.execute(
        """create table marts.finding_status as select * from (values
            ('F1', 'control', 'input_missing', 'Input table missing or empty', 'open'),
            ('F2', 'control', 'input_missing', 'Input table missing or empty', 'open'),
            ('F3', 'compliance', 'input_missing', 'Input table missing or empty', 'open')
        ) f(finding_id, kind, control_code, control_name, review_status)"""
    )
    run_models(con, Settings(), "assets/controls/sql/finding_false_positive_rates.sql")
    counts = con.execute(
        "select kind, n_findings from marts.finding_false_positive_rates where control_code = 'input_missing' "
        "order by kind"
    ).fetchall()
    assert counts == [("compliance", 1), ("control", 2)]
    assert _failed(con, "finding_false_positive_rates") == {}
