"""`kinerja validate-contracts` compiles each contract and runs it over the real header and a sample of the rows
of its files (issue 12): a required column the header lacks (with every header name), a rule or expression that
does not bind or run, a date format that reads nothing, two-digit years without a century, dates that read both
day-first and month-first; and it refuses what would otherwise validate and then fail the night: two contracts
of one system and entity, min above max, no file pattern."""

from __future__ import annotations

import textwrap
from pathlib import Path

import dagster as dg
import pytest
from dagster_duckdb import DuckDBResource
from fixtures.contracts import acme_staff, write_contract

from assets.canonical.catalog import RATES_FILE
from assets.ingest.contracts import ContractError, load_contract
from assets.ingest.validate import contract_problems, sample_report

BASE = acme_staff("""
files: ["hr/staff*.csv"]
primary_key: [employee_id]
columns:
  employee_id: {required: true, aliases: [id]}
  age: {type: integer}
  hire_date: {type: date, formats: ["%d/%m/%Y"]}
""")
HEADER = "id,age,hire_date\n"


@pytest.fixture
def project(tmp_path, monkeypatch):
    """A contracts folder and a landing folder, with the settings pointed at them."""
    from pipelines import settings as settings_module

    contracts, landing = tmp_path / "contracts", tmp_path / "landing"
    contracts.mkdir()
    (landing / "hr").mkdir(parents=True)
    for key, value in {
        "CONTRACTS_DIR": contracts, "LANDING_DIR": landing, "WAREHOUSE_PATH": tmp_path / "w.duckdb",
        "REPORTS_DIR": tmp_path / "reports", "ANSWER_KEY_DIR": tmp_path / "answer_key",
    }.items():  # fmt: skip
        monkeypatch.setenv(f"KINERJA_{key}", str(value))
    settings_module.get_settings.cache_clear()
    yield contracts, landing
    settings_module.get_settings.cache_clear()


def write(contracts: Path, text: str, name: str = "acme__staff.yaml", extra: str = "") -> Path:
    return write_contract(contracts, text + textwrap.dedent(extra), name)


def validate(capsys) -> tuple[int, str]:
    from pipelines.cli import main

    code = main(["validate-contracts"])
    return code, capsys.readouterr().out


def validate_staff(project, capsys, rows: str | None = None, text: str = BASE, extra: str = "") -> tuple[int, str]:
    """Write the contract (``text`` and ``extra``) and, given ``rows``, the file hr/staff_2024.csv (HEADER and the
    rows); then run `kinerja validate-contracts`."""
    contracts, landing = project
    write(contracts, text, extra=extra)
    if rows is not None:
        (landing / "hr" / "staff_2024.csv").write_text(HEADER + rows)
    return validate(capsys)


def test_a_clean_contract_is_checked_on_its_files(project, capsys):
    code, out = validate_staff(project, capsys, "E1,30,25/12/2020\nE2,41,01/02/2021\n")
    assert code == 0
    assert "ok      acme__staff.yaml: 3 columns -> staging.stg_acme__staff only; checked on 2 row(s) of its file" in out
    assert "WARN" not in out


def test_without_files_the_rows_are_not_checked(project, capsys):
    code, out = validate_staff(project, capsys)
    assert code == 0 and "header and rows not checked" in out


def test_a_header_without_a_required_column_lists_every_header_name(project, capsys):
    contracts, landing = project
    write(contracts, BASE)
    names = [f"col_{i}" for i in range(20)]  # more than 12: every one is listed
    (landing / "hr" / "staff_2024.csv").write_text(",".join(["emp", *names]) + "\n" + ",".join(["E1"] * 21) + "\n")
    code, out = validate(capsys)
    assert code == 1
    line = next(x for x in out.splitlines() if "no column for required" in x)
    assert line.startswith("INVALID contract acme__staff.yaml: file hr/staff_2024.csv: no column for required")
    assert "['employee_id']" in line and "employee_id: ['employee_id', 'id']" in line
    assert "its header has 21 column(s)" in line and "'col_19'" in line and "'emp'" in line


@pytest.mark.parametrize(
    ("rule", "expected"),
    [
        ("hire_date > 5", "Cannot compare values of type DATE"),
        ("nosuchfn(age) > 1", "nosuchfn does not exist"),
    ],
)
def test_a_row_rule_that_does_not_bind_is_invalid_before_any_file_lands(project, capsys, rule, expected):
    code, out = validate_staff(project, capsys, extra=f'row_rules:\n  - {{name: check, sql: "{rule}", reason: r}}\n')
    assert code == 1
    assert (
        f"INVALID contract acme__staff.yaml: row rule 'check': '{rule}' does not run on the contract's columns" in out
    )
    assert expected in out


