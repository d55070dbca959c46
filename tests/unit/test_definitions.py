"""The definitions graph, snapshotted: a refactor cannot silently drop an asset, a check, the nightly job's
selection or the schedule. Regenerate after an intended change with KINERJA_UPDATE_SNAPSHOTS=1."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import dagster as dg

SNAPSHOT = Path(__file__).parent / "snapshots" / "definitions.json"
ROOT = Path(__file__).resolve().parents[2]


def describe(defs: dg.Definitions) -> dict:
    graph = defs.resolve_asset_graph()
    assets = {}
    for key in sorted(graph.get_all_asset_keys()):
        node = graph.get(key)
        spec = node.to_asset_spec() if hasattr(node, "to_asset_spec") else None
        assets[key.to_user_string()] = {
            "group": node.group_name,
            "owners": list(node.owners),
            "kinds": sorted(node.kinds),
            "deps": sorted(p.to_user_string() for p in node.parent_keys),
            "has_description": bool(node.description) or bool(spec and spec.description),
        }
    checks = {}
    for check_key in sorted(graph.asset_check_keys, key=lambda k: (k.asset_key.to_user_string(), k.name)):
        check = graph.get_check_spec(check_key)
        checks[f"{check_key.asset_key.to_user_string()}:{check_key.name}"] = {"blocking": check.blocking}
    job = defs.resolve_job_def("nightly_refresh")
    schedules = {
        s.name: {"cron": s.cron_schedule, "timezone": s.execution_timezone, "status": s.default_status.value,
                 "job": s.job_name}
        for s in defs.get_repository_def().schedule_defs
    }  # fmt: skip
    sensors = {s.name: {"status": s.default_status.value} for s in defs.get_repository_def().sensor_defs}
    return {
        "assets": assets,
        "checks": checks,
        "nightly_refresh": {
            "assets": sorted(k.to_user_string() for k in job.asset_layer.executable_asset_keys),
            "executor": job.executor_def.name,
        },
        "schedules": schedules,
        "sensors": sensors,
    }


def test_definitions_match_the_snapshot():
    from pipelines.definitions import build_definitions

    defs = build_definitions()

    current = describe(defs)
    if os.environ.get("KINERJA_UPDATE_SNAPSHOTS") or not SNAPSHOT.exists():
        SNAPSHOT.write_text(json.dumps(current, indent=2, sort_keys=True) + "\n")
    assert current == json.loads(SNAPSHOT.read_text())


def test_nightly_job_covers_every_asset_in_process_with_a_running_schedule():
    from pipelines.definitions import build_definitions

    defs = build_definitions()

    current = describe(defs)
    assert current["nightly_refresh"]["assets"] == sorted(current["assets"])
    assert current["nightly_refresh"]["executor"] == "in_process"
    assert current["schedules"]["nightly_refresh_schedule"] == {
        "cron": "0 2 * * *", "timezone": "Asia/Jakarta", "status": "RUNNING", "job": "nightly_refresh"}  # fmt: skip
    for key, asset in current["assets"].items():
        assert asset["group"] != "default", f"{key} has no domain group"
        assert asset["owners"] and asset["kinds"] and asset["has_description"], key


def test_dagster_definitions_validate_passes(tmp_path):
    # `make test` exports DAGSTER_HOME for `make ui`; the folder need not exist on a fresh clone.
    env = {**os.environ, "DAGSTER_HOME": str(tmp_path)}
    result = subprocess.run(
        [str(Path(sys.executable).parent / "dagster"), "definitions", "validate", "-m", "pipelines.definitions"],
        cwd=ROOT, capture_output=True, text=True, timeout=300, env=env,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr


def test_importing_the_modules_builds_no_definitions(tmp_path):
    # every module of the three packages and the code location imported in a fresh process: no module's
    # definitions are built (contracts, suites and registries are read when Dagster loads the location)
    probe = (
        "import importlib, pkgutil\n"
        "import dagster as dg\n"
        "for name in ('assets', 'checks', 'dashboards'):\n"
        "    package = importlib.import_module(name)\n"
        "    for info in pkgutil.walk_packages(package.__path__, name + '.'):\n"
        "        importlib.import_module(info.name)\n"
        "import pipelines.definitions as location\n"
        "from pipelines import discovery\n"
        "print(len(discovery._built), callable(location.defs), isinstance(location.defs, dg.Definitions))\n"
        "defs = location.defs()\n"
        "print(len(discovery._built) > 10, isinstance(defs, dg.Definitions))\n"
    )
    env = {**os.environ, "DAGSTER_HOME": str(tmp_path)}
    result = subprocess.run(
        [sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True, timeout=300, env=env
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == ["0 True False", "True True"]
