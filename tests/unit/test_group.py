"""The group file (pipelines/group.py): every mistake named with its key and file; the environment a company's
night gets; the lock that stops a second run of a company; the consolidation (pipelines/consolidation.py) on
hand-made published nights, worked out by hand; the Dagster jobs (pipelines/group_jobs.py) with a stand-in night;
and the `kinerja group` command line."""

from __future__ import annotations

import datetime as dt
import os
import sys
from pathlib import Path

import duckdb
import pytest

from pipelines.cli import build_parser, main
from pipelines.consolidation import ConsolidationError, consolidate, group_kpis
from pipelines.group import (
    CompanyBusy,
    GroupError,
    child_environment,
    company_busy,
    company_lock,
    company_settings,
    group_lock_path,
    load_group,
    lock_holder,
)

PROJECT_ROOT = Path(__file__).resolve().parents[2]
JAN, FEB, DEC = dt.date(2025, 1, 1), dt.date(2025, 2, 1), dt.date(2024, 12, 1)


def _settings_file(folder: Path, currency: str = "IDR") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "kinerja.yaml"
    path.write_text(
        f"company_name: {folder.name}\ncurrency: {currency}\nwarehouse_path: {folder / 'warehouse.duckdb'}\n"
        f"landing_dir: {folder / 'landing'}\nreports_dir: {folder / 'reports'}\n",
        encoding="utf-8",
    )
    return path


def _group_file(tmp_path: Path, body: str) -> Path:
    path = tmp_path / "group.yaml"
    path.write_text(body, encoding="utf-8")
    return path


def _valid(tmp_path: Path) -> str:
    a, b = _settings_file(tmp_path / "a"), _settings_file(tmp_path / "b")
    return (
        f"name: Test group\nwarehouse_path: {tmp_path / 'group.duckdb'}\ncompanies:\n"
        f"  - {{code: A, name: PT A, settings: {a}, intercompany_vendors: [{{company: B, vendor_id: V-B}}]}}\n"
        f"  - {{code: B, name: PT B, settings: {b}}}\n"
    )


# -- the group file ---------------------------------------------------------------------------------------------


def test_a_valid_group_file_loads_with_absolute_paths(tmp_path):
    group = load_group(_group_file(tmp_path, _valid(tmp_path)))
    assert group.codes == ["A", "B"]
    assert group.currency == "IDR" and group.warehouse_path == tmp_path / "group.duckdb"
    assert group.company("A").intercompany_vendors[0].vendor_id == "V-B"
    assert company_settings(group.company("B")).warehouse_path == tmp_path / "b" / "warehouse.duckdb"


def test_the_example_group_file_and_its_companies_settings_load():
    group = load_group(PROJECT_ROOT / "config" / "group.example.yaml")
    assert group.codes == ["KC", "KB"]
    assert group.warehouse_path == PROJECT_ROOT / "data" / "group" / "warehouse.duckdb"
    warehouses = {company_settings(c).warehouse_path for c in group.companies}
    assert len(warehouses) == 2, "each company has its own warehouse"


