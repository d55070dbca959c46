"""The one discovery of the project's definitions: every module of a package that defines a module-level ``defs``,
a function decorated with ``@dg.definitions`` that builds that module's ``dg.Definitions``. Importing a module
builds nothing; its definitions are built when the code location asks for them (pipelines/definitions.py), once
per settings: contracts, landing and the warehouse decide which staging assets and checks exist, so other
settings (another company in the same process) build them anew. The quality marts, the suites' checks and the
pages read the asset graph those definitions describe (``asset_graph``)."""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable

import dagster as dg

from pipelines.settings import get_settings

# (settings, module name) -> that module's definitions; only the current settings' are kept
_built: dict[tuple[str, str], dg.Definitions] = {}


def module_definitions(module_name: str) -> dg.Definitions | None:
    """The definitions of one module (its ``defs()``), built once per settings; None when it has none."""
    key = (get_settings().model_dump_json(), module_name)
    if key not in _built:
        build: Callable[[], dg.Definitions] | None = getattr(importlib.import_module(module_name), "defs", None)
        if build is None or not callable(build):
            return None
        for stale in [k for k in _built if k[0] != key[0]]:  # other settings: their definitions are not used again
            del _built[stale]
        _built[key] = build()
    return _built[key]


def package_definitions(package_name: str, skip: str | None = None) -> list[dg.Definitions]:
    """The definitions of every module below ``package_name`` in name order, leaving out the modules below ``skip``
    (a package that reads the others' definitions to build its own)."""
    package = importlib.import_module(package_name)
    found = []
    for info in sorted(pkgutil.walk_packages(package.__path__, f"{package_name}."), key=lambda m: m.name):
        if skip is not None and (info.name == skip or info.name.startswith(skip + ".")):
            continue
        defs = module_definitions(info.name)
        if defs is not None:
            found.append(defs)
    return found


def asset_graph(package_name: str = "assets", skip: str | None = None) -> dict[dg.AssetKey, frozenset[dg.AssetKey]]:
    """Every asset that the modules below ``package_name`` define, with the assets it reads."""
    graph: dict[dg.AssetKey, frozenset[dg.AssetKey]] = {}
    for defs in package_definitions(package_name, skip):
        for item in defs.assets or []:
            if isinstance(item, dg.AssetsDefinition):
                graph.update({k: frozenset(d) for k, d in item.asset_deps.items()})
            else:
                graph[item.key] = frozenset(d.asset_key for d in item.deps)
    return graph
