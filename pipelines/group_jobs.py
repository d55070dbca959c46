"""The group's Dagster jobs, present when ``KINERJA_GROUP_CONFIG`` names a group file (``pipelines/group.py``):

- ``company_refresh``: partitioned by the group's company codes (a static partition per company). A partition's
  run starts that company's night in a child process (``kinerja run --no-generate`` with the company's settings,
  ``pipelines.group.run_night``) and fails with the night's error. Each run is its own process (the default run
  launcher) or pod (the Kubernetes run launcher), so companies refresh side by side as far as the run queue
  lets them (``deploy/server/dagster.yaml``: one run per partition at a time).
- ``group_consolidation``: one op that sums every company's last published night into the group warehouse
  (``pipelines/consolidation.py``); an op job, not assets, so the nightly job's selection of every asset stays
  one company's night.
- ``company_refresh_schedule`` requests every company's partition at the group's ``nightly_cron``;
  ``group_consolidation_sensor`` consolidates after each company's night that succeeds.

Without a group file none of this exists and the definitions are those of one company.
"""

from __future__ import annotations

import os
from pathlib import Path

import dagster as dg

from pipelines.group import GROUP_ENV, Group, describe_night, group_file, load_group, run_night

COMPANY_JOB = "company_refresh"
CONSOLIDATION_JOB = "group_consolidation"
KIND_TAG = "kinerja/kind"
COMPANY_TAG = "kinerja/company"


def configured_group(environ: dict[str, str] | None = None) -> Path | None:
    """The group file ``KINERJA_GROUP_CONFIG`` names, or None."""
    environ = os.environ if environ is None else environ
    return group_file(environ=environ) if environ.get(GROUP_ENV) else None


def build_group_jobs(path: Path, group: Group) -> tuple[dg.JobDefinition, dg.JobDefinition]:
    """``company_refresh`` (partitioned by company) and ``group_consolidation`` for the group file at ``path``."""
    from pipelines.consolidation import ConsolidationError, consolidate, consolidation_lines

    partitions = dg.StaticPartitionsDefinition(group.codes)

    @dg.op(
        name="refresh_company",
        description="Runs the partition's company night in a child process with that company's settings file.",
    )
    def refresh_company(context) -> None:
        current = load_group(path)  # as the file is now: a company left out since the code location loaded fails
        company = current.company(context.partition_key)

        def started(night) -> None:
            context.log.info(
                f"{company.code} ({company.name}): night started in process {night.pid} with {company.settings}; "
                f"its output: {night.log}"
            )

        night = run_night(company, on_start=started)
        text = f"{company.code} ({company.name}): {describe_night(night)}"
        if not night.ran:
            metadata = {"exit code": night.exit_code if night.exit_code is not None else -1}
            if night.log is not None:
                metadata["output"] = dg.MetadataValue.path(str(night.log))
            raise dg.Failure(description=text, metadata=metadata)
        (context.log.warning if night.status == "files" else context.log.info)(text)

    @dg.job(
        name=COMPANY_JOB,
        partitions_def=partitions,
        executor_def=dg.in_process_executor,
        tags={KIND_TAG: COMPANY_JOB},
        description=f"One company's night per partition (group file {path}): each run is its own process or pod, "
        "so companies refresh side by side; a second run of the same company fails at once.",
    )
    def company_refresh():
        refresh_company()

    @dg.op(
        name="consolidate_group",
        description="Sums every company's last published night into the group warehouse; names the companies "
        "without one.",
    )
    def consolidate_group(context) -> None:
        current = load_group(path)
        try:
            result = consolidate(current, path)
        except ConsolidationError as exc:
            raise dg.Failure(description=str(exc)) from None
        lines = consolidation_lines(result, current)
        context.log.info("\n".join(lines))
        if result.missing:
            context.log.warning(
                "not consolidated: " + "; ".join(f"{code}: {reason}" for code, reason in result.missing.items())
            )

    @dg.job(
        name=CONSOLIDATION_JOB,
        executor_def=dg.in_process_executor,
        tags={KIND_TAG: CONSOLIDATION_JOB},
        description="The group's consolidation KPIs (headcount, payroll cost, spend without intercompany lines) "
        "from each company's last published night, in the group warehouse.",
    )
    def group_consolidation():
        consolidate_group()

    return company_refresh, group_consolidation


def group_definitions(environ: dict[str, str] | None = None) -> dg.Definitions | None:
    """The group's jobs, schedule and sensor when a group file is configured, else None."""
    path = configured_group(environ)
    if path is None:
        return None
    group = load_group(path)
    company_refresh, group_consolidation = build_group_jobs(path, group)

    @dg.schedule(
        name="company_refresh_schedule",
        cron_schedule=group.nightly_cron,
        execution_timezone=group.timezone,
        job=company_refresh,
        default_status=dg.DefaultScheduleStatus.RUNNING,
        description=f"Every company's night at {group.nightly_cron} ({group.timezone}), one run per company.",
    )
    def company_refresh_schedule(context: dg.ScheduleEvaluationContext):
        moment = context.scheduled_execution_time
        stamp = moment.isoformat() if moment else "manual"
        for code in group.codes:
            yield dg.RunRequest(run_key=f"{code}:{stamp}", partition_key=code, tags={COMPANY_TAG: code})

    @dg.run_status_sensor(
        name="group_consolidation_sensor",
        run_status=dg.DagsterRunStatus.SUCCESS,
        monitored_jobs=[company_refresh],
        request_job=group_consolidation,
        default_status=dg.DefaultSensorStatus.RUNNING,
        description="Consolidates the group after each company's night that succeeds.",
    )
    def group_consolidation_sensor(context: dg.RunStatusSensorContext):
        return dg.RunRequest(run_key=context.dagster_run.run_id)

    return dg.Definitions(
        jobs=[company_refresh, group_consolidation],
        schedules=[company_refresh_schedule],
        sensors=[group_consolidation_sensor],
    )
