"""Group consolidation: every company's last published night summed into the group's own warehouse.

Each company is read through ``pipelines.warehouse.open_reader`` (a read-only connection to its last published
night: the read copy, or the lake's published snapshot), never its writer's file, so consolidating never waits
for nor blocks a company's night. A company is consolidated when its settings load, it reports in the group's
currency and it has a published night; the others are listed in ``marts.dim_company`` with the reason, and named
by the commands and the job, never summed as zeros.

The group warehouse (``warehouse_path`` of the group file) is built whole in a temporary file and switched in
with one rename, so a reader sees the previous consolidation or this one, never half of it. Consolidations wait
for each other (a lock beside the file), so the last one started is the one that stays. Tables:

- ``marts.dim_company``: code, name, currency, settings file, published night, consolidated or why not
- ``marts.company_kpi_values``: each consolidated company's ``marts.kpi_values`` with its code, whether the KPI
  is additive (``marts.kpi_registry``) and the privacy flags as the company computed them
- ``marts.intercompany_spend``: what each company paid other group companies (sql/intercompany_spend.sql)
- ``marts.group_kpi_values``: the consolidation KPIs of ``group_kpis.yaml`` by month (sql/group_kpi_values.sql)
- ``marts.group_kpis`` (that list) and ``meta.consolidation`` (when, which companies, which not)
"""

from __future__ import annotations

import contextlib
import datetime as dt
import fcntl
import os
import time
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import yaml

from pipelines.group import Company, Group, company_settings, published_night
from pipelines.settings import SettingsError

SQL_DIR = Path(__file__).parent / "sql"
KPIS_FILE = Path(__file__).parent / "group_kpis.yaml"
INTERCOMPANY_RULES = ("none", "spend_transactions")

# What a company contributes, read from its published night.
KPI_VALUES_SQL = """
select v.period, v.department_id, v.kpi_code, v.value, v.numerator, v.denominator, v.unit,
       coalesce(r.is_additive, false) as is_additive, v.group_size, v.is_small_group
from marts.kpi_values v
left join marts.kpi_registry r on r.code = v.kpi_code
"""
# Supplier spend by month and supplier, over the months spend_total counts (the reporting window); the name keyed
# as core.fct_spend_transaction keys it.
SPEND_SQL = r"""
select s.period,
       nullif(trim(s.vendor_id), '') as vendor_id,
       nullif(upper(trim(regexp_replace(coalesce(s.vendor_name, ''), '\s+', ' ', 'g'))), '') as vendor_name_key,
       count(*) as n_lines,
       sum(s.amount_idr) as amount
from core.fct_spend_transaction s
where s.period in (select period from core.dim_period)
group by all
"""


class ConsolidationError(RuntimeError):
    """Nothing could be consolidated; the group warehouse is left as it was."""


@dataclass
class Consolidation:
    """What a consolidation did: the companies summed, those left out (code -> reason), the months covered and the
    newest month's consolidation KPIs (kpi code -> (value, intercompany excluded))."""

    path: Path
    consolidated: list[str]
    missing: dict[str, str]
    periods: list[dt.date] = field(default_factory=list)
    newest: dict[str, tuple[float, float]] = field(default_factory=dict)
    seconds: float = 0.0


def group_kpis(path: Path = KPIS_FILE) -> list[tuple[str, str]]:
    """The consolidation KPIs: (kpi code, intercompany rule)."""
    entries = yaml.safe_load(path.read_text(encoding="utf-8")) or []
    kpis = []
    for number, entry in enumerate(entries):
        rule = entry.get("intercompany", "none")
        if rule not in INTERCOMPANY_RULES:
            raise ValueError(
                f"{path} entry {number} ({entry.get('kpi_code')}): intercompany {rule!r} is not one of "
                f"{', '.join(INTERCOMPANY_RULES)}"
            )
        kpis.append((str(entry["kpi_code"]), rule))
    return kpis


def _model_sql(name: str) -> str:
    return (SQL_DIR / f"{name}.sql").read_text(encoding="utf-8")


