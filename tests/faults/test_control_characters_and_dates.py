"""Defect: a text cell holding a NUL byte (or another control character) and a date of year 9999 were staged as
they were: the NUL reached the canonical tables and the pages, and 9999-12-31 counted as a date (a tenure of
eight thousand years). Now a cell with a control character is quarantined (rule control_characters: removing the
code would silently change an id or a key), a date or timestamp outside the plausible range (settings
plausible_date_min / plausible_date_max) is quarantined (rule date_out_of_range), and a placeholder the contract
lists in the column's open_end (9999-12-31: "no end") is staged as null. Rows read = staged + quarantined."""

from __future__ import annotations

import datetime as dt

import pytest
from fixtures.contracts import stage_one_file, write_contract

from assets.ingest.contracts import ContractError, load_contract

CONTRACT = """
    entity: staff
    system: probe
    domain: hr
    description: Staff with dates.
    grain: one row per employee
    files: ["hr/*.csv"]
    primary_key: [employee_id]
    columns:
      employee_id: {required: true}
      name: {}
      hired: {type: date}
      left_on: {type: date, formats: ["%d/%m/%Y"], open_end: [9999-12-31]}
      seen: {type: timestamp}
"""
ROWS = [  # employee_id, name, hired, left_on, seen -> expected rule (None: staged)
    ("E1", "Ani", "2020-01-06", "31/12/9999", "2024-01-01 08:00", None),  # open end: staged, left_on null
    ("E2", "Bu\x00di", "2020-01-06", "", "", "control_characters"),
    ("E3", "Cici\x1b[31m", "2020-01-06", "", "", "control_characters"),
    ("E4", "Dewi", "9999-12-31", "", "", "date_out_of_range"),  # no open_end on hired
    ("E5", "Eko", "0001-01-01", "", "", "date_out_of_range"),
    ("E6", "Fajar", "2020-01-06", "01/01/2300", "", "date_out_of_range"),
    ("E7", "Gita", "2020-01-06", "", "9999-12-31 23:59:59", "date_out_of_range"),
    ("E8", "Hadi\tjr", "1900-01-01", "31/12/2199", "2199-12-31 23:59:59", None),  # tab, range ends: fine
    ("E\x7f9", "Indah", "2020-01-06", "", "", "control_characters"),
]


@pytest.fixture
def staged(tmp_path):
    lines = ["employee_id,name,hired,left_on,seen"] + [",".join(f'"{v}"' for v in row[:5]) for row in ROWS]
    content = ("\n".join(lines) + "\n").encode("utf-8")
    con = stage_one_file(tmp_path, CONTRACT, "probe__staff.yaml", "hr/staff.csv", content)
    yield con
    con.close()


def test_control_characters_and_implausible_dates_are_quarantined(staged):
    con = staged
    rules = dict(con.execute("select _line_no, rule from quarantine.probe__staff").fetchall())
    by_id = {row[0]: row[5] for row in ROWS}
    lines = {i + 2: row[0] for i, row in enumerate(ROWS)}
    assert {lines[n]: rule for n, rule in rules.items()} == {k: v for k, v in by_id.items() if v}
    reasons = [r for (r,) in con.execute("select reason from quarantine.probe__staff order by _line_no").fetchall()]
    assert any("control character U+0000" in r for r in reasons)
    assert any("control character U+001B" in r for r in reasons)
    assert any("outside the plausible range 1900-01-01 to 2199-12-31" in r for r in reasons)
    read, staged_n, quarantined = con.execute(
        "select rows_read, rows_staged, rows_quarantined from meta.load_manifest"
    ).fetchone()
    assert read == len(ROWS) == staged_n + quarantined and quarantined == 7


def test_an_open_end_placeholder_is_staged_as_null(staged):
    rows = dict(con_rows(staged))
    assert rows["E1"] == (dt.date(2020, 1, 6), None)
    assert rows["E8"] == (dt.date(1900, 1, 1), dt.date(2199, 12, 31))
    names = [n for (n,) in staged.execute("select name from staging.stg_probe__staff").fetchall()]
    assert not any("\x00" in n for n in names)


def con_rows(con):
    rows = con.execute("select employee_id, hired, left_on from staging.stg_probe__staff").fetchall()
    return [(i, (h, e)) for i, h, e in rows]


def test_the_range_is_a_setting(tmp_path, monkeypatch):
    from assets.ingest.staging import plausible_dates
    from pipelines import settings as settings_module

    monkeypatch.setenv("KINERJA_PLAUSIBLE_DATE_MAX", "2099-12-31")
    settings_module.get_settings.cache_clear()
    try:
        assert plausible_dates() == (dt.date(1900, 1, 1), dt.date(2099, 12, 31))
    finally:
        settings_module.get_settings.cache_clear()


@pytest.mark.parametrize(
    ("spec", "message"),
    [("{type: string, open_end: ['x']}", "date and timestamp columns only"),
     ("{type: date, open_end: ['31/12/9999']}", "is not an ISO date")],
)  # fmt: skip
def test_open_end_is_checked(tmp_path, spec, message):
    text = CONTRACT.replace('left_on: {type: date, formats: ["%d/%m/%Y"], open_end: [9999-12-31]}', f"left_on: {spec}")
    path = write_contract(tmp_path, text, "probe__staff.yaml")
    with pytest.raises(ContractError, match=message):
        load_contract(path)
