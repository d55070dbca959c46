"""Many companies: two small generated companies (different seeds), each with its own settings file and warehouse,
refreshed side by side by `kinerja group run` (two night processes at once), then consolidated into the group
warehouse. Every consolidation KPI is checked against the companies' own marts.kpi_values, read here by a query of
each company's published night, minus the intercompany payments planted in the companies' supplier-payment files.
A second run of a company being refreshed stops at once with a message naming the holder, and a third company of
the group that has no published night is named as not consolidated, never summed."""

from __future__ import annotations

import datetime as dt
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pytest
from fixtures.project import generate

pytestmark = pytest.mark.integration

PROJECT_ROOT = Path(__file__).resolve().parents[2]
EMPLOYEES = 20  # the generator's smallest company
MONTHS = 3
END_PERIOD = "2025-06"
PERIODS = [dt.date(2025, 4, 1), dt.date(2025, 5, 1), dt.date(2025, 6, 1)]
SEEDS = {"A": 1, "B": 2}
NAMES = {"A": "PT Alpha Group", "B": "PT Beta Group", "C": "PT Gamma Group"}
CONSOLIDATED = ("headcount_period_end", "payroll_cost_total_idr", "spend_total")

# Supplier payments outside the invoice workflow (canonical spend_transactions), one file per company.
SPEND_CONTRACT = """\
entity: supplier_payments
system: erp
domain: finance
description: Supplier payments made outside the invoice workflow.
grain: one row per payment
owner: team:finance-data
maps_to: spend_transactions
files: ["finance/supplier_payments.csv"]
primary_key: [transaction_id]
columns:
  transaction_id: {required: true}
  transaction_date: {type: date, required: true}
  vendor_id: {}
  vendor_name: {}
  amount: {type: decimal, scale: 2, required: true}
"""
# (transaction id, date, vendor id, vendor name, amount, paid to a group company)
SPEND = {
    "A": [
        ("A-1", "2025-04-03", "V-100", "PT Sumber Makmur", 12_500_000, False),
        ("A-2", "2025-05-12", "V-101", "CV Jaya Abadi", 4_250_000, False),
        ("A-3", "2025-05-15", "GRP-B", "PT Beta Group", 30_000_000, True),  # A pays B: B's vendor id in A's books
        ("A-4", "2025-06-16", "GRP-B", "PT Beta Group", 20_000_000, True),
        ("A-5", "2025-06-20", "V-100", "PT Sumber Makmur", 7_000_000, False),
        ("A-6", "2025-06-21", "V-102", "PT Beta Grouping", 2_000_000, False),  # a look-alike name, another supplier
    ],
    "B": [
        ("B-1", "2025-04-08", "S-9", "UD Sentosa", 9_000_000, False),
        ("B-2", "2025-06-02", "", "Koperasi Maju", 3_300_000, False),
        ("B-3", "2025-06-25", "", "  pt alpha   GROUP ", 11_000_000, True),  # B pays A: by name, no id
    ],
}
GROUP_FILE = """\
name: Grup Uji
warehouse_path: {root}/group/warehouse.duckdb
currency: IDR
companies:
  - code: A
    name: PT Alpha Group
    settings: {root}/a/kinerja.yaml
    intercompany_vendors:
      - {{company: B, vendor_id: GRP-B}}
  - code: B
    name: PT Beta Group
    settings: {root}/b/kinerja.yaml
    intercompany_vendors:
      - {{company: A, vendor_name: PT Alpha Group}}
  - code: C
    name: PT Gamma Group
    settings: {root}/c/kinerja.yaml
"""
LOG_TIME = re.compile(r"^(\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}) ", re.M)


def _kinerja(*args: str, env: dict, **kwargs):
    command = [sys.executable, "-m", "pipelines.cli", *args]
    if kwargs.pop("wait", True):
        return subprocess.run(command, cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=600, env=env)
    return subprocess.Popen(command, cwd=PROJECT_ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env=env)  # fmt: skip


