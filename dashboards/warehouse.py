"""What every page reads from the warehouse: departments, months, the KPI registry, freshness, the quality
badge and which KPIs and rules the data cannot compute.

A warehouse may hold only some domains (a company that exports only its HR master has no payroll and no
finance), and an older one lacks tables added since: every read here takes a missing or empty table as "none"
and never fails. Tables built by later issues (findings, check history) are optional: callers ask
``table_exists``."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import duckdb

from pipelines.db import scalar, table_exists

STALE_AFTER_DAYS = 2  # the refresh is nightly: older than two nights means at least one missed load
ALL = "ALL"


def columns_of(con: duckdb.DuckDBPyConnection, table: str) -> dict[str, str]:
    return {r[0]: str(r[1]) for r in con.execute(f"describe {table}").fetchall()}


def pick(columns: dict[str, str], *candidates: str) -> str | None:
    """The first candidate column the table has (later issues name things their own way)."""
    return next((c for c in candidates if c in columns), None)


DEPARTMENTS = "canonical.departments"
TARGETS = "canonical.kpi_targets"


def department_names(con: duckdb.DuckDBPyConnection) -> dict[str, str]:
    """Department id -> name, from the canonical departments."""
    if not table_exists(con, DEPARTMENTS):
        return {}
    rows = con.execute(
        f"select department_id::varchar, department_name::varchar from {DEPARTMENTS} "
        "where department_id is not null order by 1, 2"
    ).fetchall()
    return {r[0]: r[1] or r[0] for r in rows}


def kpi_periods(con: duckdb.DuckDBPyConnection) -> list[dt.date]:
    """Months with KPI values, oldest first (the reporting window while there are none yet)."""
    for table in ("marts.scorecard", "core.dim_period"):
        if table_exists(con, table) and "period" in columns_of(con, table):
            rows = con.execute(f"select distinct period from {table} where period is not null order by 1").fetchall()
            periods = [r[0] for r in rows if isinstance(r[0], dt.date)]
            if periods:
                return periods
    return []


def registry(con: duckdb.DuckDBPyConnection) -> list[dict]:
    """The KPI registry in file order (domain files sorted, entries as written)."""
    if not table_exists(con, "marts.kpi_registry"):
        return []
    cursor = con.execute("select * from marts.kpi_registry order by rowid")
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


@dataclass(frozen=True)
class NotComputable:
    """A KPI or control rule the data cannot compute, and the canonical columns it needs (``entity.column``;
    alternatives as ``employees.hire_date|job_history.event_date``)."""

    code: str
    missing: tuple[str, ...]
    reason: str


KPI_COMPUTABILITY = "marts.kpi_computability"
RULE_COMPUTABILITY = "marts.rule_computability"


def _missing_list(value: object) -> tuple[str, ...]:
    if value is None:
        return ()
    items = value if isinstance(value, list | tuple) else str(value).split(",")
    return tuple(str(v).strip() for v in items if v is not None and str(v).strip())


def not_computable(con: duckdb.DuckDBPyConnection, table: str, key: str) -> dict[str, NotComputable]:
    """Codes marked not computable in ``table`` (``marts.kpi_computability`` by ``kpi_code``, or
    ``marts.rule_computability`` by ``rule_code``). Without the table (an older warehouse) everything is
    computable, so this is empty; a code with no row, or with a null flag, is computable too."""
    if not table_exists(con, table):
        return {}
    cols = columns_of(con, table)
    code, flag = pick(cols, key, "code"), pick(cols, "is_computable")
    if code is None or flag is None:
        return {}
    missing, reason = pick(cols, "missing_columns"), pick(cols, "reason")
    rows = con.execute(
        f"""
        select {code}::varchar, {missing or "null"}, {f"{reason}::varchar" if reason else "null"}
        from {table}
        where {code} is not null and not coalesce({flag}::boolean, true)
        order by 1
        """
    ).fetchall()
    # the generic reason ("not computable: needs ...") is what a page writes itself, in its own language
    return {c: NotComputable(c, _missing_list(m), _own_reason(r, _missing_list(m))) for c, m, r in rows}


def _own_reason(reason: str | None, missing: tuple[str, ...]) -> str:
    from assets.canonical.needs import sentence

    return "" if not reason or reason == sentence(list(missing)) else reason


def kpi_computability(con: duckdb.DuckDBPyConnection) -> dict[str, NotComputable]:
    """KPIs the data cannot compute (they have no rows in marts.kpi_values), by code."""
    return not_computable(con, KPI_COMPUTABILITY, "kpi_code")


def rule_computability(con: duckdb.DuckDBPyConnection) -> dict[str, NotComputable]:
    """Control and compliance rules the data cannot compute, by code."""
    return not_computable(con, RULE_COMPUTABILITY, "rule_code")


@dataclass(frozen=True)
class Freshness:
    last_load: dt.datetime | None
    latest_period: dt.date | None
    days_old: int | None

    @property
    def is_stale(self) -> bool:
        return self.days_old is not None and self.days_old >= STALE_AFTER_DAYS


def freshness(con: duckdb.DuckDBPyConnection, periods: list[dt.date], now: dt.datetime) -> Freshness:
    last = None
    if table_exists(con, "meta.load_manifest"):
        last = scalar(con, "select max(loaded_at) from meta.load_manifest where status = 'loaded'")
    days = None if last is None else (now - last).days
    return Freshness(last, periods[-1] if periods else None, days)


@dataclass(frozen=True)
class QualityBadge:
    level: str  # ok | warn | error
    failed_files: int
    quarantined_rows: int
    sources_with_quarantine: int
    failing_checks: int
    failing_error_checks: int

    @property
    def issues(self) -> int:
        return self.failed_files + self.sources_with_quarantine + self.failing_checks


def latest_check_results(con: duckdb.DuckDBPyConnection) -> list[dict] | None:
    """Latest result per check from ``meta.check_results`` (issue 5), or None while it does not exist."""
    if not table_exists(con, "meta.check_results"):
        return None
    # ties broken on every column, so the same results always give the same page
    rows = con.execute(
        """
        select table_name, check_name, passed, severity, checked_at, unexpected_count
        from meta.check_results
        qualify row_number() over (
            partition by table_name, check_name
            order by checked_at desc nulls last, passed, severity, unexpected_count
        ) = 1
        order by 3, 1, 2, 4, 5, 6
        """
    ).fetchall()
    names = ("table", "check", "passed", "severity", "checked_at", "unexpected")
    return [dict(zip(names, r, strict=True)) for r in rows]


def quality_badge(con: duckdb.DuckDBPyConnection) -> QualityBadge:
    failed = quarantined = sources = 0
    if table_exists(con, "meta.load_manifest"):
        failed, quarantined, sources = con.execute(
            """
            select count(*) filter (where status = 'failed'),
                   coalesce(sum(rows_quarantined) filter (where status = 'loaded'), 0),
                   count(distinct contract) filter (where status = 'loaded' and rows_quarantined > 0)
            from meta.load_manifest
            """
        ).fetchall()[0]
    checks = latest_check_results(con) or []
    failing = [c for c in checks if not c["passed"]]
    errors = [c for c in failing if str(c["severity"] or "").upper() == "ERROR"]
    level = "error" if failed or errors else "warn" if quarantined or failing else "ok"
    return QualityBadge(level, int(failed), int(quarantined), int(sources), len(failing), len(errors))