def test_an_unknown_column_is_named(project, capsys):
    code, out = validate_staff(
        project, capsys, extra='row_rules:\n  - {name: adult, sql: "agee > 16", reason: too young}\n'
    )
    assert code == 1 and "names column 'agee', which the contract does not have" in out


def test_a_rule_that_fails_on_the_files_values_is_invalid(project, capsys):
    extra = """
    row_rules:
      - {name: numeric_id, sql: "cast(employee_id as integer) > 0", reason: ids are numbers}
    """
    code, out = validate_staff(project, capsys, "17,30,25/12/2020\nE2,41,13/02/2021\n", extra=extra)
    assert code == 1
    assert "INVALID contract acme__staff.yaml: row rule 'numeric_id'" in out
    assert "does not run on the sampled rows: Conversion Error" in out and "'E2'" in out


def test_a_date_format_that_reads_none_of_the_values_is_invalid(project, capsys):
    code, out = validate_staff(project, capsys, "E1,30,2020-12-25\nE2,41,2021-02-13\n")
    assert code == 1
    assert "column 'hire_date': none of the 2 sampled values reads with formats ['%d/%m/%Y']" in out


def test_a_format_duckdb_cannot_read_is_invalid(project, capsys):
    code, out = validate_staff(project, capsys, text=BASE.replace('["%d/%m/%Y"]', '["%m/%d/%Q"]'))
    assert code == 1 and "columns.hire_date" in out and "'%m/%d/%Q' is not a strptime format" in out


def test_two_digit_years_without_a_century_show_the_files_values(project, capsys):
    two_digit_years = BASE.replace('["%d/%m/%Y"]', '["%m/%d/%y"]')
    code, out = validate_staff(project, capsys, "E1,30,6/23/52\nE2,41,1/2/70\n", text=two_digit_years)
    assert code == 1
    lines = [x for x in out.splitlines() if x.startswith("INVALID")]
    assert "columns.hire_date" in lines[0] and "century_start" in lines[0]
    assert "column 'hire_date': 2 value(s) have a two-digit year, read as 1970..2052 by default" in lines[1]
    assert "6/23/52 (2052 or 1952?)" in lines[1]


def test_dates_reading_both_ways_are_a_warning(project, capsys):
    """A month-first file whose days are all 12 or less, under a day-first contract."""
    code, out = validate_staff(project, capsys, "E1,30,01/02/2020\nE2,41,03/04/2021\n")
    assert code == 0
    warn = next(x for x in out.splitlines() if x.startswith("WARN"))
    assert "hr/staff_2024.csv: every one of the 2 values of hire_date reads with %d/%m/%Y and also with %m/%d/%Y" in (
        warn
    )
    assert "'01/02/2020', '03/04/2021'" in warn


def test_the_sample_is_the_first_rows_of_up_to_three_files(project):
    contracts, landing = project
    path = write(contracts, BASE)
    for month in range(1, 6):
        rows = "".join(f"E{month}_{i},30,25/12/2020\n" for i in range(1500))
        (landing / "hr" / f"staff_2024-0{month}.csv").write_text(HEADER + rows)
    report = sample_report(load_contract(path), landing)
    assert report.files == 5
    assert report.sampled == ["hr/staff_2024-01.csv", "hr/staff_2024-03.csv", "hr/staff_2024-05.csv"]
    assert report.rows == 3000 and not report.problems and not report.warnings


# -- what the contract itself refuses ---------------------------------------------------------------------------
def test_two_contracts_of_one_system_and_entity_the_second_is_refused(project, capsys):
    contracts, landing = project
    write(contracts, BASE)
    write(contracts, BASE, name="hr_staff_copy.yaml")
    (landing / "hr" / "staff_2024.csv").write_text(HEADER + "E1,30,25/12/2020\n")
    code, out = validate(capsys)
    assert code == 1
    assert "ok      acme__staff.yaml" in out
    assert (
        "INVALID contract hr_staff_copy.yaml: system 'acme' and entity 'staff' are already those of acme__staff.yaml"
        in out
    )


