"""The analyst's catalog in the Dagster UI: descriptions, column schemas with descriptions and personal tags, column
lineage, layer tags, freshness policies and the reports' served address, read from the merged definitions; and
the SQL column tracing they rest on (pipelines/sqllineage.py)."""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path

import dagster as dg
import pytest

from assets.catalog import (
    FRESH_LAYERS,
    IDENTIFIER,
    LAYERS,
    PERSONAL_DATA,
    Catalog,
    column_file,
    table_of,
)
from assets.sqlmodels import parse_model
from pipelines.settings import get_settings
from pipelines.sqllineage import LineageError, output_columns

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def specs() -> dict[dg.AssetKey, dg.AssetSpec]:
    from pipelines.definitions import build_definitions

    return {spec.key: spec for spec in build_definitions().resolve_all_asset_specs()}


def column(spec: dg.AssetSpec, name: str) -> dg.TableColumn:
    return next(c for c in spec.metadata["dagster/column_schema"].columns if c.name == name)


def test_every_asset_has_a_description_that_starts_with_a_capital(specs):
    bad = [k.to_user_string() for k, s in specs.items() if not (s.description or "")[:1].isupper()]
    assert not bad, f"descriptions missing or starting in lower case: {bad}"


def test_every_asset_has_its_layer_tag(specs):
    for key, spec in specs.items():
        assert spec.tags.get("layer") in LAYERS, key
        assert spec.tags["layer"] == key.path[0], key


def test_every_table_has_columns_each_with_a_description(specs):
    tables = {k: s for k, s in specs.items() if table_of(k)}
    assert len(tables) > 100
    no_schema = [k.to_user_string() for k, s in tables.items() if "dagster/column_schema" not in s.metadata]
    assert not no_schema, f"no column schema: {no_schema}"
    undescribed = {
        k.to_user_string(): [c.name for c in s.metadata["dagster/column_schema"].columns if not c.description]
        for k, s in tables.items()
    }
    assert not {k: v for k, v in undescribed.items() if v}, undescribed


def test_sources_and_marts_have_the_freshness_window_of_the_settings(specs):
    window = dt.timedelta(hours=get_settings().freshness_window_hours)
    fresh = [s for k, s in specs.items() if k.path[0] in FRESH_LAYERS]
    assert {k.path[0] for k in specs if k.path[0] in FRESH_LAYERS} == set(FRESH_LAYERS)
    for spec in fresh:
        policy = spec.freshness_policy
        assert policy is not None, spec.key
        assert policy.fail_window.to_timedelta() == window, spec.key


def test_marts_have_column_lineage_where_the_sql_allows(specs):
    from assets.canonical.needs import model_index

    marts = [t for t, m in model_index().items() if t.startswith("marts.") and dg.AssetKey(t.split(".")) in specs]
    assert len(marts) > 20
    missing = [t for t in marts if "dagster/column_lineage" not in specs[dg.AssetKey(t.split("."))].metadata]
    assert not missing, f"marts without column lineage: {missing}"
    scorecard = specs[dg.AssetKey(["marts", "scorecard"])].metadata["dagster/column_lineage"]
    assert dg.TableColumnDep(dg.AssetKey(["marts", "kpi_values"]), "kpi_code") in scorecard.deps_by_column["kpi_code"]
    workforce = specs[dg.AssetKey(["marts", "kpi_hr__workforce"])].metadata["dagster/column_lineage"]
    upstream = {d.asset_key for deps in workforce.deps_by_column.values() for d in deps}
    assert upstream <= {d.asset_key for d in specs[dg.AssetKey(["marts", "kpi_hr__workforce"])].deps}


def test_personal_columns_are_tagged(specs):
    employees = specs[dg.AssetKey(["staging", "stg_hris__employees"])]
    assert column(employees, "tax_id").tags == {"personal": IDENTIFIER}
    assert column(employees, "national_id").tags == {"personal": IDENTIFIER}
    assert column(employees, "birth_date").tags == {"personal": PERSONAL_DATA}  # from the canonical entity
    assert not column(employees, "department_id").tags
    assert employees.tags.get("personal_data") == "true"
    canonical = specs[dg.AssetKey(["canonical", "employees"])]
    assert column(canonical, "bank_account").tags == {"personal": IDENTIFIER}
    # a core column that passes the salary through unchanged inherits the tag; pay computed per person is marked
    assert column(specs[dg.AssetKey(["core", "dim_employee"])], "base_salary_idr").tags == {"personal": PERSONAL_DATA}
    assert column(specs[dg.AssetKey(["core", "fct_payslip"])], "net_pay_idr").tags == {"personal": PERSONAL_DATA}
    assert "personal_data" not in specs[dg.AssetKey(["marts", "kpi_values"])].tags