@pytest.mark.parametrize(
    ("change", "says"),
    [
        (lambda t: t.replace("code: A,", "code: a b,"), "key 'companies.0.code' ({file}): String should match"),
        (lambda t: t.replace("code: B,", "code: A,"), "key 'companies.1.code' ({file}): A is also companies.0"),
        (lambda t: t.replace("name: Test group\n", ""), "key 'name' ({file}): Field required"),
        (lambda t: t + "colour: blue\n", "key 'colour' ({file}): Extra inputs are not permitted (got 'blue')"),
        (lambda t: t.replace("companies:\n", "currency: rupiah\ncompanies:\n"), "key 'currency' ({file})"),
        (lambda t: t.replace("companies:\n", "timezone: Mars/Base\ncompanies:\n"), "unknown time zone 'Mars/Base'"),
        (lambda t: t.replace("companies:\n", "nightly_cron: daily\ncompanies:\n"), "is not a five-field cron"),
        (lambda t: t.replace("{company: B, vendor_id: V-B}", "{company: Q, vendor_id: V-B}"),
         "key 'companies.0.intercompany_vendors.0.company' ({file}): no company 'Q' in the group (companies: A, B)"),
        (lambda t: t.replace("{company: B, vendor_id: V-B}", "{company: A, vendor_id: V-B}"),
         "key 'companies.0.intercompany_vendors.0.company' ({file}): A cannot be a supplier of itself"),
        (lambda t: t.replace("{company: B, vendor_id: V-B}", "{company: B}"),
         "key 'companies.0.intercompany_vendors.0' ({file}): needs vendor_id or vendor_name"),
        (lambda t: t.replace("b/kinerja.yaml", "missing/kinerja.yaml"),
         "key 'companies.1.settings' ({file}): settings file {root}/missing/kinerja.yaml does not exist"),
        (lambda t: t.replace("b/kinerja.yaml", "a/kinerja.yaml"),
         "key 'companies.1.settings' ({file}): {root}/a/kinerja.yaml is also the settings of A"),
        (lambda t: t.split("companies:")[0] + "companies: []\n", "key 'companies' ({file}): lists no company"),
    ],
)  # fmt: skip
def test_each_mistake_is_named_with_its_key_and_file(tmp_path, change, says):
    path = _group_file(tmp_path, change(_valid(tmp_path)))
    with pytest.raises(GroupError) as raised:
        load_group(path)
    assert says.format(file=path, root=tmp_path) in str(raised.value)


def test_no_group_file_a_missing_one_and_one_that_is_not_a_mapping(tmp_path):
    with pytest.raises(GroupError, match="no group file: set KINERJA_GROUP_CONFIG or pass --group FILE"):
        load_group(environ={})
    with pytest.raises(GroupError, match=f"group file {tmp_path / 'nope.yaml'} does not exist"):
        load_group(environ={"KINERJA_GROUP_CONFIG": str(tmp_path / "nope.yaml")})
    with pytest.raises(GroupError, match="must be a mapping"):
        load_group(_group_file(tmp_path, "- a list\n"))
    with pytest.raises(GroupError, match="is not valid YAML"):
        load_group(_group_file(tmp_path, "name: [unclosed\n"))


def test_relative_paths_resolve_against_the_folder_that_holds_config(tmp_path):
    (tmp_path / "config").mkdir()
    _settings_file(tmp_path / "config" / "x")
    path = tmp_path / "config" / "group.yaml"
    path.write_text("name: G\ncompanies:\n  - {code: X, name: X, settings: config/x/kinerja.yaml}\n", encoding="utf-8")
    group = load_group(path)
    assert group.warehouse_path == tmp_path / "data" / "group" / "warehouse.duckdb"
    assert group.company("X").settings == tmp_path / "config" / "x" / "kinerja.yaml"


def test_a_companys_settings_are_its_files_alone(tmp_path, monkeypatch):
    group = load_group(_group_file(tmp_path, _valid(tmp_path)))
    monkeypatch.setenv("KINERJA_WAREHOUSE_PATH", str(tmp_path / "elsewhere.duckdb"))
    assert company_settings(group.company("A")).warehouse_path == tmp_path / "a" / "warehouse.duckdb"
    env = child_environment(group.company("A"), {
        "PATH": "/bin", "KINERJA_WAREHOUSE_PATH": "/x.duckdb", "KINERJA_CONFIG": "/other.yaml",
        "KINERJA_SMTP_PASSWORD": "secret", "KINERJA_LOG_LEVEL": "INFO", "DAGSTER_HOME": "/dagster",
    })  # fmt: skip
    assert env == {
        "PATH": "/bin", "KINERJA_SMTP_PASSWORD": "secret", "KINERJA_LOG_LEVEL": "INFO",
        "KINERJA_CONFIG": str(tmp_path / "a" / "kinerja.yaml"), "KINERJA_GROUP_COMPANY": "A",
    }  # fmt: skip


# -- one refresh of a company at a time -------------------------------------------------------------------------


