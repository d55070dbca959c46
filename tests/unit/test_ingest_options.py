"""Contract options that change how a value is read: blanks that mean a value, two-digit-year windows."""

from __future__ import annotations

import datetime as dt

from assets.ingest.contracts import load_contract
from assets.ingest.loader import ingest_contract
from assets.ingest.staging import build_staging

CONTRACT = """
entity: people
system: options
domain: hr
description: d
grain: one row per person
files: ["*.csv"]
primary_key: [person_id]
columns:
  person_id: {required: true}
  birth_date: {type: date, formats: ["%m/%d/%y"], century_start: 1930}
  overtime_usd: {type: decimal, default: "0"}
"""


def test_default_and_century_window(tmp_path, con):
    path = tmp_path / "options__people.yaml"
    path.write_text(CONTRACT)
    landing = tmp_path / "landing"
    landing.mkdir()
    # 05/05/51 would be 2051 without the window; 07/10/83 is 1983 either way; 01/02/29 stays 2029 (in window)
    (landing / "people.csv").write_text(
        "person_id,birth_date,overtime_usd\nA,05/05/51,\nB,07/10/83,12.5\nC,01/02/29,\n"
    )
    contract = load_contract(path)
    ingest_contract(con, contract, landing)
    build_staging(con, contract)
    rows = con.execute(
        "select person_id, birth_date, overtime_usd::double from staging.stg_options__people order by 1"
    ).fetchall()
    assert rows == [("A", dt.date(1951, 5, 5), 0.0), ("B", dt.date(1983, 7, 10), 12.5), ("C", dt.date(2029, 1, 2), 0.0)]
