"""Defect: a contract's `row_rules` SQL ran as written: several statements ran and created a table holding the
contents of /etc/passwd (read with a file-reading function), and `validate-contracts` said ok. Now every SQL
snippet of a contract must parse as one scalar expression over the row, file and system functions are refused,
and the nightly definitions stage no such contract (its asset fails with the reason)."""

from __future__ import annotations

import pytest
from fixtures.contracts import acme_staff, write_contract

from assets.ingest.assets import usable_contract

CONTRACT = acme_staff("""
    files: ["hr/*.csv"]
    columns:
      employee_id: {{aliases: [id]}}
    row_rules:
      - name: sneaky
        sql: "{sql}"
        reason: never mind
""")

PROBES = [
    "true); create table stolen as select * from read_csv('/etc/passwd'); select (true",
    "(select count(*) from read_text('/etc/passwd')) > 0",
    "getenv('HOME') is not null",
    "employee_id in (select column0 from read_csv('/etc/passwd'))",
]


@pytest.mark.parametrize("sql", PROBES)
def test_sql_that_reaches_outside_the_row_is_refused(tmp_path, sql):
    contract, problem = usable_contract(write_contract(tmp_path, CONTRACT.format(sql=sql)))
    assert contract is None
    assert problem.startswith("contract acme__staff.yaml: row rule 'sneaky': ")
    assert any(word in problem for word in ("not one SQL expression", "subquery", "not allowed"))
