"""The Kinerja code location. It only merges: every module under ``assets``, ``checks`` and ``dashboards`` that
defines a module-level ``defs`` (a ``@dg.definitions`` function) is picked up, so a domain adds assets, checks or
schedules without touching this file. Resources, the job, schedule, sensor and executor are set here, once."""

import dagster as dg

from pipelines.alerts import nightly_digest, nightly_failure_alert
from pipelines.discovery import package_definitions
from pipelines.group_jobs import group_definitions
from pipelines.jobs import build_landing_sensor, build_schedule, nightly_refresh
from pipelines.orphans import orphaned_runs_sensor
from pipelines.resources import warehouse_resource
from pipelines.settings import apply_file_privacy, get_settings

DOMAIN_PACKAGES = ("assets", "checks", "dashboards")


def domain_definitions() -> list[dg.Definitions]:
    """Every domain module's definitions, built once per settings (``pipelines/discovery.py``)."""
    return [defs for name in DOMAIN_PACKAGES for defs in package_definitions(name)]


def build_definitions() -> dg.Definitions:
    settings = get_settings()
    apply_file_privacy(settings)
    # With a group file (KINERJA_GROUP_CONFIG) every company's night is a partition of company_refresh
    # (pipelines/group_jobs.py): this location's own schedule and landing sensor are then off until turned on, so
    # they never start a second night of a company of the group.
    group = group_definitions()
    schedule_status = dg.DefaultScheduleStatus.STOPPED if group is not None else dg.DefaultScheduleStatus.RUNNING
    sensor_status = dg.DefaultSensorStatus.STOPPED if group is not None else dg.DefaultSensorStatus.RUNNING
    platform = dg.Definitions(
        jobs=[nightly_refresh],
        schedules=[build_schedule(settings, schedule_status)],
        sensors=[
            build_landing_sensor(settings, sensor_status),
            orphaned_runs_sensor,
            nightly_failure_alert,
            nightly_digest,
        ],
        resources={"duckdb": warehouse_resource(settings)},
        # DuckDB has one writer: every step runs in this process, in dependency order.
        executor=dg.in_process_executor,
    )
    return dg.Definitions.merge(*domain_definitions(), platform, *([group] if group is not None else []))


@dg.definitions
def defs() -> dg.Definitions:
    """The code location: built when Dagster loads it, not when this module is imported."""
    return build_definitions()