def _has_table(con: duckdb.DuckDBPyConnection, table: str) -> bool:
    from pipelines.db import table_exists

    return table_exists(con, table)


def _read_company(company: Company, group: Group) -> tuple[dict, object | None, object | None, str | None]:
    """(the company's row of ``marts.dim_company``, its KPI values and spend by supplier as Arrow tables, or None
    and the reason it is not consolidated)."""
    from pipelines.warehouse import open_reader

    row = {
        "company_code": company.code,
        "company_name": company.name,
        "currency": None,
        "settings_path": str(company.settings),
        "published_night": None,
    }
    try:
        settings = company_settings(company)
    except SettingsError as exc:
        return row, None, None, f"invalid settings {company.settings}: {' '.join(str(exc).split())}"
    row["currency"] = settings.currency
    if settings.currency != group.currency:
        return (
            row,
            None,
            None,
            (
                f"reports in {settings.currency}, the group in {group.currency}: KPI values are not converted between "
                "currencies"
            ),
        )
    try:
        row["published_night"] = published_night(settings)
    except Exception as exc:  # noqa: BLE001 - a lake that does not answer leaves this company out, named
        return row, None, None, f"cannot read its warehouse: {str(exc).splitlines()[0]}"
    if row["published_night"] is None:
        return row, None, None, f"no published night yet (kinerja group run --company {company.code})"
    try:
        with open_reader(settings) as reader:
            if not _has_table(reader, "marts.kpi_values"):
                return row, None, None, "its published night has no marts.kpi_values"
            values = reader.execute(KPI_VALUES_SQL).to_arrow_table()
            spend = None
            if _has_table(reader, "core.fct_spend_transaction") and _has_table(reader, "core.dim_period"):
                spend = reader.execute(SPEND_SQL).to_arrow_table()
    except duckdb.Error as exc:
        return row, None, None, f"cannot read its published night: {str(exc).splitlines()[0]}"
    return row, values, spend, None


@contextlib.contextmanager
def _one_at_a_time(path: Path):
    """Consolidations of one group wait for each other (the last started is the one that stays)."""
    lock = path.with_name(path.name + ".lock")
    lock.parent.mkdir(parents=True, exist_ok=True)
    with open(lock, "a+") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _create_tables(con: duckdb.DuckDBPyConnection) -> None:
    con.execute("create schema if not exists marts")
    con.execute("create schema if not exists meta")
    con.execute(
        """
        create table marts.dim_company (
            company_code varchar primary key, company_name varchar not null, currency varchar,
            settings_path varchar not null, published_night varchar, is_consolidated boolean not null,
            not_consolidated_reason varchar)
        """
    )
    con.execute(
        """
        create table marts.company_kpi_values (
            company_code varchar not null, period date not null, department_id varchar not null,
            kpi_code varchar not null, value double, numerator double, denominator double, unit varchar,
            is_additive boolean not null, group_size double, is_small_group boolean)
        """
    )
    con.execute(
        """
        create temp table spend_by_vendor (
            company_code varchar, period date, vendor_id varchar, vendor_name_key varchar, n_lines bigint,
            amount double)
        """
    )
    con.execute(
        "create temp table intercompany_vendors (company_code varchar, counterparty_code varchar, vendor_id varchar, "
        "vendor_name_key varchar)"
    )
    con.execute("create temp table group_kpis (kpi_code varchar, intercompany varchar)")


def consolidate(group: Group, group_path: Path | None = None) -> Consolidation:
    """Read every company's last published night and write the group warehouse (see the module's docstring).
    Raises ``ConsolidationError`` when no company can be consolidated."""
    started = time.perf_counter()
    target = group.warehouse_path
    target.parent.mkdir(parents=True, exist_ok=True)
    with _one_at_a_time(target):
        for stale in target.parent.glob(f".{target.name}.*.tmp*"):  # left by a consolidation that was killed
            stale.unlink(missing_ok=True)
        temporary = target.with_name(f".{target.name}.{os.getpid()}.tmp")
        try:
            result = _build(group, group_path, temporary)
            if group.private_files:  # payroll aggregates: the owner's only, whatever the process's umask
                os.chmod(temporary, 0o600)
            os.replace(temporary, target)
        finally:
            temporary.unlink(missing_ok=True)
            temporary.with_name(temporary.name + ".wal").unlink(missing_ok=True)
    result.path = target
    result.seconds = time.perf_counter() - started
    return result