def _company(root: Path, code: str, contracts: Path) -> Path:
    folder = root / code.lower()
    folder.mkdir()
    settings = folder / "kinerja.yaml"
    settings.write_text(
        f"company_name: {NAMES[code]}\nreporting_months: {MONTHS}\ncontracts_dir: {contracts}\n"
        + "".join(
            f"{key}: {folder / name}\n"
            for key, name in (
                ("landing_dir", "landing"),
                ("warehouse_path", "warehouse.duckdb"),
                ("reports_dir", "reports"),
                ("answer_key_dir", "answer_key"),
            )
        )  # fmt: skip
        + f"reports_base_url: http://127.0.0.1:80{ord(code)}\n",
        encoding="utf-8",
    )
    return settings


def _planted(code: str, period: dt.date) -> float:
    return sum(r[4] for r in SPEND[code] if r[5] and r[1].startswith(f"{period:%Y-%m}"))


@pytest.fixture(scope="module")
def group(tmp_path_factory):
    from pipelines.group import company_busy, load_group
    from pipelines.settings import load_settings

    root = tmp_path_factory.mktemp("group")
    contracts = root / "contracts"
    shutil.copytree(PROJECT_ROOT / "contracts" / "demo", contracts)
    (contracts / "erp__supplier_payments.yaml").write_text(SPEND_CONTRACT, encoding="utf-8")
    settings = {}
    for code in ("A", "B", "C"):
        path = _company(root, code, contracts)
        settings[code] = load_settings(path, environ={})
        if code in SEEDS:
            generate(settings[code], employees=EMPLOYEES, months=MONTHS, end_period=END_PERIOD, seed=SEEDS[code])
            lines = ["transaction_id,transaction_date,vendor_id,vendor_name,amount"]
            lines += [f"{t},{d},{v},{n},{a}" for t, d, v, n, a, _ in SPEND[code]]
            (settings[code].landing_dir / "finance" / "supplier_payments.csv").write_text(
                "\n".join(lines) + "\n", encoding="utf-8"
            )
    group_path = root / "group.yaml"
    group_path.write_text(GROUP_FILE.format(root=root), encoding="utf-8")
    env = {**os.environ, "KINERJA_GROUP_CONFIG": str(group_path)}
    started = time.perf_counter()
    first = _kinerja("group", "run", "--parallel", "2", "--company", "A", "--company", "B", env=env, wait=False)
    while company_busy(settings["A"]) is None and first.poll() is None and time.perf_counter() - started < 60:
        time.sleep(0.1)
    second_started = time.perf_counter()
    second = _kinerja("group", "run", "--company", "A", env=env)
    second_seconds = time.perf_counter() - second_started
    status_during = _kinerja("group", "status", env=env)
    out, err = first.communicate(timeout=600)
    status_after = _kinerja("group", "status", env=env)
    yield {
        "root": root,
        "group": load_group(group_path),
        "group_path": group_path,
        "settings": settings,
        "env": env,
        "run": subprocess.CompletedProcess(first.args, first.returncode, out, err),
        "run_seconds": time.perf_counter() - started,
        "second": second,
        "second_seconds": second_seconds,
        "status_during": status_during,
        "status_after": status_after,
    }


def _company_values(settings, code: str) -> dict[tuple[dt.date, str], float]:
    """The company's own company-level values of the consolidation KPIs, from its published night."""
    with duckdb.connect(str(settings.read_copy), read_only=True) as con:
        rows = con.execute(
            "select period, kpi_code, value from marts.kpi_values where department_id = 'ALL' "
            "and list_contains(?::varchar[], kpi_code)",
            [list(CONSOLIDATED)],
        ).fetchall()
    return {(period, kpi): value for period, kpi, value in rows}


def _group_values(group) -> dict[tuple[dt.date, str], tuple]:
    with duckdb.connect(str(group.warehouse_path), read_only=True) as con:
        rows = con.execute(
            "select period, kpi_code, value, value_before_intercompany, intercompany_excluded, n_companies, companies "
            "from marts.group_kpi_values"
        ).fetchall()
    return {(r[0], r[1]): r[2:] for r in rows}


