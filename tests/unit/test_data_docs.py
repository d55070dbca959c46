"""Great Expectations Data Docs of the recorded validations (checks/data_docs.py) on a tiny warehouse of two checked
tables, one clean and one with planted defects, and the suites exported as GX ExpectationSuite files
(checks/export_gx.py)."""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from checks.data_docs import DOCS_DIR, build_data_docs, offline_html, recorded_outcomes
from checks.results import CheckOutcome, record_outcomes
from checks.runner import run_suite
from checks.spec import WARN, yaml_suite

RUN = "0f3a2b1c-1111-4222-8333-944455556666"
OLD_RUN = "00000000-aaaa-4bbb-8ccc-dddddddddddd"
CLEAN, DEFECTIVE = "core.clean_items", "core.defective_items"
SCRIPT = "<script>alert(1)</script>"
SECRET = "ZZ-SECRET-VALUE"  # a value that fails a check: never on a page
LONG_ID = "3174012345678901"  # a long number in a message (a national id): masked

SUITES = {
    "clean_items": """
table: core.clean_items
key: [item_id]
ranges: {amount: {min: 0}}
row_count: {min: 1}
""",
    "defective_items": f"""
table: core.defective_items
key: [item_id]
not_null: [code]
patterns: {{code: 'C\\d'}}
rules:
  - {{name: amount_positive, sql: "amount > 0", reason: "the amount of {SCRIPT} is not positive"}}
warn: {{allowed_values: {{colour: [red, blue]}}}}
""",
}


def _suites(folder: Path) -> list:
    (folder / "core").mkdir(parents=True)
    suites = []
    for name, text in SUITES.items():
        path = folder / "core" / f"{name}.yaml"
        path.write_text(text, encoding="utf-8")
        suites.append(yaml_suite(path))
    return suites


def _warehouse(path: Path) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect(str(path))
    con.execute("create schema core")
    con.execute("create table core.clean_items (item_id varchar, amount double)")
    con.execute("insert into core.clean_items values ('I1', 10), ('I2', 0), ('I3', 5)")
    con.execute("create table core.defective_items (item_id varchar, code varchar, amount double, colour varchar)")
    con.execute(
        "insert into core.defective_items values (?, ?, ?, ?), (?, ?, ?, ?), (?, ?, ?, ?), (?, ?, ?, ?)",
        [
            "D1", "C1", 5, "red",
            "D2", None, 5, "red",  # planted: code missing
            "D3", SECRET, 5, "blue",  # planted: code not C<digit>
            "D4", "C2", -1, "green",  # planted: amount not positive, colour not allowed (a warning)
        ],
    )  # fmt: skip
    return con


@pytest.fixture
def site(tmp_path):
    """Both suites run and recorded (the clean table by SQL, the other by GX), an older failing run of the clean
    table before them, and a source check recorded beside the defective table's suite; then the site."""
    con = _warehouse(tmp_path / "warehouse.duckdb")
    suites = _suites(tmp_path / "suites")
    night = dt.datetime(2025, 7, 1, 2, 0, 0)
    stale = CheckOutcome(CLEAN, "volume_row_count", "volume", "ERROR", False, "stale failure", "gx")
    record_outcomes(con, OLD_RUN, [stale], at=night - dt.timedelta(days=1))
    by_table = {s.table: s for s in suites}
    clean = run_suite(con, by_table[CLEAN], engine="sql")
    defective = run_suite(con, by_table[DEFECTIVE], engine="gx")
    source = CheckOutcome(
        DEFECTIVE, "freshness_last_load", "timeliness", "WARN", False,
        f"The last file of {SCRIPT} (employee {LONG_ID}) loaded 40 days ago.", "manifest",
        observed_value=f"40.0 days since load of {LONG_ID}", threshold="a new file every 31 days",
    )  # fmt: skip
    broken = CheckOutcome(
        DEFECTIVE, "consistency_code_number", "consistency", "ERROR", False,
        f"consistency_code_number could not run on {DEFECTIVE} (all rows): Conversion Error: Could not convert "
        f"string '{SECRET}' to INT32. Fix the suite or the table, then rerun.", "gx",
    )  # fmt: skip
    record_outcomes(con, RUN, [*clean.outcomes, *defective.outcomes, source, broken], at=night)
    docs = build_data_docs(con, tmp_path / "reports" / DOCS_DIR, suites)
    yield {"docs": docs, "con": con, "suites": suites, "tmp": tmp_path}
    con.close()


def _pages(docs) -> dict[Path, str]:
    return {p: p.read_text(encoding="utf-8") for p in docs.root.rglob("*.html")}


