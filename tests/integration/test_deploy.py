"""The server profile's files validate (the instance against a throw-away Postgres started here), and each
check fails, with a sentence, on the mistake it is there to catch."""

from __future__ import annotations

import shutil

import pytest
import yaml

from pipelines import deploy_check
from pipelines.postgres import postgres_available

pytestmark = pytest.mark.integration


@pytest.mark.skipif(not postgres_available(), reason="Debian's postgresql is not installed: run `make postgres-deps`")
def test_every_deploy_check_passes_on_the_shipped_files(capsys):
    assert deploy_check.main([]) == 0
    out = capsys.readouterr().out
    assert "ok    instance: instance on Postgres" in out
    assert "PostgresRunStorage, PostgresEventLogStorage, PostgresScheduleStorage" in out
    assert out.count("\nok    ") == 3 and out.startswith("ok    ")


@pytest.fixture
def deploy_copy(tmp_path, monkeypatch):
    """A copy of deploy/ the test may break; the checks are pointed at it."""
    copy = tmp_path / "deploy"
    shutil.copytree(deploy_check.DEPLOY, copy)
    monkeypatch.setattr(deploy_check, "COMPOSE_FILE", copy / "server" / "compose.yaml")
    monkeypatch.setattr(deploy_check, "HELM_VALUES", copy / "helm" / "values.yaml")
    monkeypatch.setattr(deploy_check, "UNITS", sorted((copy / "systemd").glob("*.service")))
    return copy


def test_a_password_written_in_the_compose_file_is_refused(deploy_copy):
    path = deploy_copy / "server" / "compose.yaml"
    path.write_text(path.read_text().replace("DAGSTER_PG_PASSWORD: ${POSTGRES_PASSWORD:?set POSTGRES_PASSWORD}",
                                             "DAGSTER_PG_PASSWORD: hunter2"))  # fmt: skip
    with pytest.raises(deploy_check.DeployProblem, match=r"webserver.DAGSTER_PG_PASSWORD is written in the file"):
        deploy_check.check_compose()


def test_a_service_without_the_instance_variables_is_refused(deploy_copy):
    path = deploy_copy / "server" / "compose.yaml"
    compose = yaml.safe_load(path.read_text())
    compose["services"]["daemon"]["environment"] = {"DAGSTER_PG_HOST": "postgres"}
    path.write_text(yaml.safe_dump(compose))
    with pytest.raises(deploy_check.DeployProblem, match=r"daemon does not set \['DAGSTER_PG_DB'"):
        deploy_check.check_compose()


def test_helm_values_outside_the_schema_are_refused(deploy_copy):
    path = deploy_copy / "helm" / "values.yaml"
    values = yaml.safe_load(path.read_text())
    values["runLauncher"]["type"] = "LocalRunLauncher"
    values["postgresql"].pop("postgresqlHost")
    path.write_text(yaml.safe_dump(values))
    with pytest.raises(deploy_check.DeployProblem) as problem:
        deploy_check.check_helm()
    assert "runLauncher.type: 'LocalRunLauncher' is not one of" in str(problem.value)
    assert "'postgresqlHost' is a required property" in str(problem.value)


def test_a_unit_running_as_root_is_refused(deploy_copy):
    unit = deploy_copy / "systemd" / "kinerja-daemon.service"
    unit.write_text(unit.read_text().replace("User=kinerja", "User=root"))
    with pytest.raises(deploy_check.DeployProblem, match="kinerja-daemon.service: runs as root"):
        deploy_check.check_units()


def test_the_instance_reads_its_connection_from_the_environment_only():
    text = deploy_check.INSTANCE_FILE.read_text()
    assert deploy_check.instance_env_vars() == {"DAGSTER_PG_HOST", "DAGSTER_PG_PORT", "DAGSTER_PG_USER",
                                                "DAGSTER_PG_PASSWORD", "DAGSTER_PG_DB"}  # fmt: skip
    assert "password:\n        env: DAGSTER_PG_PASSWORD" in text
