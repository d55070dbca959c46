"""The one discovery of the project's definitions: every module of a package that defines a module-level ``defs``
(a ``dg.Definitions``). The code location merges them (pipelines/definitions.py); the quality marts, the suites'
checks and the pages read the asset graph they describe (``asset_graph``)."""

from __future__ import annotations

import importlib
import pkgutil

import dagster as dg


def package_definitions(package_name: str, skip: str | None = None, reload: bool = False) -> list[dg.Definitions]:
    """The ``defs`` of every module below ``package_name`` in name order, leaving out the modules below ``skip``
    (a package that reads the others' definitions to build its own); ``reload`` builds them anew (other settings)."""
    package = importlib.import_module(package_name)
    found = []
    for info in sorted(pkgutil.walk_packages(package.__path__, f"{package_name}."), key=lambda m: m.name):
        if skip is not None and (info.name == skip or info.name.startswith(skip + ".")):
            continue
        module = importlib.import_module(info.name)
        if reload and isinstance(getattr(module, "defs", None), dg.Definitions):
            module = importlib.reload(module)
        if isinstance(getattr(module, "defs", None), dg.Definitions):
            found.append(module.defs)
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
