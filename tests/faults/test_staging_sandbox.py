"""Defect: contract SQL (row rules, expr, negate_when) ran in a connection that could read any file: only the
parser allow-list (tests/faults/test_contract_sql.py) stood between a contract and /etc/passwd. Now the nightly
run stages in a connection with DuckDB's external access disabled and its configuration locked
(assets/ingest/staging.py, ``stage_contract``): with the allow-list bypassed (the contract loaded without
validation and staged directly), a file-reading rule fails with a permission error and reads nothing."""

from __future__ import annotations

import duckdb
import pytest
from fixtures.contracts import acme_staff, write_contract

from assets.ingest.contracts import load_contract
from assets.ingest.loader import ingest_contract
from assets.ingest.staging import build_staging, stage_contract
from pipelines.resources import isolated_connection

CONTRACT = acme_staff("""
    files: ["hr/*.csv"]
    columns:
      employee_id: {{aliases: [id]}}
      home: {{expr: "{expr}"}}
    row_rules:
      - name: sneaky
        sql: "{sql}"
        reason: never mind
""")
READS = [
    ("(select count(*) from read_text('/etc/passwd')) > 0", "'x'"),
    ("not exists (select 1 from read_text('/etc/passwd') where content like 'root:%')", "'x'"),
    ("employee_id not in (select column0 from read_csv('/etc/passwd', header := false))", "'x'"),
]


def warehouse(tmp_path, rule: str, expr: str):
    landing = tmp_path / "landing"
    (landing / "hr").mkdir(parents=True)
    (landing / "hr" / "staff.csv").write_text("id\nE1\nE2\n", encoding="utf-8")
    # loaded without contract_problems(): the allow-list is bypassed
    contract = load_contract(write_contract(tmp_path, CONTRACT.format(sql=rule, expr=expr)))
    database = tmp_path / "warehouse.duckdb"
    with duckdb.connect(str(database)) as con:
        [outcome] = ingest_contract(con, contract, landing)
        assert outcome.status == "loaded"
    return database, contract


@pytest.mark.parametrize(("rule", "expr"), READS)
def test_contract_sql_cannot_read_files_when_staged(tmp_path, rule, expr):
    database, contract = warehouse(tmp_path, rule, expr)
    with pytest.raises(duckdb.PermissionException, match="disabled by configuration"):
        stage_contract(database, contract)
    with duckdb.connect(str(database), read_only=True) as con:
        tables = {
            t for (t,) in con.execute("select table_name from duckdb_tables() where schema_name='staging'").fetchall()
        }
    assert tables == set(), "nothing was staged"


def test_without_the_isolation_the_same_rule_reads_the_file(tmp_path):
    """What the isolation stops: the same contract staged in an ordinary connection reads /etc/passwd."""
    database, contract = warehouse(tmp_path, *READS[1])
    with duckdb.connect(str(database)) as con:
        build_staging(con, contract)
        rules = [r for (r,) in con.execute("select rule from quarantine.acme__staff").fetchall()]
    assert rules == ["sneaky", "sneaky"], "the rule read /etc/passwd and found root in it"


def test_the_isolated_connection_cannot_be_opened_up(tmp_path):
    with isolated_connection(tmp_path / "w.duckdb") as con:
        for statement in ("set enable_external_access = true", "set lock_configuration = false"):
            with pytest.raises(duckdb.Error):
                con.execute(statement)
        with pytest.raises(duckdb.Error):
            con.execute("copy (select 1) to '/tmp/kinerja-sandbox-probe.csv'")
        assert con.execute("select 1").fetchall() == [(1,)]


def test_a_clean_contract_stages_in_the_isolated_connection(tmp_path):
    database, contract = warehouse(tmp_path, "employee_id is not null", "upper(employee_id)")
    result = stage_contract(database, contract)
    assert (result.rows_staged, result.rows_quarantined) == (2, 0)
