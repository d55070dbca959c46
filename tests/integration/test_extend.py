"""Where a change goes (docs/architecture.md): a KPI in an existing family touches 2 files, a control rule in an
existing family 2, a source export 1. Each is made here on a copy of the project, exactly as the docs say and in
no other file; one night of a small generated company on the copy then shows the KPI in ``marts.kpi_values``, the
rule's findings in ``marts.control_findings`` and the source's rows in staging and quarantine, each equal to what
is worked out here from the tables it reads."""

from __future__ import annotations

import filecmp
import os
import shutil
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

ROOT = Path(__file__).resolve().parents[2]
COPIED = ("assets", "checks", "config", "contracts", "dashboards", "generator", "pipelines")

# -- a KPI in the workforce family: the employee-days behind the average daily headcount -----------------------
KPI_ENTRY = """
- code: employee_days
  name: Employee-days
  name_id: Hari-karyawan
  domain: hr
  unit: days
  direction: neutral
  model: kpi_hr__workforce
  additive: true
  definition: Days employed in the month, summed over the employees.
  formula: "sum over days of the month of employees employed that day"
  source: docs/kpi_definitions.md 1.1
"""
KPI_ROW = "        kpi_total_row('employee_days', n_employee_days)\n"
KPI_LIST_END = "    ], recursive := true)\n    from with_company\n"

# -- a control rule in the payroll-register family: net pay above a ceiling the company sets --------------------
RULE_ENTRY = """
- code: net_pay_above_ceiling
  kind: control
  model: int_findings__payroll_register
  name: Net pay above the ceiling
  name_id: Gaji bersih di atas batas
  entity: employee
  severity: medium
  inputs: [core.fct_payslip]
  description: >-
    A payslip whose net pay is above net_pay_ceiling_idr: a pay that large is approved by hand.
  source: docs/audit_tests.md section 3
  parameters:
    net_pay_ceiling_idr: 10000000
"""
RULE_CTE = """above_ceiling as (
    select
        'net_pay_above_ceiling' as control_code,
        p.run_id,
        p.employee_id,
        p.net_pay_idr::bigint as amount_at_risk_idr,
        'net pay above the ceiling in payroll run ' || p.run_id as description,
        json_object('run_id', p.run_id, 'ceiling_idr', params.net_pay_ceiling_idr)::varchar as evidence
    from payslips p cross join params
    where p.net_pay_idr > params.net_pay_ceiling_idr
),

"""
UNION_FIRST = "    select * from after_termination\n    union all\n"

# -- a source export: courses of a learning system, staged as they are (no canonical entity) --------------------
SOURCE_CONTRACT = """\
entity: courses
system: lms
domain: hr
description: Courses of the learning system.
grain: one row per course
files: ["lms/courses*.csv"]
primary_key: [course_id]
columns:
  course_id: {required: true}
  title: {required: true}
  hours: {type: decimal}
"""
COURSES_CSV = "course_id,title,hours\nC1,Payroll basics,4\nC2,Labour law,2.5\nC3,Data privacy,two\n"


def add_kpi(project: Path) -> list[str]:
    registry = project / "assets/kpi/registry/hr.yaml"
    registry.write_text(registry.read_text(encoding="utf-8") + KPI_ENTRY, encoding="utf-8")
    model = project / "assets/kpi/sql/kpi_hr__workforce.sql"
    text = model.read_text(encoding="utf-8")
    assert text.count(KPI_LIST_END) == 1
    # the new row goes last in the model's list of KPI rows: the line before it gains its comma
    head, tail = text.split(KPI_LIST_END)
    model.write_text(head.rstrip("\n") + ",\n" + KPI_ROW + KPI_LIST_END + tail, encoding="utf-8")
    return ["assets/kpi/registry/hr.yaml", "assets/kpi/sql/kpi_hr__workforce.sql"]


def add_control_rule(project: Path) -> list[str]:
    registry = project / "assets/controls/registry.yaml"
    registry.write_text(registry.read_text(encoding="utf-8") + RULE_ENTRY, encoding="utf-8")
    model = project / "assets/controls/sql/int_findings__payroll_register.sql"
    text = model.read_text(encoding="utf-8")
    # the rule's CTE goes before the family's union, and the union takes its rows
    assert text.count("\nunioned as (\n") == 1
    assert text.count(UNION_FIRST) == 1
    text = text.replace("\nunioned as (\n", "\n" + RULE_CTE + "unioned as (\n")
    branch = "    select * from above_ceiling\n    union all\n"
    model.write_text(text.replace(UNION_FIRST, UNION_FIRST + branch), encoding="utf-8")
    return ["assets/controls/registry.yaml", "assets/controls/sql/int_findings__payroll_register.sql"]


def add_source(project: Path) -> list[str]:
    (project / "contracts/demo/lms__courses.yaml").write_text(SOURCE_CONTRACT, encoding="utf-8")
    return ["contracts/demo/lms__courses.yaml"]