def _night_span(settings) -> tuple[dt.datetime, dt.datetime]:
    """First and last moment of the company's night, from the Dagster log its own process wrote."""
    logs = sorted((settings.warehouse_path.parent / "logs").glob("run-*.log"))
    assert len(logs) == 1, logs
    times = [dt.datetime.strptime(t, "%Y-%m-%d %H:%M:%S") for t in LOG_TIME.findall(logs[0].read_text())]
    return min(times), max(times)


def test_the_two_nights_ran_side_by_side_and_the_group_was_consolidated(group):
    run = group["run"]
    out = run.stdout
    assert run.returncode == 3, out + run.stderr  # C has no published night: named, and the exit code says so
    assert re.search(r"^  A  succeeded in [\d.]+ s \(exit 0\)", out, re.M), out
    assert re.search(r"^  B  succeeded in [\d.]+ s \(exit 0\)", out, re.M), out
    assert "consolidated 2 of 3 companies (A, B) into " in out
    assert "Traceback" not in run.stderr
    for code in ("A", "B"):
        assert group["settings"][code].read_copy.exists()
    (a_start, a_end), (b_start, b_end) = (_night_span(group["settings"][code]) for code in ("A", "B"))
    spans = f"A {a_start}..{a_end}, B {b_start}..{b_end}"
    assert a_start < b_end and b_start < a_end, f"the nights did not overlap: {spans}"
    overlap = (min(a_end, b_end) - max(a_start, b_start)).total_seconds()
    assert overlap > 0.5 * min((a_end - a_start).total_seconds(), (b_end - b_start).total_seconds())


def test_a_second_run_of_a_company_being_refreshed_stops_at_once_with_a_clear_message(group):
    second = group["second"]
    assert second.returncode == 1, second.stdout + second.stderr
    assert re.search(r"^  A  not run: company A \(PT Alpha Group\) is already being refreshed by another group run "
                     r"\(process \d+; lock \S+group-run\.lock\)", second.stdout, re.M), second.stdout  # fmt: skip
    assert "no night ran" in second.stdout
    assert group["second_seconds"] < 20, "the second run waited instead of stopping"
    during = group["status_during"].stdout
    assert re.search(r"^  A  PT Alpha Group \(IDR\); refreshing now: a group run \(process \d+\)", during, re.M), during


def test_the_companies_are_different_and_spend_counts_the_intercompany_lines(group):
    a, b = (_company_values(group["settings"][code], code) for code in ("A", "B"))
    assert set(a) == set(b) == {(p, k) for p in PERIODS for k in CONSOLIDATED}
    assert any(a[(p, "payroll_cost_total_idr")] != b[(p, "payroll_cost_total_idr")] for p in PERIODS)
    for code, values in (("A", a), ("B", b)):
        for period in PERIODS:
            paid = sum(r[4] for r in SPEND[code] if r[1].startswith(f"{period:%Y-%m}"))
            assert values[(period, "spend_total")] == pytest.approx(paid), (code, period)


def test_each_consolidation_kpi_is_the_sum_of_the_companies_minus_the_intercompany_lines(group):
    a, b = (_company_values(group["settings"][code], code) for code in ("A", "B"))
    consolidated = _group_values(group["group"])
    assert set(consolidated) == {(p, k) for p in PERIODS for k in CONSOLIDATED}
    for period in PERIODS:
        for kpi in CONSOLIDATED:
            value, before, excluded, n_companies, companies = consolidated[(period, kpi)]
            planted = _planted("A", period) + _planted("B", period) if kpi == "spend_total" else 0
            assert before == pytest.approx(a[(period, kpi)] + b[(period, kpi)]), (period, kpi)
            assert excluded == pytest.approx(planted), (period, kpi)
            assert value == pytest.approx(a[(period, kpi)] + b[(period, kpi)] - planted), (period, kpi)
            assert (n_companies, companies) == (2, ["A", "B"])
    assert consolidated[(PERIODS[1], "spend_total")][2] == 30_000_000
    assert consolidated[(PERIODS[2], "spend_total")][2] == 31_000_000