def test_descriptions_come_from_contract_entity_header_and_upstream(specs):
    training = specs[dg.AssetKey(["core", "fct_training"])]
    # passed through from canonical.training
    assert column(training, "course_name").description == "Name of the course."
    # written in the model header
    assert column(training, "hours_training").description.startswith("Training hours attended")
    # the canonical column's type travels with it
    assert column(training, "start_date").type == "DATE"


def test_report_assets_link_to_the_served_address(specs):
    base = get_settings().reports_base_url.rstrip("/")
    pages = {k: s for k, s in specs.items() if k.path[0] == "reports" and k.path[-1] not in ("run_started",)}
    for key, spec in pages.items():
        url = spec.metadata.get("url")
        assert isinstance(url, dg.UrlMetadataValue), key
        assert url.url.startswith(base + "/") and url.url.endswith(".html"), url
    assert specs[dg.AssetKey(["reports", "overview"])].metadata["url"].url == f"{base}/overview.html"


def test_settings_set_the_window_and_the_address(monkeypatch):
    from assets.catalog import freshness_policy, report_url
    from pipelines import settings as settings_module

    monkeypatch.setenv("KINERJA_FRESHNESS_WINDOW_HOURS", "30")
    monkeypatch.setenv("KINERJA_REPORTS_BASE_URL", "http://reports.local:9000/")
    settings_module.get_settings.cache_clear()
    try:
        assert freshness_policy().fail_window.to_timedelta() == dt.timedelta(hours=30)
        assert report_url("hr.html") == "http://reports.local:9000/hr.html"
    finally:
        settings_module.get_settings.cache_clear()


def test_declared_csv_tables_list_the_columns_of_their_files():
    declared = column_file()["tables"]
    files = {f"reference.{p.stem}": p for p in (ROOT / "assets" / "reference" / "data").glob("*.csv")}
    files |= {"reference.sla_targets": ROOT / "assets/support/sla_targets.csv"}
    files |= {"reference.business_hours": ROOT / "assets/support/business_hours.csv"}
    files |= {"reference.exchange_rates": ROOT / "assets/canonical/exchange_rates.csv"}
    for table, path in files.items():
        if table == "reference.sources":
            continue
        with path.open(encoding="utf-8") as fh:
            header = next(csv.reader(fh))
        assert list(declared[table]) == header, table


# --- SQL column tracing ------------------------------------------------------------------------------------------
UPSTREAM = {"canonical.a": ["id", "x", "y"], "canonical.b": ["id", "z"]}


def trace(sql: str):
    return {c.name: c for c in output_columns(sql, UPSTREAM.get)}


def test_a_column_passes_through_ctes_and_joins_unchanged():
    columns = trace(
        """
        with a as (select * from canonical.a), b as (select id, z from canonical.b),
        final as (select a.id, a.x, b.z as zed, a.x + a.y as total from a left join b using (id))
        select * exclude (total), total from final
        """
    )
    assert list(columns) == ["id", "x", "zed", "total"]
    assert columns["x"].source == ("canonical.a", "x")
    assert columns["zed"].source == ("canonical.b", "z")  # renamed, still the same value
    assert columns["total"].source is None
    assert columns["total"].deps == {("canonical.a", "x"), ("canonical.a", "y")}


def test_union_and_unpivot_keep_every_branch_in_the_lineage():
    union = trace("select id, x as v from canonical.a union all select id, z from canonical.b")
    assert list(union) == ["id", "v"]
    assert union["v"].deps == {("canonical.a", "x"), ("canonical.b", "z")}
    long = trace("with w as (select id, x, y from canonical.a) select * from (unpivot w on x, y into name k value v)")
    assert list(long) == ["id", "k", "v"]
    assert long["v"].deps == {("canonical.a", "x"), ("canonical.a", "y")}