def test_a_second_hold_of_a_company_fails_at_once_naming_the_holder(tmp_path):
    from pipelines.warehouse import lock_path, run_lock

    group = load_group(_group_file(tmp_path, _valid(tmp_path)))
    company = group.company("A")
    settings = company_settings(company)
    assert company_busy(settings) is None
    with company_lock(company, settings):
        assert lock_holder(group_lock_path(settings)) == os.getpid()
        assert company_busy(settings) == f"a group run (process {os.getpid()})"
        with pytest.raises(CompanyBusy) as raised, company_lock(company, settings):
            pass
        assert str(raised.value).startswith(
            f"company A (PT A) is already being refreshed by another group run (process {os.getpid()}; lock "
            f"{group_lock_path(settings)})"
        )
        with company_lock(group.company("B"), company_settings(group.company("B"))):  # another company: free
            pass
    assert company_busy(settings) is None
    with run_lock(lock_path(settings)):  # a night started by other means (kinerja run, a scheduled run)
        assert company_busy(settings) == f"a night (process {os.getpid()})"
        busy = pytest.raises(CompanyBusy, match=r"is already being refreshed: a night of it is running")
        with busy, company_lock(company, settings):
            pass
    with company_lock(company, settings):  # both let go
        pass


# -- consolidation, worked out by hand ---------------------------------------------------------------------------

# Company X: headcount 10 and 11, payroll 100 and 120, spend 50 (Jan) and 70 (Feb); of it intercompany to Y:
# Jan 30 (vendor id GRP-Y), Feb 25 (GRP-Y, its name PT Yankee matching a second entry: counted once) + 5 (no id,
# "pt   yankee" by name); a December line to GRP-Y lies outside the reporting window. A look-alike (Yankee Candle)
# is not intercompany.
X_LINES = [
    (DEC, "GRP-Y", "PT Yankee", 99.0),
    (JAN, "V1", "Acme", 20.0),
    (JAN, "GRP-Y", "PT Yankee", 30.0),
    (FEB, "GRP-Y", "PT Yankee", 25.0),
    (FEB, "V1", "Acme", 34.0),
    (FEB, "V2", "PT Yankee Candle", 6.0),
    (FEB, None, " pt   yankee ", 5.0),
]
# Company Y: headcount 5 and 6, payroll 50 and 60; its spend starts in February: 8, all of it to X (vendor id X-1).
Y_LINES = [(FEB, "X-1", "PT Xray", 8.0)]


def _published_night(folder: Path, kpis: list[tuple], lines: list[tuple]) -> None:
    """A read copy as a night publishes it, with the tables consolidation reads."""
    folder.mkdir(parents=True, exist_ok=True)
    with duckdb.connect(str(folder / "warehouse.read.duckdb")) as con:
        con.execute("create schema marts; create schema core")
        con.execute(
            "create table marts.kpi_values (period date, department_id varchar, kpi_code varchar, value double, "
            "numerator double, denominator double, unit varchar, group_size double, is_small_group boolean)"
        )
        con.executemany("insert into marts.kpi_values values (?, ?, ?, ?, null, null, 'x', 10, false)", kpis)
        con.execute("create table marts.kpi_registry (code varchar, is_additive boolean)")
        con.execute(
            "insert into marts.kpi_registry values ('headcount_period_end', true), ('payroll_cost_total_idr', true), "
            "('spend_total', true), ('turnover_rate_monthly_pct', false)"
        )
        con.execute("create table core.dim_period as select unnest([date '2025-01-01', date '2025-02-01']) as period")
        con.execute(
            "create table core.fct_spend_transaction (period date, vendor_id varchar, vendor_name varchar, "
            "amount_idr decimal(18, 2))"
        )
        if lines:
            con.executemany("insert into core.fct_spend_transaction values (?, ?, ?, ?)", lines)


def _kpis(headcount, payroll, spend, extra=()) -> list[tuple]:
    rows = [(p, "ALL", "headcount_period_end", v) for p, v in zip((JAN, FEB), headcount, strict=True)]
    rows += [(p, "ALL", "payroll_cost_total_idr", v) for p, v in zip((JAN, FEB), payroll, strict=True)]
    rows += [(p, "ALL", "spend_total", v) for p, v in spend]
    return rows + list(extra)


