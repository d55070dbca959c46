"""The nightly refresh: one job over everything, a 02:00 schedule (on by default) and a landing-files sensor."""

import hashlib
from pathlib import Path

import dagster as dg

from pipelines.settings import Settings

NIGHTLY_JOB = "nightly_refresh"

nightly_refresh = dg.define_asset_job(
    NIGHTLY_JOB,
    selection=dg.AssetSelection.all(),
    description="Everything, in dependency order, in one run: ingest, checks, core, KPIs, dashboards.",
    tags={"kinerja/kind": "nightly"},
)


def landing_fingerprint(landing_dir: Path) -> str:
    """Digest of the landing folder's file names, sizes and modification times (cheap; no file is read)."""
    digest = hashlib.sha256()
    if landing_dir.exists():
        for path in sorted(p for p in landing_dir.rglob("*") if p.is_file()):
            stat = path.stat()
            digest.update(f"{path.relative_to(landing_dir)}|{stat.st_size}|{stat.st_mtime_ns}\n".encode())
    return digest.hexdigest()


def build_schedule(
    settings: Settings, default_status: dg.DefaultScheduleStatus = dg.DefaultScheduleStatus.RUNNING
) -> dg.ScheduleDefinition:
    return dg.ScheduleDefinition(
        name="nightly_refresh_schedule",
        job=nightly_refresh,
        cron_schedule=settings.nightly_cron,
        execution_timezone=settings.timezone,
        default_status=default_status,
        description=f"Nightly refresh at {settings.nightly_cron} ({settings.timezone}).",
    )


def build_landing_sensor(
    settings: Settings, default_status: dg.DefaultSensorStatus = dg.DefaultSensorStatus.RUNNING
) -> dg.SensorDefinition:
    @dg.sensor(
        name="landing_files_sensor",
        job=nightly_refresh,
        minimum_interval_seconds=300,
        default_status=default_status,
        description="Starts a refresh when files in the landing folder are added or changed.",
    )
    def _sensor(context: dg.SensorEvaluationContext):
        fingerprint = landing_fingerprint(settings.landing_dir)
        if context.cursor is None:
            # First evaluation: remember the folder as it is; the schedule covers what landed before.
            context.update_cursor(fingerprint)
            return dg.SkipReason("recorded the landing folder; later changes start a run")
        if fingerprint == context.cursor:
            return dg.SkipReason("no new or changed landing files")
        context.update_cursor(fingerprint)
        return dg.RunRequest(run_key=fingerprint, tags={"kinerja/trigger": "landing_files"})

    return _sensor