def test_intercompany_lines_are_listed_by_payer_and_payee(group):
    with duckdb.connect(str(group["group"].warehouse_path), read_only=True) as con:
        rows = con.execute(
            "select company_code, counterparty_code, period, vendor_id, vendor_name, n_lines, amount "
            "from marts.intercompany_spend order by all"
        ).fetchall()
    assert rows == [
        ("A", "B", PERIODS[1], "GRP-B", "PT BETA GROUP", 1, 30_000_000),
        ("A", "B", PERIODS[2], "GRP-B", "PT BETA GROUP", 1, 20_000_000),
        ("B", "A", PERIODS[2], None, "PT ALPHA GROUP", 1, 11_000_000),
    ]


def test_a_company_without_a_published_night_is_named_not_summed(group):
    out = group["run"].stdout
    assert re.search(r"^  not consolidated: C \(PT Gamma Group\): no published night yet", out, re.M), out
    with duckdb.connect(str(group["group"].warehouse_path), read_only=True) as con:
        dim = con.execute(
            "select company_code, company_name, currency, is_consolidated, not_consolidated_reason "
            "from marts.dim_company order by 1"
        ).fetchall()
        companies = con.execute("select distinct company_code from marts.company_kpi_values order by 1").fetchall()
        missing = con.execute("select companies_missing from meta.consolidation").fetchone()[0]
        additive = con.execute(
            "select bool_and(is_additive) from marts.company_kpi_values where list_contains(?::varchar[], kpi_code)",
            [list(CONSOLIDATED)],
        ).fetchone()[0]
    assert [r[:4] for r in dim] == [("A", NAMES["A"], "IDR", True), ("B", NAMES["B"], "IDR", True),
                                    ("C", NAMES["C"], "IDR", False)]  # fmt: skip
    assert dim[2][4].startswith("no published night yet")
    assert companies == [("A",), ("B",)]
    assert missing == ["C"]
    assert additive is True
    status = group["status_after"].stdout
    assert re.search(r"^  A  PT Alpha Group \(IDR\); published \d{4}-\d{2}-\d{2} ", status, re.M), status
    assert re.search(r"^  C  PT Gamma Group \(IDR\); no published night yet; settings ", status, re.M), status
    assert re.search(r"^group warehouse \S+: consolidated .* from A, B; not consolidated: C$", status, re.M), status


def test_the_consolidation_job_writes_the_same_group_values(group):
    from pipelines.group_jobs import build_group_jobs

    before = _group_values(group["group"])
    _, consolidation = build_group_jobs(group["group_path"], group["group"])
    result = consolidation.execute_in_process()
    assert result.success
    assert _group_values(group["group"]) == before


def test_the_code_location_has_the_partitioned_job_with_a_group_file(group):
    probe = (
        "from pipelines.definitions import defs\n"
        "defs = defs()\n"
        "job = defs.resolve_job_def('company_refresh')\n"
        "print(job.partitions_def.get_partition_keys())\n"
        "print(defs.resolve_job_def('group_consolidation').name)\n"
        "print({s.name: s.default_status.value for s in defs.get_repository_def().schedule_defs})\n"
    )
    result = subprocess.run([sys.executable, "-c", probe], cwd=PROJECT_ROOT, capture_output=True, text=True,
                            timeout=300, env=group["env"])  # fmt: skip
    assert result.returncode == 0, result.stderr
    keys, consolidation, schedules = result.stdout.splitlines()
    assert keys == "['A', 'B', 'C']"
    assert consolidation == "group_consolidation"
    assert "'company_refresh_schedule': 'RUNNING'" in schedules
    assert "'nightly_refresh_schedule': 'STOPPED'" in schedules