@pytest.fixture
def published_group(tmp_path):
    folders = {code: tmp_path / code.lower() for code in "XYZW"}
    files = {code: _settings_file(folder, "USD" if code == "W" else "IDR") for code, folder in folders.items()}
    extra = [(FEB, "D1", "headcount_period_end", 4.0), (FEB, "ALL", "turnover_rate_monthly_pct", 2.5)]
    _published_night(folders["X"], _kpis((10, 11), (100, 120), [(JAN, 50), (FEB, 70)], extra), X_LINES)
    _published_night(folders["Y"], _kpis((5, 6), (50, 60), [(FEB, 8)]), Y_LINES)
    _published_night(folders["W"], _kpis((1, 1), (9, 9), []), [])
    body = (
        f"name: G\nwarehouse_path: {tmp_path / 'group' / 'warehouse.duckdb'}\ncompanies:\n"
        f"  - {{code: X, name: PT Xray, settings: {files['X']}, intercompany_vendors: [{{company: Y, vendor_id: "
        "GRP-Y}, {company: Y, vendor_name: PT  YANKEE}]}\n"
        f"  - {{code: Y, name: PT Yankee, settings: {files['Y']}, intercompany_vendors: [{{company: X, vendor_id: "
        "X-1}]}\n"
        f"  - {{code: Z, name: PT Zulu, settings: {files['Z']}}}\n"
        f"  - {{code: W, name: PT Whiskey, settings: {files['W']}}}\n"
    )
    return load_group(_group_file(tmp_path, body))


def test_consolidation_sums_the_companies_and_leaves_out_intercompany_lines(published_group):
    result = consolidate(published_group)
    assert result.consolidated == ["X", "Y"]
    assert result.periods == [JAN, FEB]
    assert published_group.warehouse_path.stat().st_mode & 0o777 == 0o600  # private_files (default on)
    with duckdb.connect(str(published_group.warehouse_path), read_only=True) as con:
        values = con.execute(
            "select period, kpi_code, value, value_before_intercompany, intercompany_excluded, n_companies, companies "
            "from marts.group_kpi_values order by 1, 2"
        ).fetchall()
        intercompany = con.execute(
            "select company_code, counterparty_code, period, vendor_id, vendor_name, n_lines, amount "
            "from marts.intercompany_spend order by all"
        ).fetchall()
        rows = con.execute("select count(*) from marts.company_kpi_values").fetchone()[0]
    assert values == [
        (JAN, "headcount_period_end", 15, 15, 0, 2, ["X", "Y"]),
        (JAN, "payroll_cost_total_idr", 150, 150, 0, 2, ["X", "Y"]),
        (JAN, "spend_total", 20, 50, 30, 1, ["X"]),  # Y had no spend yet: counted as no company, not as 0
        (FEB, "headcount_period_end", 17, 17, 0, 2, ["X", "Y"]),  # X's department D1 is not added again
        (FEB, "payroll_cost_total_idr", 180, 180, 0, 2, ["X", "Y"]),
        (FEB, "spend_total", 40, 78, 38, 2, ["X", "Y"]),  # 70 + 8 - (25 + 5 from X to Y) - (8 from Y to X)
    ]
    assert intercompany == [
        ("X", "Y", JAN, "GRP-Y", "PT YANKEE", 1, 30),
        ("X", "Y", FEB, "GRP-Y", "PT YANKEE", 1, 25),
        ("X", "Y", FEB, None, "PT YANKEE", 1, 5),
        ("Y", "X", FEB, "X-1", "PT XRAY", 1, 8),
    ]
    assert rows == 8 + 5  # every KPI value of X (with a department row and a non-additive KPI) and of Y
    assert result.newest == {
        "headcount_period_end": (17, 0),
        "payroll_cost_total_idr": (180, 0),
        "spend_total": (40, 38),
    }


