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