def _build(group: Group, group_path: Path | None, path: Path) -> Consolidation:
    companies, missing, consolidated = [], {}, []
    with duckdb.connect(str(path)) as con:
        _create_tables(con)
        con.executemany("insert into group_kpis values (?, ?)", group_kpis())
        for company in group.companies:
            row, values, spend, reason = _read_company(company, group)
            companies.append({**row, "is_consolidated": reason is None, "not_consolidated_reason": reason})
            if reason is not None:
                missing[company.code] = reason
                continue
            consolidated.append(company.code)
            con.register("incoming_values", values)
            con.execute("insert into marts.company_kpi_values select ?, * from incoming_values", [company.code])
            con.unregister("incoming_values")
            if spend is not None:
                con.register("incoming_spend", spend)
                con.execute("insert into spend_by_vendor select ?, * from incoming_spend", [company.code])
                con.unregister("incoming_spend")
            for vendor in company.intercompany_vendors:
                con.execute(
                    "insert into intercompany_vendors values (?, ?, ?, ?)",
                    [company.code, vendor.company, vendor.vendor_id, vendor.name_key],
                )
        if not consolidated:
            reasons = "; ".join(f"{code}: {why}" for code, why in missing.items())
            raise ConsolidationError(
                f"no company of the group could be consolidated ({reasons}); the group warehouse is left as it was"
            )
        columns = (
            "company_code",
            "company_name",
            "currency",
            "settings_path",
            "published_night",
            "is_consolidated",
            "not_consolidated_reason",
        )
        con.executemany(
            "insert into marts.dim_company values (?, ?, ?, ?, ?, ?, ?)", [[c[k] for k in columns] for c in companies]
        )
        for name in ("intercompany_spend", "group_kpi_values"):
            con.execute(f"create table marts.{name} as {_model_sql(name)}")
        con.execute("create table marts.group_kpis as select * from group_kpis order by kpi_code")
        con.execute(
            "create table meta.consolidation as select ?::varchar as group_name, ?::varchar as group_file, "
            "?::varchar as currency, now()::timestamp as consolidated_at, ?::varchar[] as companies_consolidated, "
            "?::varchar[] as companies_missing",
            [group.name, str(group_path or ""), group.currency, consolidated, sorted(missing)],
        )
        periods = [
            r[0] for r in con.execute("select distinct period from marts.group_kpi_values order by 1").fetchall()
        ]
        newest = {}
        if periods:
            rows = con.execute(
                "select kpi_code, value, intercompany_excluded from marts.group_kpi_values where period = ? "
                "order by kpi_code",
                [periods[-1]],
            ).fetchall()
            newest = {code: (value, excluded) for code, value, excluded in rows}
        con.execute("checkpoint")
    return Consolidation(path, consolidated, missing, periods, newest)


def consolidation_lines(result: Consolidation, group: Group) -> list[str]:
    """What a person reads after a consolidation."""
    total = len(group.companies)
    months = ""
    if result.periods:
        first, last = result.periods[0], result.periods[-1]
        months = f": {len(result.periods)} month(s), {first:%Y-%m} .. {last:%Y-%m}"
    lines = [
        f"consolidated {len(result.consolidated)} of {total} companies ({', '.join(result.consolidated)}) into "
        f"{result.path} in {result.seconds:.1f} s{months}"
    ]
    for code, reason in result.missing.items():
        lines.append(f"  not consolidated: {code} ({group.company(code).name}): {reason}")
    if result.newest:
        figures = []
        for code, (value, excluded) in result.newest.items():
            text = f"{code} {value:,.0f}" if value is not None else f"{code} none"
            if excluded:
                text += f" (intercompany {excluded:,.0f} {group.currency} left out)"
            figures.append(text)
        lines.append(f"  {result.periods[-1]:%Y-%m}: {', '.join(figures)}")
    return lines
