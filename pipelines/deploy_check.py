"""``make deploy-check``: validate the server profile's files without a server.

- the Dagster instance (deploy/server/dagster.yaml) against a real, throw-away Postgres: ``dagster instance
  info`` must report Postgres run, event-log and schedule storage, and the code location must load from
  deploy/server/workspace.yaml;
- deploy/server/compose.yaml parsed: the services, the image build, the workspace, every variable the instance
  reads, and no secret written in the file;
- the systemd units parsed: the commands they start and the files they read;
- deploy/helm/values.yaml against deploy/helm/values.schema.json (no cluster needed).

Each check prints one line; the exit code is the number of failed checks.
"""

from __future__ import annotations

import configparser
import json
import os
import re
import subprocess
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
DEPLOY = ROOT / "deploy"
INSTANCE_FILE = DEPLOY / "server" / "dagster.yaml"
WORKSPACE_FILE = DEPLOY / "server" / "workspace.yaml"
COMPOSE_FILE = DEPLOY / "server" / "compose.yaml"
DOCKERFILE = DEPLOY / "server" / "Dockerfile"
UNITS = sorted((DEPLOY / "systemd").glob("*.service"))
HELM_VALUES = DEPLOY / "helm" / "values.yaml"
HELM_SCHEMA = DEPLOY / "helm" / "values.schema.json"
STORAGES = ("PostgresRunStorage", "PostgresEventLogStorage", "PostgresScheduleStorage")


class DeployProblem(Exception):
    """A deployment file that would not work; the message says which and why."""


def instance_env_vars() -> set[str]:
    """The environment variables the server instance file reads (``env:`` entries)."""
    return set(re.findall(r"env:\s*([A-Z_][A-Z0-9_]*)", INSTANCE_FILE.read_text(encoding="utf-8")))