def test_a_recursive_unnest_of_struct_rows_gives_one_column_a_field():
    # the fields are named as DuckDB builds the structs, here by a macro the statement calls (as kpi_row is)
    macro = "create macro pair_row(code, n, d) as {'code': code, 'ratio': n / d, 'n': n};"
    columns = output_columns(
        "select id, unnest([pair_row('x_per_y', x, y), pair_row('z', z, 1)], recursive := true) "
        "from canonical.a join canonical.b using (id)",
        UPSTREAM.get,
        macro,
    )
    assert [c.name for c in columns] == ["id", "code", "ratio", "n"]
    assert columns[2].deps == {("canonical.a", "x"), ("canonical.a", "y"), ("canonical.b", "z")}
    assert columns[0].source == ("canonical.a", "id")
    with pytest.raises(LineageError, match="recursive unnest"):  # a macro the statement calls is not given
        output_columns("select unnest([pair_row('a', x, y)], recursive := true) from canonical.a", UPSTREAM.get)


def test_a_star_over_an_unknown_table_is_refused_not_guessed():
    with pytest.raises(LineageError, match="columns are unknown"):
        trace("select * from core.nowhere")
    with pytest.raises(LineageError, match="no name"):
        trace("select count(*) from canonical.a")


def test_the_catalog_says_why_a_model_cannot_be_traced(tmp_path, monkeypatch):
    sql = tmp_path / "odd.sql"
    sql.write_text("-- odd: A model.\n-- schema: core\nselect * from core.nowhere\n", encoding="utf-8")
    model = parse_model(sql, "core")
    catalog = Catalog(tmp_path)
    assert catalog._model(model) is None
    assert "columns are unknown" in catalog.problem("core.odd")


def test_model_header_column_and_personal_lines(tmp_path):
    sql = tmp_path / "m.sql"
    sql.write_text(
        "-- m: A model.\n-- grain: one row\n-- schema: marts\n-- column: pay_idr: Pay of the month: basic plus "
        "allowances.\n-- personal: pay_idr\nselect 1 as pay_idr\n",
        encoding="utf-8",
    )
    model = parse_model(sql, "core")
    assert model.columns == {"pay_idr": "Pay of the month: basic plus allowances."}
    assert model.personal == ("pay_idr",)
    assert model.summary == "A model."


def test_a_model_depends_on_the_tables_it_reads_not_on_those_its_comments_name(tmp_path):
    # dim_payroll_component named reference.bpjs_programs in a comment and depended on it
    sql = tmp_path / "m.sql"
    sql.write_text(
        "-- m: A model (reference.bpjs_programs says which programs exist).\n-- grain: one row per code\n"
        "with codes as (\n    select * from canonical.payroll_components  -- not core.dim_date\n),\n"
        "final as (\n    select c.code, 'marts.kpi_values' as label from codes c\n"
        "    where c.code in (select code from reference.ptkp_status)\n)\n"
        "select * from final left join core.dim_period p on true\n",
        encoding="utf-8",
    )
    model = parse_model(sql, "core")
    assert model.upstream == (("canonical", "payroll_components"), ("core", "dim_period"), ("reference", "ptkp_status"))


def test_a_model_that_does_not_parse_is_named_in_the_error(tmp_path):
    sql = tmp_path / "broken.sql"
    sql.write_text("-- broken: A model.\nselect from where core.x\n", encoding="utf-8")
    with pytest.raises(LineageError, match="broken.sql"):
        parse_model(sql, "core")


def test_materialization_schema_carries_the_catalog_descriptions():
    from assets.metadata import described_columns

    described = described_columns("reference.ptkp", [("ptkp_status", "VARCHAR"), ("unlisted", "INTEGER")])
    assert described[0].description == "Tax-free allowance status (TK/0 ... K/I/3)."
    assert described[1].description is None and described[1].type == "INTEGER"


def test_every_demo_contract_column_has_a_written_description():
    """Its own, or that of the canonical column it feeds; the generated sentence is only for a user's contract."""
    from assets.ingest.contracts import discover_contracts

    catalog = Catalog(ROOT / "contracts" / "demo")
    generated = {}
    for path in discover_contracts(ROOT / "contracts" / "demo"):
        columns = catalog.columns(f"staging.stg_{path.stem}")
        assert columns, path.name
        generated[path.stem] = [c.name for c in columns if "as the contract reads and types it" in c.description]
    assert not {k: v for k, v in generated.items() if v}, generated