def changed_files(project: Path) -> list[str]:
    """Files of the copy that differ from the project's own, or that it does not have."""
    changed = []
    for name in COPIED:
        for path in sorted((project / name).rglob("*")):
            if path.is_file() and "__pycache__" not in path.parts:
                relative = path.relative_to(project)
                original = ROOT / relative
                if not original.exists() or not filecmp.cmp(path, original, shallow=False):
                    changed.append(str(relative))
    return changed


@pytest.fixture(scope="module")
def night(tmp_path_factory):
    """(warehouse connection, files changed) after one night of a 20-employee, 3-month company on the copy."""
    root = tmp_path_factory.mktemp("extend")
    project = root / "project"
    for name in COPIED:
        shutil.copytree(ROOT / name, project / name, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    expected = sorted(add_kpi(project) + add_control_rule(project) + add_source(project))
    changed = changed_files(project)

    landing = root / "landing"
    (landing / "lms").mkdir(parents=True)
    (landing / "lms" / "courses.csv").write_text(COURSES_CSV, encoding="utf-8")
    env = {
        **os.environ, "PYTHONPATH": str(project), "DAGSTER_HOME": str(root / "dagster"),
        "KINERJA_LANDING_DIR": str(landing), "KINERJA_WAREHOUSE_PATH": str(root / "warehouse.duckdb"),
        "KINERJA_REPORTS_DIR": str(root / "reports"), "KINERJA_ANSWER_KEY_DIR": str(root / "answer_key"),
        "KINERJA_REPORTING_MONTHS": "3",
    }  # fmt: skip
    (root / "dagster").mkdir()
    python = [sys.executable, "-m", "pipelines.cli"]
    generated = subprocess.run(
        [*python, "generate", "--employees", "20", "--months", "3", "--end-period", "2025-03", "--seed", "3"],
        cwd=project, env=env, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert generated.returncode == 0, generated.stderr[-3000:]
    ran = subprocess.run([*python, "run", "--no-generate"], cwd=project, env=env, capture_output=True, text=True,
                         timeout=900)  # fmt: skip
    assert ran.returncode == 0, (ran.stdout + ran.stderr)[-5000:]
    con = duckdb.connect(str(root / "warehouse.duckdb"), read_only=True)
    yield con, changed, expected
    con.close()


def test_only_the_files_the_docs_name_are_touched(night):
    _, changed, expected = night
    assert changed == expected


def test_the_new_kpi_is_in_the_kpi_values_as_worked_out_from_core(night):
    con, _, _ = night
    got = dict(con.execute(
        "select period::varchar || ' ' || department_id, value from marts.kpi_values where kpi_code = 'employee_days'"
    ).fetchall())  # fmt: skip
    # employee-days worked out from the employee versions: each day of the month a version covers
    expected = dict(con.execute("""
        with days as (
            select d.date_day, date_trunc('month', d.date_day)::date as period, e.department_id
            from core.dim_date d
            join core.dim_employee e on d.date_day between e.valid_from and e.valid_to and e.is_employed
            where date_trunc('month', d.date_day) in (select period from marts.kpi_values)
        )
        select period::varchar || ' ' || department_id, count(*)::double from days group by all
        union all
        select period::varchar || ' ALL', count(*)::double from days group by all
    """).fetchall())  # fmt: skip
    assert got, "the new KPI has no values"
    assert {k: v for k, v in got.items() if v} == expected
    registered = con.execute("select unit, is_additive from marts.kpi_registry where code = 'employee_days'")
    assert registered.fetchall() == [("days", True)]


def test_the_new_rule_finds_every_payslip_above_the_ceiling(night):
    con, _, _ = night
    got = con.execute(
        "select finding_id, severity, amount_at_risk_idr from marts.control_findings "
        "where control_code = 'net_pay_above_ceiling' order by 1"
    ).fetchall()
    expected = con.execute(
        "select 'net_pay_above_ceiling:' || employee_id || ':' || run_id, 'medium', net_pay_idr::bigint "
        "from core.fct_payslip where net_pay_idr > 10000000 order by 1"
    ).fetchall()
    assert got, "no payslip of the company is above the ceiling: the rule was not exercised"
    assert got == expected
    parameter = con.execute("select net_pay_ceiling_idr from core.control_parameters").fetchall()
    assert parameter == [(10000000,)]


def test_the_new_source_is_staged_and_its_bad_row_quarantined(night):
    con, _, _ = night
    assert con.execute("select course_id, hours from staging.stg_lms__courses order by 1").fetchall() == [
        ("C1", 4), ("C2", 2.5)]  # fmt: skip
    assert con.execute("select count(*) from quarantine.lms__courses").fetchone() == (1,)
    counts = "select rows_read, rows_staged, rows_quarantined, status from meta.load_manifest where contract = ?"
    assert con.execute(counts, ["lms__courses"]).fetchall() == [(3, 2, 1, "loaded")]
