"""`kinerja status` reads a warehouse read-only and says what it holds; `kinerja load --source` loads one source."""

from __future__ import annotations

import datetime as dt

import duckdb
import pytest

from assets.ingest.manifest import ensure_schemas
from pipelines.cli import main

CONTRACT = """
entity: people
system: test
domain: hr
description: d
grain: one row per person
files: ["people/*.csv"]
primary_key: [person_id]
columns:
  person_id: {required: true, aliases: [ID]}
  birth_date: {type: date, aliases: [DOB], formats: ["%Y-%m-%d"]}
"""


@pytest.fixture
def project(tmp_path, monkeypatch):
    """Settings pointed at tmp_path: contracts/, landing/ and warehouse.duckdb."""
    from pipelines import settings as settings_module

    (tmp_path / "contracts").mkdir()
    (tmp_path / "landing").mkdir()
    monkeypatch.setenv("KINERJA_CONTRACTS_DIR", str(tmp_path / "contracts"))
    monkeypatch.setenv("KINERJA_LANDING_DIR", str(tmp_path / "landing"))
    monkeypatch.setenv("KINERJA_WAREHOUSE_PATH", str(tmp_path / "warehouse.duckdb"))
    settings_module.get_settings.cache_clear()
    yield tmp_path
    settings_module.get_settings.cache_clear()


def _manifest_row(con, sha, contract, path, status, read=0, staged=0, quarantined=0, error=None):
    con.execute(
        """
        insert into meta.load_manifest (file_sha256, contract, source_path, rows_read, rows_staged, rows_quarantined,
                                        status, error, loaded_at)
        values (?, ?, ?, ?, ?, ?, ?, ?, ?)
        """,
        [sha, contract, path, read, staged, quarantined, status, error, dt.datetime(2026, 1, 1)],
    )


def _tiny_warehouse(path) -> None:
    with duckdb.connect(str(path)) as con:
        ensure_schemas(con)
        _manifest_row(con, "a1", "hris__employees", "hris/employees.csv", "loaded", 10, 9, 1)
        _manifest_row(con, "a0", "hris__employees", "hris/employees.csv", "superseded", 8, 8, 0)
        _manifest_row(con, "b1", "erp__gl_entries", "finance/gl/2026-01.csv", "loaded", 100, 100, 0)
        _manifest_row(
            con, "b2", "erp__gl_entries", "finance/gl/2026-02.csv", "failed",
            error="finance/gl/2026-02.csv: missing required column 'journal_id' (rule: required_column)",
        )  # fmt: skip
        con.execute(
            """
            create table marts.canonical_coverage as select * from (values
                ('employees', 'employee_id', 9::bigint, 9::bigint, ['hris__employees']),
                ('employees', 'grade', 9, 0, ['hris__employees']),
                ('gl_entries', 'journal_id', 100, 100, ['erp__gl_entries', 'alaska__gl_arsd']))
                t(entity, column_name, n_rows, n_filled, sources)
            """
        )
        con.execute(
            """
            create table marts.kpi_computability as select * from (values
                ('HR01', true, []::varchar[], null::varchar),
                ('PAY03', false, ['employees.grade', 'pay_bands.grade'], 'no grades'))
                t(kpi_code, is_computable, missing_columns, reason)
            """
        )
        con.execute(
            """
            create table marts.rule_computability as select * from (values
                ('R1', false, ['gl_entries.approved_by'], null::varchar),
                ('R2', true, []::varchar[], null))
                t(rule_code, is_computable, missing_columns, reason)
            """
        )


def test_status_reports_sources_entities_kpis_and_rules(project, capsys):
    warehouse = project / "warehouse.duckdb"
    _tiny_warehouse(warehouse)
    assert main(["status"]) == 0
    out = capsys.readouterr().out
    lines = [" ".join(line.split()) for line in out.splitlines()]
    assert "hris__employees 1 0 1 10 9 1" in lines
    assert "erp__gl_entries 1 1 0 100 100 0" in lines
    assert (
        "erp__gl_entries: finance/gl/2026-02.csv: finance/gl/2026-02.csv: missing required column 'journal_id' "
        "(rule: required_column)" in lines
    )
    assert "employees 9 1 of 2 hris__employees" in lines
    assert "gl_entries 100 1 of 1 alaska__gl_arsd, erp__gl_entries" in lines
    assert "computable: 1 of 2" in lines
    assert "PAY03: no grades" in lines
    assert "R1: not computable: needs gl_entries.approved_by" in lines
    with duckdb.connect(str(warehouse)) as con:  # status held no lock once it returned
        assert con.execute("select count(*) from meta.load_manifest").fetchone()[0] == 4


