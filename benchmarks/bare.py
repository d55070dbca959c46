"""The nightly job's transformations with nothing around them: every asset of ``nightly_refresh`` called
directly, in dependency order, on one DuckDB connection. No Dagster run, no event log, no asset checks, no
step-by-step process boundaries: the limit the orchestrated job is measured against."""

from __future__ import annotations

import inspect
import sys
import time

import dagster as dg
from dagster._core.errors import DagsterInvalidPropertyError

from pipelines.jobs import NIGHTLY_JOB
from pipelines.resources import WarehouseResource


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


def run_assets_directly(defs: dg.Definitions, resource: WarehouseResource) -> dict[str, float]:
    """Materialise the job's assets in topological order; return seconds per asset (multi-assets once). No run
    lock is taken: each asset would take it again."""
    resource = _RunResource(**{**resource.model_dump(), "run_lock_path": None})
    try:
        return _run_in_order(defs, resource)
    finally:
        WarehouseResource.teardown_after_execution(resource, None)


def _run_in_order(defs: dg.Definitions, resource: WarehouseResource) -> dict[str, float]:
    graph = defs.resolve_asset_graph()
    selected = set(defs.resolve_job_def(NIGHTLY_JOB).asset_layer.selected_asset_keys)
    seconds: dict[str, float] = {}
    done: set[int] = set()
    skipped: list[str] = []
    instance = dg.DagsterInstance.ephemeral()
    for key in graph.toposorted_asset_keys:
        if key not in selected:
            continue
        assets_def = graph.get(key).assets_def
        if id(assets_def) in done:
            continue
        done.add(id(assets_def))
        started = time.perf_counter()
        try:
            _invoke(assets_def, resource, instance)
        except DagsterInvalidPropertyError:  # the pages need a Dagster run (its id names their build)
            skipped.append(key.to_user_string())
            continue
        seconds[key.to_user_string()] = time.perf_counter() - started
    if skipped:
        print(f"bare: not run without a Dagster run: {', '.join(skipped)}", file=sys.stderr)
    return seconds
