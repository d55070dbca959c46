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


def _invoke(assets_def: dg.AssetsDefinition, resource) -> None:
    fn = assets_def.op.compute_fn.decorated_fn
    params = list(inspect.signature(fn).parameters)
    kwargs = {"duckdb": resource} if "duckdb" in params else {}
    if params and params[0] == "context":
        context = dg.build_asset_context() if len(assets_def.keys) == 1 else dg.build_op_context()
        out = assets_def(context, **kwargs)
    else:
        out = assets_def(**kwargs)
    if inspect.isgenerator(out):
        for _ in out:  # a multi-asset yields one result per table it wrote
            pass


def run_assets_directly(defs: dg.Definitions, resource) -> dict[str, float]:
    """Materialise the job's assets in topological order; return seconds per asset (multi-assets once)."""
    graph = defs.resolve_asset_graph()
    selected = set(defs.resolve_job_def(NIGHTLY_JOB).asset_layer.selected_asset_keys)
    seconds: dict[str, float] = {}
    done: set[int] = set()
    skipped: list[str] = []
    for key in graph.toposorted_asset_keys:
        if key not in selected:
            continue
        assets_def = graph.get(key).assets_def
        if id(assets_def) in done:
            continue
        done.add(id(assets_def))
        started = time.perf_counter()
        try:
            _invoke(assets_def, resource)
        except DagsterInvalidPropertyError:  # the pages need a Dagster run (its id names their build)
            skipped.append(key.to_user_string())
            continue
        seconds[key.to_user_string()] = time.perf_counter() - started
    if skipped:
        print(f"bare: not run without a Dagster run: {', '.join(skipped)}", file=sys.stderr)
    return seconds