def test_companies_that_cannot_be_consolidated_are_named_with_the_reason(published_group):
    result = consolidate(published_group)
    assert result.missing == {
        "Z": "no published night yet (kinerja group run --company Z)",
        "W": "reports in USD, the group in IDR: KPI values are not converted between currencies",
    }
    with duckdb.connect(str(published_group.warehouse_path), read_only=True) as con:
        dim = con.execute(
            "select company_code, currency, is_consolidated, published_night is not null, not_consolidated_reason "
            "from marts.dim_company order by company_code"
        ).fetchall()
        meta = con.execute(
            "select group_name, companies_consolidated, companies_missing from meta.consolidation"
        ).fetchone()
        codes = con.execute("select distinct company_code from marts.company_kpi_values order by 1").fetchall()
    assert dim == [
        ("W", "USD", False, False, result.missing["W"]),
        ("X", "IDR", True, True, None),
        ("Y", "IDR", True, True, None),
        ("Z", "IDR", False, False, result.missing["Z"]),
    ]
    assert meta == ("G", ["X", "Y"], ["W", "Z"])
    assert codes == [("X",), ("Y",)]


def test_nothing_to_consolidate_leaves_the_group_warehouse_as_it_was(published_group, tmp_path):
    consolidate(published_group)
    before = published_group.warehouse_path.read_bytes()
    for code in "XY":
        (tmp_path / code.lower() / "warehouse.read.duckdb").unlink()
    with pytest.raises(ConsolidationError, match=r"no company of the group could be consolidated \(X: no published"):
        consolidate(published_group)
    assert published_group.warehouse_path.read_bytes() == before
    assert not list(published_group.warehouse_path.parent.glob(".*.tmp"))


def test_the_consolidation_kpis_are_data():
    assert group_kpis() == [
        ("headcount_period_end", "none"), ("payroll_cost_total_idr", "none"), ("spend_total", "spend_transactions")
    ]  # fmt: skip
    registry = {e.code: e for e in __import__("assets.kpi.registry", fromlist=["x"]).load_registry()}
    for code, _ in group_kpis():
        assert registry[code].additive, f"{code}: only additive KPIs can be summed across companies"


# -- the Dagster jobs --------------------------------------------------------------------------------------------


def _stand_in_night(monkeypatch, code: str) -> None:
    """The night a partition starts, replaced by a short process that prints what it was given and exits."""
    import pipelines.group as group_module

    monkeypatch.setattr(group_module, "NIGHT_COMMAND", [sys.executable, "-c", code])


def _failure(result) -> str:
    events = [e for e in result.all_events if e.is_step_failure]
    assert events, "the run did not fail"
    return events[0].event_specific_data.error.cause.message if events[0].event_specific_data.error.cause else (
        events[0].event_specific_data.user_failure_data.description)  # fmt: skip


def test_a_partition_runs_its_companys_night_with_that_companys_settings(tmp_path, monkeypatch):
    from pipelines.group_jobs import build_group_jobs

    path = _group_file(tmp_path, _valid(tmp_path))
    monkeypatch.setenv("KINERJA_WAREHOUSE_PATH", str(tmp_path / "one-for-all.duckdb"))
    _stand_in_night(
        monkeypatch, "import os; print(os.environ['KINERJA_CONFIG'], os.environ.get('KINERJA_WAREHOUSE_PATH'))"
    )
    company_refresh, _ = build_group_jobs(path, load_group(path))
    assert company_refresh.partitions_def.get_partition_keys() == ["A", "B"]
    result = company_refresh.execute_in_process(partition_key="B")
    assert result.success
    logs = sorted((tmp_path / "b" / "logs").glob("group-run-*.log"))
    assert [p.read_text() for p in logs] == [f"{tmp_path / 'b' / 'kinerja.yaml'} None\n"]


def test_a_partition_fails_with_the_nights_error(tmp_path, monkeypatch):
    from pipelines.group_jobs import build_group_jobs

    path = _group_file(tmp_path, _valid(tmp_path))
    _stand_in_night(monkeypatch, "print('steps that failed (the rest of the night went on): core/fct_x'); exit(1)")
    company_refresh, _ = build_group_jobs(path, load_group(path))
    result = company_refresh.execute_in_process(partition_key="A", raise_on_error=False)
    assert not result.success
    failure = result.failure_data_for_node("refresh_company")
    assert failure.user_failure_data.description.startswith("A (PT A): FAILED in ")
    assert "(exit 1): steps that failed (the rest of the night went on): core/fct_x; its output: " in (
        failure.user_failure_data.description)  # fmt: skip


