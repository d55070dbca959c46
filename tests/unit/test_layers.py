"""Arrows point down only (docs/architecture.md): the kernel in pipelines/ uses nothing of the project above it,
assets/ builds on the kernel, checks/ on the assets, dashboards/ on all three, and the application (the
definitions, the CLI, jobs, alerts, the group of companies) sits on top. Every import is read, also the ones
inside functions, so a lazy import cannot hide an arrow pointing up."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

# the kernel: warehouse connections and SQL helpers, settings, partitions, the SQL parser's lineage, Postgres, the
# local instance's event log
KERNEL = {
    "dagster_storage", "db", "discovery", "postgres", "progress", "partitions", "resources", "settings", "sqllineage",
    "warehouse", "yamlfile",
}  # fmt: skip
# the application: what a user or Dagster starts
APPLICATION = {
    "alerts", "cli", "consolidation", "definitions", "deploy_check", "group", "group_commands", "group_jobs", "jobs",
    "orphans",
}  # fmt: skip
LAYERS = {"kernel": 0, "generator": 0, "assets": 1, "checks": 2, "dashboards": 3, "application": 4, "benchmarks": 4}


def layer_of(module: str) -> str | None:
    """The layer of a dotted module name of the project, or None for a module from elsewhere."""
    parts = module.split(".")
    if parts[0] == "pipelines":
        if len(parts) == 1:
            return "kernel"
        return "kernel" if parts[1] in KERNEL else "application" if parts[1] in APPLICATION else "unassigned"
    return parts[0] if parts[0] in LAYERS else None


def imported(source: str) -> list[tuple[int, str]]:
    """(line, module) of every absolute import in ``source``, at any depth."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.append((node.lineno, node.module))
            found += [(node.lineno, f"{node.module}.{a.name}") for a in node.names if node.module == "pipelines"]
        elif isinstance(node, ast.Import):
            found += [(node.lineno, a.name) for a in node.names]
    return found


def upward_imports(module: str, source: str) -> list[str]:
    """The imports of ``module`` (its text ``source``) that point at a layer above its own."""
    own = LAYERS[layer_of(module)]
    wrong = []
    for line, target in imported(source):
        layer = layer_of(target)
        if layer is not None and layer != "unassigned" and LAYERS[layer] > own:
            wrong.append(f"{module}:{line} imports {target} ({layer} is above {layer_of(module)})")
    return wrong


def project_modules() -> dict[str, Path]:
    modules = {}
    for package in ("pipelines", "assets", "checks", "dashboards", "generator", "benchmarks"):
        for path in sorted((ROOT / package).rglob("*.py")):
            modules[".".join(path.relative_to(ROOT).with_suffix("").parts).removesuffix(".__init__")] = path
    return modules


def test_every_pipelines_module_is_kernel_or_application():
    unassigned = [m for m in project_modules() if layer_of(m) == "unassigned"]
    assert not unassigned, f"say in tests/unit/test_layers.py whether these are kernel or application: {unassigned}"


def test_no_import_points_up():
    wrong = []
    for module, path in project_modules().items():
        wrong += upward_imports(module, path.read_text(encoding="utf-8"))
    assert not wrong, "imports that point up a layer:\n" + "\n".join(wrong)


@pytest.mark.parametrize(
    ("module", "source"),
    [
        ("pipelines.partitions", "from assets.ingest.manifest import ensure_schemas\n"),
        ("assets.hr.assets", "def build():\n    from pipelines.cli import main\n"),
        ("checks.runner", "import dashboards.render\n"),
        ("pipelines.warehouse", "from pipelines import definitions\n"),
    ],
)
def test_an_arrow_pointing_up_is_caught(module, source):
    assert len(upward_imports(module, source)) == 1


def test_arrows_pointing_down_pass():
    assert not upward_imports("dashboards.render", "from assets.metadata import redact\nimport pipelines.db\n")
    assert not upward_imports("pipelines.cli", "from dashboards.publish import mark_failed\n")
