"""The payroll recalculation on a generated company (60 employees, 6 months to June 2025, seed 7, as the nightly
integration test): every difference is a planted payroll anomaly of the answer key, and every planted PPh 21 or
BPJS anomaly shows as a difference. Only the contracts and models the recalculation needs are run (no Dagster)."""

from __future__ import annotations

import re

import pytest
from fixtures.project import generate_demo_company
from fixtures.warehouse import HR_CORE, PAYROLL_RECALCULATION, load_reference, run_models, stage_sources

from pipelines.settings import Settings

SOURCES = ("hris__departments", "hris__employees", "hris__job_history", "hris__attendance",
           "payroll__payroll_components", "payroll__payslip_lines")  # fmt: skip
#: answer-key anomaly types that change a recomputed amount, and the component each one changes
RECOMPUTED = {"pph21_wrong": "PPH21", "bpjs_wrong_base": "JP_EE"}


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    import duckdb

    root = tmp_path_factory.mktemp("payroll_demo")
    planted = generate_demo_company(root, months=6)
    con = duckdb.connect()
    load_reference(con)
    stage_sources(con, SOURCES, root / "landing")
    run_models(con, Settings(reporting_months=6), *HR_CORE, *PAYROLL_RECALCULATION)
    yield con, planted
    con.close()


def test_differences_are_exactly_the_planted_payroll_anomalies(demo):
    con, planted = demo
    differences = con.execute(
        "select employee_id, strftime(period, '%Y-%m'), component_code from marts.payroll_recalculation "
        "where not is_match"
    ).fetchall()
    expected = {
        (a["key"], a["period"], RECOMPUTED[a["anomaly_type"]]) for a in planted if a["anomaly_type"] in RECOMPUTED
    }
    assert expected, "the answer key plants PPh 21 and BPJS anomalies"
    assert set(differences) == expected
    assert len(differences) == len(expected)


def test_everything_else_is_recomputed_to_the_rupiah(demo):
    con, _ = demo
    n_rows, n_problems, n_components = con.execute(
        "select count(*), count(problem), count(distinct component_code) from marts.payroll_recalculation"
    ).fetchall()[0]
    assert n_problems == 0
    assert n_components == 10  # PPH21, OVERTIME and the 8 BPJS components
    n_payslips = con.execute("select count(*) from core.fct_payslip").fetchall()[0][0]
    assert n_rows > 9 * n_payslips  # PPh 21 and 8 BPJS rows per payslip, plus the overtime rows


def test_a_planted_wrong_withholding_is_recomputed_to_the_amount_that_was_due(demo):
    # the answer key says "PPh 21 withheld Rp<paid> instead of Rp<due>"
    con, planted = demo
    for anomaly in (a for a in planted if a["anomaly_type"] == "pph21_wrong"):
        paid, due = (int(x.replace(",", "")) for x in re.findall(r"Rp([\d,]+)", anomaly["description"]))
        row = con.execute(
            "select actual_idr, expected_idr, difference_idr from marts.payroll_recalculation "
            "where employee_id = ? and strftime(period, '%Y-%m') = ? and component_code = 'PPH21'",
            [anomaly["key"], anomaly["period"]],
        ).fetchall()
        assert row == [(paid, due, paid - due)]