def test_status_says_which_tables_are_absent(project, capsys):
    with duckdb.connect(str(project / "warehouse.duckdb")) as con:
        con.execute("create schema marts")
    assert main(["status"]) == 0
    out = capsys.readouterr().out
    for table in (
        "meta.load_manifest",
        "marts.canonical_coverage",
        "marts.kpi_computability",
        "marts.rule_computability",
    ):
        assert f"{table} does not exist yet" in out


def test_status_without_a_warehouse_is_one_line_and_exit_1(project, capsys):
    assert main(["status"]) == 1
    out = capsys.readouterr().out.strip()
    assert len(out.splitlines()) == 1 and "no warehouse at" in out and "warehouse.duckdb" in out
    assert not (project / "warehouse.duckdb").exists()


def _people(project, name: str, text: str) -> None:
    (project / "landing" / "people").mkdir(exist_ok=True)
    (project / "landing" / "people" / name).write_text(text)


def test_load_one_source_prints_files_counts_and_quarantine_reasons(project, capsys):
    (project / "contracts" / "test__people.yaml").write_text(CONTRACT)
    _people(project, "a.csv", "ID,DOB\nP1,1990-01-31\nP2,31/01/1990\nP1,1991-02-01\n")
    assert main(["load", "--source", "test__people"]) == 0
    out = capsys.readouterr().out
    lines = [" ".join(line.split()) for line in out.splitlines()]
    assert "loaded 3 1 2 people/a.csv" in lines
    assert "staging.stg_test__people: 1 rows; quarantine.test__people: 2 rows" in lines
    assert any(
        line.startswith("type_date birth_date 1 people/a.csv line 3: birth_date: '31/01/1990'") for line in lines
    )
    assert any(line.startswith("primary_key_unique person_id 1 people/a.csv line 4") for line in lines)
    # a second load is a no-op for the same bytes, and a file that cannot be read fails with exit code 3
    _people(project, "b.csv", "Name\nx\n")
    assert main(["load", "--source", "test__people"]) == 3
    lines = [" ".join(line.split()) for line in capsys.readouterr().out.splitlines()]
    assert "unchanged 3 1 2 people/a.csv" in lines
    assert "failed 0 0 0 people/b.csv" in lines
    assert any("error:" in line and "missing required column 'person_id'" in line for line in lines)
    with duckdb.connect(str(project / "warehouse.duckdb"), read_only=True) as con:
        assert con.execute("select count(*) from staging.stg_test__people").fetchone()[0] == 1


def test_load_finds_a_contract_by_its_system_entity_name(project, capsys):
    (project / "contracts" / "people_contract.yaml").write_text(CONTRACT)
    _people(project, "a.csv", "ID,DOB\nP1,1990-01-31\n")
    assert main(["load", "--source", "test__people"]) == 0
    assert "loaded" in capsys.readouterr().out


def test_load_unknown_or_invalid_source_exits_2_and_lists_the_known(project, capsys):
    (project / "contracts" / "test__people.yaml").write_text(CONTRACT)
    (project / "contracts" / "test__broken.yaml").write_text(CONTRACT.replace("type: date", "type: money"))
    assert main(["load", "--source", "nope"]) == 2
    err = capsys.readouterr().err
    assert "unknown source 'nope'" in err and "known sources: test__people" in err and "test__broken" in err
    assert main(["load", "--source", "test__broken"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("INVALID contract") and "columns.birth_date.type" in err
    assert not (project / "warehouse.duckdb").exists()


def test_load_with_no_matching_file_says_so(project, capsys):
    (project / "contracts" / "test__people.yaml").write_text(CONTRACT)
    assert main(["load", "--source", "test__people"]) == 0
    assert "no file under" in capsys.readouterr().out
