"""Defect (issue 13, low): page bytes varied between runs of identical inputs (the page data's key order followed
the order the warehouse returned rows in, ties in sorts, the build time of each page). Now every read has a fixed
order, the page data is written with sorted keys, and the only line that differs between two builds of the same
warehouse is the footer naming the run and its time (and assets/status.js, which says the same).

Identical inputs: the same rows inserted in a different order (tests/faults/small_company.py, shuffled), which
is what two loads of the same files can give a multi-threaded warehouse."""

from __future__ import annotations

import datetime as dt
import re

import duckdb
from faults import small_company as company

BUILT_LINE = re.compile(rb"<p data-built>.*?</p>")


def _render(order_seed, out, run_id="0f1e2d3c-run", now=company.NOW) -> dict[str, bytes]:
    con = duckdb.connect()
    try:
        company.build(con, order_seed=order_seed)
        company.render_all(con, company.site_for(con, out, now=now, run_id=run_id))
    finally:
        con.close()
    return {p.relative_to(out).as_posix(): p.read_bytes() for p in sorted(out.rglob("*")) if p.is_file()}


def test_the_same_warehouse_gives_the_same_bytes(tmp_path):
    first = _render(None, tmp_path / "a")
    second = _render(7, tmp_path / "b")  # the same rows, inserted in another order
    third = _render(11, tmp_path / "c")
    assert len(first) > 20 and set(first) == set(second) == set(third)
    different = sorted(name for name in first if not first[name] == second[name] == third[name])
    assert different == [], f"pages differ between identical warehouses: {different}"


def test_only_the_build_line_names_the_run_and_its_time(tmp_path):
    first = _render(None, tmp_path / "a", run_id="aaaaaaaa-1111", now=company.NOW)
    later = _render(5, tmp_path / "b", run_id="bbbbbbbb-2222", now=company.NOW + dt.timedelta(minutes=7))
    assert b"by run aaaaaaaa" in first["overview.html"] and b"by run bbbbbbbb" in later["overview.html"]
    for name in first:
        if name == "assets/status.js":
            assert b'"runId": "aaaaaaaa-1111"' in first[name]
            continue
        assert BUILT_LINE.sub(b"", first[name]) == BUILT_LINE.sub(b"", later[name]), name


def test_the_page_data_is_written_with_sorted_keys(tmp_path):
    pages = _render(3, tmp_path / "a")
    block = re.search(rb'id="kinerja-data">(.*?)</script>', pages["payroll.html"], re.S).group(1)
    keys = re.findall(rb'"([A-Za-z]+)":', block[:400])
    assert keys[:3] == sorted(keys[:3])