def test_a_partition_of_a_company_being_refreshed_fails_at_once(tmp_path, monkeypatch):
    from pipelines.group_jobs import build_group_jobs

    path = _group_file(tmp_path, _valid(tmp_path))
    group = load_group(path)
    _stand_in_night(monkeypatch, "raise SystemExit('the night must not start')")
    company_refresh, _ = build_group_jobs(path, group)
    with company_lock(group.company("A"), company_settings(group.company("A"))):
        result = company_refresh.execute_in_process(partition_key="A", raise_on_error=False)
    assert not result.success
    text = result.failure_data_for_node("refresh_company").user_failure_data.description
    assert text.startswith("A (PT A): not run: company A (PT A) is already being refreshed by another group run")
    assert not (tmp_path / "a" / "logs").exists()


def test_the_consolidation_job_fails_when_no_company_has_a_published_night(tmp_path):
    from pipelines.group_jobs import build_group_jobs

    path = _group_file(tmp_path, _valid(tmp_path))
    _, consolidation = build_group_jobs(path, load_group(path))
    result = consolidation.execute_in_process(raise_on_error=False)
    assert not result.success
    text = result.failure_data_for_node("consolidate_group").user_failure_data.description
    assert text.startswith("no company of the group could be consolidated (A: no published night yet")


def test_without_a_group_file_there_are_no_group_jobs():
    from pipelines.group_jobs import configured_group, group_definitions

    assert configured_group({}) is None
    assert group_definitions({}) is None


# -- the command line --------------------------------------------------------------------------------------------


def test_the_group_commands_name_every_default():
    import argparse

    top = next(a for a in build_parser()._actions if isinstance(a, argparse._SubParsersAction))
    group = next(a for a in top.choices["group"]._actions if isinstance(a, argparse._SubParsersAction))
    assert set(group.choices) == {"run", "consolidate", "status"}
    for name, parser in group.choices.items():
        for action in parser._actions:
            if action.option_strings and not isinstance(action, argparse._HelpAction):
                text = parser._get_formatter()._expand_help(action)
                assert "(default: " in text, f"kinerja group {name} {action.option_strings[0]}: {text!r}"
        assert "`" not in parser.format_help()


def test_an_unknown_company_or_a_bad_group_file_is_one_line_and_exit_code_2(tmp_path, capsys):
    path = _group_file(tmp_path, _valid(tmp_path))
    assert main(["group", "run", "--group", str(path), "--company", "Q"]) == 2
    assert capsys.readouterr().err == f"unknown company Q: the companies of {path} are A, B\n"
    bad = _group_file(tmp_path, "name: G\n")
    assert main(["group", "status", "--group", str(bad)]) == 2
    assert "key 'companies' (" in capsys.readouterr().err


def test_status_says_where_each_company_stands(tmp_path, capsys):
    path = _group_file(tmp_path, _valid(tmp_path))
    assert main(["group", "status", "--group", str(path)]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0] == f"group Test group ({path}): 2 companies, reporting in IDR"
    assert out[1] == f"  A  PT A (IDR); no published night yet; settings {tmp_path / 'a' / 'kinerja.yaml'}"
    assert out[3] == f"group warehouse {tmp_path / 'group.duckdb'}: not consolidated yet (kinerja group consolidate)"


def test_a_company_with_invalid_settings_is_not_run_and_says_why(tmp_path, capsys):
    path = _group_file(tmp_path, _valid(tmp_path))
    (tmp_path / "b" / "kinerja.yaml").write_text("language: xx\n", encoding="utf-8")
    assert main(["group", "run", "--group", str(path), "--company", "B"]) == 1
    out = capsys.readouterr().out
    assert f"  B  not run: invalid settings: setting 'language' ({tmp_path / 'b' / 'kinerja.yaml'}): " in out
    assert "no night ran, so nothing new to consolidate" in out
    assert main(["group", "status", "--group", str(path)]) == 0
    assert f"  B  PT B: invalid settings {tmp_path / 'b' / 'kinerja.yaml'}: invalid settings: setting 'language'" in (
        capsys.readouterr().out
    )