def test_one_validation_page_per_checked_table(site):
    docs = site["docs"]
    assert sorted(docs.validations) == [CLEAN, DEFECTIVE]
    pages = sorted(p.relative_to(docs.root).as_posix() for p in (docs.root / "validations").rglob("*.html"))
    assert len(pages) == 2, pages
    assert {tuple(p.split("/")[1:3]) for p in pages} == {("core", "clean_items"), ("core", "defective_items")}
    assert all(RUN in p for p in pages), "the run the checks ran in names the validation (not the older run)"
    assert sorted(docs.suites) == [CLEAN, DEFECTIVE]
    index = docs.index.read_text(encoding="utf-8")
    for table in (CLEAN, DEFECTIVE):
        assert docs.validations[table].relative_to(docs.root).as_posix() in index
        assert docs.suites[table].relative_to(docs.root).as_posix() in index
    assert set(docs.pages) == set(_pages(docs))


def _text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", re.sub(r"<(script|style)\b.*?</\1>", " ", html, flags=re.S)))


def test_the_validations_say_what_passed_and_what_failed(site):
    docs = site["docs"]
    assert docs.failing == [DEFECTIVE]
    clean = _text(docs.validations[CLEAN].read_text(encoding="utf-8"))
    defective = _text(docs.validations[DEFECTIVE].read_text(encoding="utf-8"))
    assert "Status: Succeeded" in clean, "the older failing run of the clean table is not shown"
    assert "Status: Failed" in defective
    assert RUN in clean and RUN in defective
    assert "Unsuccessful Expectations 6" in defective
    assert "Could not convert string '•••' to INT32" in defective, "a check that could not run says why"
    assert "values must never be null" in defective and "1 unexpected values found" in defective
    assert "The last file of" in defective and "40.0 days since load" in defective, "a check outside the suite"


def test_results_rebuild_from_what_was_recorded(site):
    recorded = recorded_outcomes(site["con"])
    assert set(recorded) == {CLEAN, DEFECTIVE}
    assert {r["run_id"] for r in recorded[CLEAN]} == {RUN}
    assert {r["engine"] for r in recorded[CLEAN]} == {"sql"}, "a table the SQL engine checked has its validation"
    from checks.data_docs import validation_result

    suite = next(s for s in site["suites"] if s.table == DEFECTIVE)
    _, result = validation_result(DEFECTIVE, recorded[DEFECTIVE], suite)
    by_check = {r.expectation_config.meta["check"]: r for r in result.results}
    assert by_check["completeness_code"].expectation_config.type == "expect_column_values_to_not_be_null"
    assert by_check["completeness_code"].result["unexpected_count"] == 1
    assert by_check["validity_code_pattern"].expectation_config.type == "expect_column_values_to_match_regex"
    assert by_check["validity_colour"].expectation_config.severity == "warning"
    assert by_check["freshness_last_load"].expectation_config.type == "expect_kinerja_check_to_pass"
    # missing code, code pattern, amount rule, colour (a warning), the source's freshness and a check that broke
    assert result.statistics["unsuccessful_expectations"] == 6
    assert by_check["consistency_code_number"].exception_info["raised_exception"]
    assert not result.success


def test_no_failing_value_no_long_number_and_everything_escaped(site):
    for path, html in _pages(site["docs"]).items():
        assert SECRET not in html, f"{path.name} shows a failing value"
        assert LONG_ID not in html, f"{path.name} shows a long number unmasked"
        assert SCRIPT not in html, f"{path.name} renders markup from a message"
    defective = site["docs"].validations[DEFECTIVE].read_text(encoding="utf-8")
    assert "&lt;script&gt;" in defective


def test_pages_load_nothing_from_the_network_and_every_local_file_exists(site):
    docs = site["docs"]
    assert docs.dropped == []
    for path, html in _pages(docs).items():
        loads = re.findall(r"<(?:script|img|link)\b[^>]*\b(?:src|href)=\"([^\"#]+)\"", html)
        loads += re.findall(r"url\(['\"]?([^'\")]+)", html)
        assert loads, path
        for target in loads:
            assert not re.match(r"(?:https?:)?//", target), f"{path.name} loads {target}"
            assert (path.parent / target).resolve().is_file(), f"{path.name}: {target} is missing"
        for link in re.findall(r"<a\b[^>]*\bhref=\"([^\"#][^\"]*)\"", html):
            if not re.match(r"https?://", link):
                assert (path.parent / link).resolve().is_file(), f"{path.name} links to {link}, which is missing"
    fonts = docs.root / "static" / "vendor" / "fontawesome-6.6.0" / "webfonts" / "fa-solid-900.woff2"
    assert fonts.is_file()