def test_a_duplicate_gets_a_failing_asset_and_the_definitions_still_load(project):
    """Before: both validated, and the definitions died with "Duplicate asset check key"."""
    from assets.ingest.assets import staging_assets, usable_contract
    from checks.asset_checks import suite_asset_checks
    from checks.ingest import build_source_checks
    from checks.staging import staging_suites

    contracts, _ = project
    write(contracts, BASE)
    copy = write(contracts, BASE, name="hr_staff_copy.yaml")
    contract, problem = usable_contract(copy)
    assert contract is None and "already those of acme__staff.yaml" in problem
    assert usable_contract(contracts / "acme__staff.yaml")[0] is not None
    suites = staging_suites()
    assert [s.table for s in suites] == ["staging.stg_acme__staff"]
    defs = dg.Definitions(
        resources={"duckdb": DuckDBResource(database=str(contracts.parent / "w.duckdb"))},
        assets=staging_assets(),
        asset_checks=[step for s in suites for step in suite_asset_checks(s)]
        + [build_source_checks(p) for p in sorted(contracts.glob("*.yaml"))],
    )
    dg.Definitions.validate_loadable(defs)
    keys = {key.to_user_string() for key in defs.resolve_asset_graph().get_all_asset_keys()}
    assert keys == {"staging/stg_acme__staff", "staging/stg_hr_staff_copy"}


def test_min_above_max_and_no_file_pattern_are_refused(tmp_path):
    bad = {
        "min": BASE.replace("age: {type: integer}", "age: {type: integer, min: 70, max: 16}"),
        "files": BASE.replace('files: ["hr/staff*.csv"]', "files: []"),
    }
    for key, text in bad.items():
        path = write(tmp_path, text)
        with pytest.raises(ContractError) as raised:
            load_contract(path)
        expected = "min 70 is greater than max 16" if key == "min" else "files: Value error, list at least one file"
        assert expected in str(raised.value)


def test_numbers_in_allowed_values_are_accepted_and_compared_as_numbers(project, con):
    from assets.ingest.loader import ingest_contract
    from assets.ingest.staging import build_staging
    from checks.spec import contract_checks

    contracts, landing = project
    path = write(contracts, BASE.replace("age: {type: integer}", "age: {type: integer, allowed_values: [30, 41]}"))
    contract = load_contract(path)
    assert contract.columns["age"].allowed_values == ["30", "41"]
    in_set = next(c for c in contract_checks(contract) if c.name == "validity_age")
    assert in_set.values == (30, 41)
    rows = "E1,030,25/12/2020\nE2,41.0,01/02/2021\nE3,29,1/1/2020\nE4,41.5,1/1/2020\n"
    (landing / "hr" / "staff_2024.csv").write_text(HEADER + rows)
    ingest_contract(con, contract, landing)
    build_staging(con, contract)
    staged = con.execute("select employee_id, age from staging.stg_acme__staff order by 1").fetchall()
    assert staged == [("E1", 30), ("E2", 41)]  # 030 and 41.0 are the numbers 30 and 41
    rules = dict(con.execute("select _line_no, rule from quarantine.acme__staff").fetchall())
    assert rules == {4: "allowed_values", 5: "type_integer"}  # 29 is not allowed; 41.5 is not a whole number
    read, staged_n, quarantined = con.execute(
        "select rows_read, rows_staged, rows_quarantined from meta.load_manifest"
    ).fetchone()
    assert read == staged_n + quarantined == 4
    text = BASE.replace("age: {type: integer}", "age: {type: integer, allowed_values: [30, x]}")
    with pytest.raises(ContractError, match="'x' is not a number, but the column is integer"):
        load_contract(write(contracts, text))
    with pytest.raises(ContractError, match="is a YAML boolean"):
        load_contract(write(contracts, BASE.replace("age: {type: integer}", "flag: {allowed_values: [yes, no]}")))


def test_every_shipped_contract_compiles(tmp_path):
    root = Path(__file__).resolve().parents[2] / "contracts"
    paths = sorted([*root.glob("demo/*.yaml"), *root.glob("realdata/*.yaml")])
    assert len(paths) >= 20
    for path in paths:
        contract = load_contract(path)
        currency = "USD" if path.parent.name == "realdata" else "IDR"
        assert contract_problems(contract, currency, [RATES_FILE], compile_sql=True) == [], path


@pytest.fixture
def con():
    import duckdb

    connection = duckdb.connect()
    yield connection
    connection.close()


REALDATA = Path(__file__).resolve().parents[3] / "shared" / "realdata"


@pytest.mark.skipif(not REALDATA.is_dir(), reason="the real exports are not beside the project")
def test_the_realdata_contracts_pass_on_their_files():
    root = Path(__file__).resolve().parents[2] / "contracts" / "realdata"
    for path in sorted(root.glob("*.yaml")):
        report = sample_report(load_contract(path), REALDATA)
        assert report.files and report.rows, path
        assert (report.problems, report.warnings) == ([], []), path
