"""Two nights of a company that exports one employee master through its own contract (issue 12): the second night
a truncated re-delivery of the master lands under the same name (20 people cut to 12). It is held: the night still
runs and publishes every page, the first version's 20 rows stay staged and feed the canonical employees, the
manifest says why it is held, and `kinerja run` exits 3. `kinerja accept` then lets it through: the next load
stages the 12 rows in place of the 20."""

from __future__ import annotations

import datetime as dt

import pytest
from fixtures.project import forget_settings, own_company

from pipelines.dagster_storage import ephemeral_instance

pytestmark = pytest.mark.integration

PEOPLE = 20
MONTHS = 3


def master(n: int) -> str:
    lines = ["Staff No,Dept,Start,Leaving Date"]
    for i in range(1, n + 1):
        left = "31/03/2024" if i % 9 == 0 else ""
        lines.append(f"E{i},{'AB'[i % 2]},{1 + i % 27:02d}/01/2024,{left}")
    return "\n".join(lines) + "\n"


def manifest(con) -> list[tuple]:
    return con.execute(
        "select status, rows_read, rows_staged, rows_quarantined, status_reason from meta.load_manifest "
        "where contract = 'acme__staff' order by loaded_at"
    ).fetchall()


@pytest.fixture(scope="module")
def nights(tmp_path_factory):
    import duckdb

    from pipelines.cli import report_run, run_nightly
    from pipelines.definitions import build_definitions

    root = tmp_path_factory.mktemp("held")
    with pytest.MonkeyPatch.context() as mp:
        settings, staff = own_company(mp, root, MONTHS, master(PEOPLE))
        defs = build_definitions()
        instance = ephemeral_instance()
        first = run_nightly(instance=instance, defs=defs)
        first_code = report_run(first, settings)
        with duckdb.connect(str(settings.warehouse_path), read_only=True) as con:
            first_manifest = manifest(con)
        staff.write_text(master(12), encoding="utf-8")  # the truncated re-delivery, same name
        second_started = dt.datetime.now().timestamp()
        second = run_nightly(instance=instance, defs=defs)
        second_code = report_run(second, settings)
        with duckdb.connect(str(settings.warehouse_path), read_only=True) as con:
            state = {
                "manifest": manifest(con),
                "staged": con.execute("select count(*) from staging.stg_acme__staff").fetchone()[0],
                "employees": con.execute(
                    "select count(*) from canonical.employees where _source_contract = 'acme__staff'"
                ).fetchone()[0],
                "checks": dict(
                    con.execute(
                        "select check_name, passed from meta.check_results where table_name = 'staging.stg_acme__staff'"
                        " and run_id = ?",
                        [second.run_id],
                    ).fetchall()
                ),
            }
        yield {
            "settings": settings, "first": first, "first_code": first_code, "first_manifest": first_manifest,
            "second": second, "second_code": second_code, "second_started": second_started, **state,
        }  # fmt: skip
    forget_settings()


def test_the_first_night_loads_everything_and_exits_0(nights):
    assert nights["first"].success
    assert nights["first_code"] == 0
    assert [m[:4] for m in nights["first_manifest"]] == [("loaded", PEOPLE, PEOPLE, 0)]


def test_the_second_night_holds_the_truncated_file_and_still_publishes(nights):
    assert nights["second"].success
    reports = nights["settings"].reports_dir
    pages = {p.name: p for p in reports.glob("*.html")}
    assert {"overview.html", "hr.html", "quality.html"} <= set(pages)
    assert pages["overview.html"].stat().st_mtime >= nights["second_started"]  # published again tonight


def test_the_previous_rows_stay_staged_and_the_held_file_is_accounted(nights):
    (old, new) = nights["manifest"]
    assert old[:4] == ("loaded", PEOPLE, PEOPLE, 0)  # read = staged + quarantined
    assert new[:4] == ("held", 12, 0, 0)  # read counted, nothing staged
    assert new[4].startswith("rows 20 -> 12 (-40.0%)") and "kinerja accept hr/staff.csv" in new[4]
    assert nights["staged"] == PEOPLE
    assert nights["employees"] == PEOPLE


def test_the_run_exits_3_while_a_file_is_held(nights):
    from pipelines.cli import EXIT_FILES_FAILED

    assert nights["second_code"] == EXIT_FILES_FAILED == 3


def test_the_staging_suite_reports_constant_columns(nights):
    checks = nights["checks"]
    assert checks["validity_no_constant_columns"] is True  # departments A and B, many hire dates
    assert "uniqueness_exact_duplicate_rows" not in checks  # a primary key quarantines a repeated row already


def test_accept_lets_the_held_file_through(nights, capsys):
    import duckdb

    from pipelines.cli import main

    settings = nights["settings"]  # the fixture's environment still points every setting at its project
    assert main(["accept", "hr/staff.csv"]) == 0
    assert "accepted hr/staff.csv" in capsys.readouterr().out
    assert main(["load", "--source", "acme__staff"]) == 0  # the next load makes it the loaded version
    with duckdb.connect(str(settings.warehouse_path), read_only=True) as con:
        assert [m[:4] for m in manifest(con)] == [("superseded", PEOPLE, PEOPLE, 0), ("loaded", 12, 12, 0)]
        assert con.execute("select count(*) from staging.stg_acme__staff").fetchone()[0] == 12