def test_offline_rewrites_every_cdn_reference_and_reports_an_unknown_one():
    page = (
        '<html><head><script src="https://code.jquery.com/jquery-3.7.1.min.js"></script>'
        '<script src="https://cdnjs.cloudflare.com/ajax/libs/popper.js/1.12.9/umd/popper.min.js" '
        'integrity="sha384-x" crossorigin="anonymous"></script>'
        '<script src="https://cdn.jsdelivr.net/npm/vega@5"></script>'
        '<link rel="stylesheet" href="https://cdn.example.org/new.css"/>'
        '<link rel="shortcut icon" href="../../../../static/images/favicon.ico" type="image/x-icon"/>'
        "<style>a { background: url('https://great-expectations-web-assets.s3.us-east-2.amazonaws.com/x.png') }"
        "</style></head><body>"
        '<img src="https://great-expectations-web-assets.s3.us-east-2.amazonaws.com/logo-long.png?d=20250701T0200Z"/>'
        '<a href="#section-1-collapse-body-0b0c7a52-1d7a-4f59-9e79-b2f5f8d1c0a3">x</a>'
        '<div id="section-1-collapse-body-0b0c7a52-1d7a-4f59-9e79-b2f5f8d1c0a3"></div>'
        "<footer>\n<p>Stay current on everything GX with our newsletter <a href='x'>Subscribe</a></p></footer>"
        "</body></html>"
    )
    html, dropped = offline_html(page, "../../static")
    assert dropped == ["https://cdn.example.org/new.css"]
    assert '"../../static/vendor/jquery-3.7.1.min.js"' in html
    assert '"../../static/vendor/popper-1.12.9.min.js"></script>' in html, "no integrity/crossorigin on file://"
    assert "vega" not in html and "example.org" not in html and "amazonaws" not in html
    assert 'href="../../static/images/favicon.ico"' in html
    assert html.count("../../static/images/logo-long.png") == 2
    assert html.count("collapse-body-1") == 2 and "0b0c7a52" not in html
    assert "newsletter" not in html


def test_identical_results_give_identical_pages(site, tmp_path):
    again = build_data_docs(site["con"], tmp_path / "again" / DOCS_DIR, site["suites"])
    first, second = _pages(site["docs"]), _pages(again)
    assert [p.relative_to(site["docs"].root) for p in first] == [p.relative_to(again.root) for p in second]
    assert list(first.values()) == list(second.values())


def test_a_rebuild_replaces_the_site_whole(site):
    docs = site["docs"]
    (docs.root / "stale.html").write_text("from an earlier night", encoding="utf-8")
    rebuilt = build_data_docs(site["con"], docs.root, site["suites"])
    assert not (rebuilt.root / "stale.html").exists()
    assert sorted(rebuilt.validations) == [CLEAN, DEFECTIVE]
    assert not [p for p in rebuilt.root.parent.iterdir() if p.name.startswith(".")], "no temporary folder left"


def test_an_empty_warehouse_gives_an_index_and_no_validation(tmp_path):
    con = duckdb.connect(str(tmp_path / "empty.duckdb"))
    docs = build_data_docs(con, tmp_path / DOCS_DIR, [])
    assert docs.validations == {} and docs.index.is_file()
    con.close()


def test_a_check_outside_gx_replays_its_recorded_outcome():
    from checks.gx_suite import ExpectKinerjaCheckToPass, gx

    context = gx.get_context(mode="ephemeral")
    batch = context.data_sources.add_pandas("w").add_dataframe_asset("a").add_batch_definition_whole_dataframe("all")
    suite = context.suites.add(
        gx.ExpectationSuite(
            name="s",
            expectations=[
                ExpectKinerjaCheckToPass(check="freshness_last_load", passed=False, observed_value="40 days"),
                ExpectKinerjaCheckToPass(check="row_accounting_per_file", passed=True),
            ],
        )
    )
    definition = context.validation_definitions.add(gx.ValidationDefinition(name="v", data=batch, suite=suite))
    result = definition.run(batch_parameters={"dataframe": pd.DataFrame({"x": [1]})})
    assert [r.success for r in result.results] == [False, True]
    assert result.results[0].result["observed_value"] == "40 days"