def _dagster(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    command = [str(Path(sys.executable).with_name("dagster")), *args]
    return subprocess.run(command, capture_output=True, text=True, env=env, cwd=ROOT, timeout=300)


def check_instance() -> str:
    from pipelines.postgres import temporary_postgres

    with temporary_postgres() as pg, tempfile.TemporaryDirectory(prefix="kinerja-dagster-home-") as home:
        Path(home, "dagster.yaml").write_text(INSTANCE_FILE.read_text(encoding="utf-8"), encoding="utf-8")
        env = {**os.environ, **pg.environ(), "DAGSTER_PG_PASSWORD": "trust-auth", "DAGSTER_HOME": home}
        info = _dagster("instance", "info", env=env)
        text = info.stdout + info.stderr
        missing = [s for s in STORAGES if s not in text]
        if info.returncode != 0 or missing:
            raise DeployProblem(
                f"dagster instance info on {INSTANCE_FILE.name} (exit {info.returncode}) lacks "
                f"{', '.join(missing) or 'nothing'}: {text.strip()[-400:]}"
            )
        loaded = _dagster("definitions", "validate", "-w", str(WORKSPACE_FILE), env=env)
        if loaded.returncode != 0:
            raise DeployProblem(
                f"the code location in {WORKSPACE_FILE.name} does not load: "
                f"{(loaded.stderr or loaded.stdout).strip()[-400:]}"
            )
    return f"instance on Postgres {pg.port}: {', '.join(STORAGES)}; code location loads from {WORKSPACE_FILE.name}"


def check_compose() -> str:
    compose = yaml.safe_load(COMPOSE_FILE.read_text(encoding="utf-8"))
    services = compose.get("services", {})
    missing = {"postgres", "webserver", "daemon"} - set(services)
    if missing:
        raise DeployProblem(f"{COMPOSE_FILE.name} has no service {sorted(missing)}")
    build = services["webserver"].get("build", {})
    context = (COMPOSE_FILE.parent / build.get("context", ".")).resolve()
    if (context / build.get("dockerfile", "")).resolve() != (COMPOSE_FILE.parent / DOCKERFILE.name).resolve():
        raise DeployProblem(
            f"{COMPOSE_FILE.name}: the webserver's build must use the project root and {DOCKERFILE.relative_to(ROOT)}"
        )
    for line in DOCKERFILE.read_text(encoding="utf-8").splitlines():
        if line.startswith("COPY "):
            for source in line.split()[1:-1]:
                if not (ROOT / source).exists():
                    raise DeployProblem(f"{DOCKERFILE.name} copies {source}, which the project does not have")
    needed = instance_env_vars()
    for name in ("webserver", "daemon"):
        service = services[name]
        if str(WORKSPACE_FILE.relative_to(ROOT)) not in " ".join(service.get("command", [])):
            raise DeployProblem(f"{COMPOSE_FILE.name}: {name} does not load {WORKSPACE_FILE.relative_to(ROOT)}")
        absent = needed - set(service.get("environment", {}))
        if absent:
            raise DeployProblem(f"{COMPOSE_FILE.name}: {name} does not set {sorted(absent)} (read by dagster.yaml)")
    for name, service in services.items():
        for key, value in (service.get("environment") or {}).items():
            if re.search(r"PASSWORD|SECRET|TOKEN|WEBHOOK", key) and not str(value).startswith("${"):
                raise DeployProblem(
                    f"{COMPOSE_FILE.name}: {name}.{key} is written in the file; take it from the "
                    "environment (${VARIABLE})"
                )
    return f"{COMPOSE_FILE.name}: services {', '.join(sorted(services))}; no secret in the file"


def check_units() -> str:
    if not UNITS:
        raise DeployProblem("deploy/systemd has no unit file")
    for unit in UNITS:
        parser = configparser.ConfigParser(strict=False, interpolation=None)
        parser.optionxform = str
        parser.read(unit, encoding="utf-8")
        service = parser["Service"] if parser.has_section("Service") else {}
        start = service.get("ExecStart", "")
        if not re.match(r"^/\S+/\.venv/bin/dagster-(webserver|daemon) ", start):
            raise DeployProblem(f"{unit.name}: ExecStart must start the project's dagster-webserver or daemon")
        if str(WORKSPACE_FILE.relative_to(ROOT)) not in start:
            raise DeployProblem(f"{unit.name}: ExecStart does not load {WORKSPACE_FILE.relative_to(ROOT)}")
        if not service.get("User") or service.get("User") == "root":
            raise DeployProblem(f"{unit.name}: runs as root; set User= to the kinerja account")
        if "DAGSTER_HOME=" not in service.get("Environment", "") or not service.get("EnvironmentFile"):
            raise DeployProblem(f"{unit.name}: needs Environment=DAGSTER_HOME=... and an EnvironmentFile for secrets")
        if not parser.has_section("Install"):
            raise DeployProblem(f"{unit.name}: has no [Install] section")
    return f"systemd: {', '.join(u.name for u in UNITS)}"


def check_helm() -> str:
    import jsonschema

    values = yaml.safe_load(HELM_VALUES.read_text(encoding="utf-8"))
    schema = json.loads(HELM_SCHEMA.read_text(encoding="utf-8"))
    errors = sorted(jsonschema.Draft202012Validator(schema).iter_errors(values), key=lambda e: list(e.path))
    if errors:
        raise DeployProblem(
            "; ".join(f"{HELM_VALUES.name} {'.'.join(map(str, e.path)) or '(top)'}: {e.message}" for e in errors[:5])
        )
    deployment = values["dagster-user-deployments"]["deployments"][0]
    return f"helm values: user deployment {deployment['name']}, {values['runLauncher']['type']}, schema valid"


CHECKS: dict[str, Callable[[], str]] = {
    "instance": check_instance,
    "compose": check_compose,
    "systemd": check_units,
    "helm": check_helm,
}


def main(argv: list[str] | None = None) -> int:
    from pipelines.postgres import PostgresUnavailable

    names = argv if argv else list(CHECKS)
    failed = 0
    for name in names:
        try:
            print(f"ok    {name}: {CHECKS[name]()}")
        except (DeployProblem, PostgresUnavailable) as exc:
            failed += 1
            print(f"FAIL  {name}: {exc}")
    return failed


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
