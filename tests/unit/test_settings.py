"""Settings: YAML plus KINERJA_* overrides; an invalid value fails at start naming the key."""

from __future__ import annotations

from pathlib import Path

import pytest

from pipelines.settings import DEFAULT_SETTINGS_FILE, SettingsError, load_settings


def test_defaults_are_the_indonesian_profile_with_absolute_paths():
    settings = load_settings(environ={})
    assert (settings.country, settings.timezone, settings.currency, settings.work_week_days) == (
        "ID", "Asia/Jakarta", "IDR", 5)  # fmt: skip
    assert settings.warehouse_path.is_absolute()
    assert settings.warehouse_path == DEFAULT_SETTINGS_FILE.parent.parent / "data" / "warehouse.duckdb"


def test_environment_overrides_the_file(tmp_path):
    settings = load_settings(environ={"KINERJA_WORK_WEEK_DAYS": "6", "KINERJA_WAREHOUSE_PATH": str(tmp_path / "w.db")})
    assert settings.work_week_days == 6
    assert settings.warehouse_path == tmp_path / "w.db"


@pytest.mark.parametrize(
    ("environ", "words"),
    [
        ({"KINERJA_WORK_WEEK_DAYS": "7"}, ["work_week_days", "KINERJA_WORK_WEEK_DAYS", "5 or 6"]),
        ({"KINERJA_TIMEZONE": "Asia/Atlantis"}, ["timezone", "unknown time zone"]),
        ({"KINERJA_PRIVACY_MIN_GROUP_SIZE": "0"}, ["privacy_min_group_size"]),
        ({"KINERJA_NIGHTLY_CRON": "every night"}, ["nightly_cron", "five-field"]),
    ],
)
def test_invalid_override_names_the_key(environ, words):
    with pytest.raises(SettingsError) as error:
        load_settings(environ=environ)
    for word in words:
        assert word in str(error.value)


def test_unknown_key_in_the_file_is_refused(tmp_path: Path):
    path = tmp_path / "config" / "kinerja.yaml"
    path.parent.mkdir()
    path.write_text("company_name: PT Uji\nwork_week: 5\n")
    with pytest.raises(SettingsError, match="work_week"):
        load_settings(path, environ={})


def test_relative_paths_resolve_against_the_settings_project(tmp_path: Path):
    path = tmp_path / "config" / "kinerja.yaml"
    path.parent.mkdir()
    path.write_text("landing_dir: exports\n")
    assert load_settings(path, environ={}).landing_dir == tmp_path / "exports"


def test_the_run_and_a_writer_open_the_warehouse_with_one_configuration(tmp_path):
    """DuckDB takes one configuration per file and process: the run's resource, the CLI's summary after a run and
    ``open_writer`` ask the same ``duckdb_config``."""
    import duckdb

    from pipelines.cli import _run_connection_config
    from pipelines.resources import warehouse_resource
    from pipelines.warehouse import open_writer

    settings = load_settings(environ={"KINERJA_WAREHOUSE_PATH": str(tmp_path / "w.duckdb"),
                                      "KINERJA_DUCKDB_MEMORY_LIMIT": "1GB"})  # fmt: skip
    assert settings.duckdb_config == {"memory_limit": "1GB", "threads": settings.duckdb_threads}
    assert warehouse_resource(settings, lock=False).connection_config == settings.duckdb_config
    assert _run_connection_config(settings) == {"custom_user_agent": "dagster", **settings.duckdb_config}
    # a second connection in the process with the run's configuration is the same database, not a refusal
    with (
        open_writer(settings) as con,
        duckdb.connect(str(settings.warehouse_path), config=settings.duckdb_config) as again,
    ):
        con.execute("create table t as select 1 as x")
        assert again.execute("select x from t").fetchone() == (1,)