# -- export -------------------------------------------------------------------------------------------------------
def test_exported_suites_load_back_into_great_expectations_and_validate(tmp_path, capsys):
    from checks.data_docs import all_suites
    from checks.export_gx import main
    from checks.gx_suite import gx, has_expectation

    suites = {s.table: s for s in all_suites(strict=True)}
    assert main([str(tmp_path / "suites")]) == 0
    assert f"{len(suites)} expectation suites" in capsys.readouterr().out
    files = sorted((tmp_path / "suites").glob("*.json"))
    assert [f.stem for f in files] == sorted(suites)
    for path in files:
        loaded = gx.ExpectationSuite(**json.loads(path.read_text(encoding="utf-8")))
        suite = suites[loaded.name]
        assert [e.meta["check"] for e in loaded.expectations] == [c.name for c in suite.checks if has_expectation(c)]
        outside = [c["check"] for c in loaded.meta["kinerja"]["checks_outside_gx"]]
        assert outside == [c.name for c in suite.checks if not has_expectation(c)]
    # a loaded suite runs in GX as it is: the employees staging suite on three rows, one without a hire date
    employees = gx.ExpectationSuite(
        **json.loads((tmp_path / "suites" / "staging.stg_hris__employees.json").read_text())
    )
    hire = next(e for e in employees.expectations if e.meta["check"] == "completeness_hire_date")
    context = gx.get_context(mode="ephemeral")
    batch = context.data_sources.add_pandas("w").add_dataframe_asset("e").add_batch_definition_whole_dataframe("all")
    check = context.suites.add(gx.ExpectationSuite(name="hire", expectations=[hire]))
    definition = context.validation_definitions.add(gx.ValidationDefinition(name="v", data=batch, suite=check))
    frame = pd.DataFrame({"hire_date": [dt.date(2020, 1, 1), None, dt.date(2021, 5, 3)]})
    result = definition.run(batch_parameters={"dataframe": frame})
    assert not result.success and result.results[0].result["unexpected_count"] == 1


def test_export_writes_the_same_bytes_twice(tmp_path):
    from checks.data_docs import all_suites
    from checks.export_gx import export_suites

    suites = all_suites(strict=True)[:5]
    first = [p.read_bytes() for p in export_suites(tmp_path / "a", suites)]
    second = [p.read_bytes() for p in export_suites(tmp_path / "b", suites)]
    assert first == second and len(first) == 5


def test_warn_check_is_recorded_as_warning_in_the_suite(site):
    suite = next(s for s in site["suites"] if s.table == DEFECTIVE)
    from checks.gx_suite import expectation_suite

    exported = expectation_suite(suite, [])
    colour = next(e for e in exported.expectations if e.meta["check"] == "validity_colour")
    assert colour.severity == "warning" and colour.meta["severity"] == WARN
    rule = next(e for e in exported.expectations if e.meta["check"] == "consistency_amount_positive")
    assert rule.meta["derived_column"] == {"name": "_rule__consistency_amount_positive", "sql": "(amount > 0)"}


# -- the Dagster step ---------------------------------------------------------------------------------------------
def test_the_dagster_step_publishes_the_docs_and_links_each_checked_asset(tmp_path, monkeypatch):
    import dagster as dg
    from fixtures.project import forget_settings, point_settings_at

    from dashboards.assets import DATA_DOCS, dashboard_assets
    from pipelines.resources import warehouse_resource

    settings = point_settings_at(monkeypatch, tmp_path, 6)
    con = duckdb.connect(str(settings.warehouse_path))
    checked = CheckOutcome(
        "core.dim_department", "completeness_department_id", "completeness", "ERROR", True,
        "completeness_department_id holds on all 3 rows checked.", "gx", rows_checked=3, unexpected_count=0,
        unexpected_pct=0.0,
    )  # fmt: skip
    not_an_asset = CheckOutcome("core.not_an_asset", "volume_row_count", "volume", "ERROR", False, "none", "sql")
    record_outcomes(con, RUN, [checked, not_an_asset], at=dt.datetime(2025, 7, 1, 2, 0))
    con.close()
    try:
        step = next(a for a in dashboard_assets() if a.key == DATA_DOCS)
        assert step.op.tags["dagster/priority"] == "-100", "the in-process run takes it after every check"
        result = dg.materialize(
            [step], resources={"duckdb": warehouse_resource(settings)}, instance=dg.DagsterInstance.ephemeral()
        )
    finally:
        forget_settings()
    assert result.success
    reports = settings.reports_dir
    assert reports.is_symlink() and (reports / DOCS_DIR / "index.html").is_file(), "published on its own"
    observations = result.asset_observations_for_node(step.op.name)
    assert [o.asset_key for o in observations] == [dg.AssetKey(["core", "dim_department"])]
    url = observations[0].metadata["data_docs"].value
    prefix = f"{settings.reports_base_url.rstrip('/')}/"
    assert url.startswith(prefix) and RUN in url
    assert (reports / url.removeprefix(prefix)).is_file(), "the link names the published validation page"
    suite_url = observations[0].metadata["data_docs_suite"].value
    assert (reports / suite_url.removeprefix(prefix)).is_file()
    materialization = result.asset_materializations_for_node(step.op.name)[0]
    assert materialization.metadata["validations"].value == 2
    assert materialization.metadata["failing_validations"].value == ["core.not_an_asset"]
