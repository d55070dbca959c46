"""The nightly job's transformations with nothing around them: every asset of ``nightly_refresh`` called
directly, in dependency order, on one DuckDB connection. No event log, no asset checks, no step-by-step process
boundaries: the limit the orchestrated job is measured against.

The pages are the one exception: each names the night's build folder after its Dagster run (dashboards/assets.py),
and a call without a run has none. They run last, as one in-process run of the page assets alone (nothing else
reads them), so the bare night renders and publishes the same pages as the job; without them the job's pages
would count as orchestration overhead."""

from __future__ import annotations

import inspect
import time

import dagster as dg

from pipelines.dagster_storage import ephemeral_instance
from pipelines.jobs import NIGHTLY_JOB
from pipelines.resources import WarehouseResource

PAGES_PREFIX = "reports"


class _RunResource(WarehouseResource):
    """The job sets its warehouse resource up once per run and tears it down at the end; called directly, an
    asset sets up and tears down its resource itself, which would close the run's anchor connection (reopening and
    checkpointing the file) after every asset. Here the anchor is released once, when all assets have run."""

    def teardown_after_execution(self, context: dg.InitResourceContext) -> None:
        pass


def _invoke(assets_def: dg.AssetsDefinition, resource, instance: dg.DagsterInstance) -> None:
    fn = assets_def.op.compute_fn.decorated_fn
    params = list(inspect.signature(fn).parameters)
    kwargs = {"duckdb": resource} if "duckdb" in params else {}
    if params and params[0] == "context":
        # one instance for every call: a context built without one makes its own, about 0.1 s each
        build = dg.build_asset_context if len(assets_def.keys) == 1 else dg.build_op_context
        context = build(instance=instance)
        out = assets_def(context, **kwargs)
    else:
        out = assets_def(**kwargs)
    if inspect.isgenerator(out):
        for _ in out:  # a multi-asset yields one result per table it wrote
            pass


def run_assets_directly(defs: dg.Definitions, resource: WarehouseResource, pages: bool = True) -> dict[str, float]:
    """Materialise the job's assets in topological order, the pages last in a run of their own (``pages=False``
    leaves them out); return seconds per asset (multi-assets once). No run lock is taken: each asset would take
    it again."""
    resource = _RunResource(**{**resource.model_dump(), "run_lock_path": None})
    try:
        return _run_in_order(defs, resource, pages)
    finally:
        WarehouseResource.teardown_after_execution(resource, None)


def needs_run(assets_def: dg.AssetsDefinition) -> bool:
    """The page assets (``reports/...``): their build folder is named after the run."""
    return any(key.path[0] == PAGES_PREFIX for key in assets_def.keys)


def _run_in_order(defs: dg.Definitions, resource: WarehouseResource, pages: bool) -> dict[str, float]:
    graph = defs.resolve_asset_graph()
    selected = set(defs.resolve_job_def(NIGHTLY_JOB).asset_layer.selected_asset_keys)
    seconds: dict[str, float] = {}
    done: set[int] = set()
    in_a_run: list[dg.AssetsDefinition] = []
    instance = ephemeral_instance()
    for key in graph.toposorted_asset_keys:
        if key not in selected:
            continue
        assets_def = graph.get(key).assets_def
        if id(assets_def) in done:
            continue
        done.add(id(assets_def))
        if needs_run(assets_def):
            in_a_run.append(assets_def)
            continue
        started = time.perf_counter()
        _invoke(assets_def, resource, instance)
        seconds[key.to_user_string()] = time.perf_counter() - started
    if pages and in_a_run:
        job = defs.resolve_job_def(NIGHTLY_JOB)
        seconds.update(_run_pages(job, [k for a in in_a_run for k in a.keys], instance))
    return seconds


def _run_pages(job: dg.JobDefinition, keys: list[dg.AssetKey], instance) -> dict[str, float]:
    """The page assets as one in-process run of the job, with the warehouse resource the definitions bind (the
    same warehouse: it joins the connection the bare calls left open, then closes it); seconds per step as the
    job's events give them."""
    result = job.execute_in_process(instance=instance, asset_selection=keys)
    return {
        event.step_key: event.event_specific_data.duration_ms / 1000
        for event in result.all_events
        if event.event_type_value == "STEP_SUCCESS"
    }
