"""Typed settings: one YAML file (config/kinerja.yaml) with KINERJA_<KEY> environment overrides.

Invalid settings fail at start with a message that names the key, the file and what is allowed.
Relative paths resolve against the project root, so commands work from any working directory.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Iterator
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml
from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationError, field_validator

PROJECT_ROOT = Path(__file__).resolve().parents[1]
DEFAULT_SETTINGS_FILE = PROJECT_ROOT / "config" / "kinerja.yaml"
ENV_PREFIX = "KINERJA_"


class SettingsError(ValueError):
    """Raised when the settings file or an override is invalid; the message names the key."""


def _known_timezone(value: str) -> str:
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ValueError(f"unknown time zone {value!r} (use an IANA name such as Asia/Jakarta)") from exc
    return value


def _five_field_cron(value: str) -> str:
    if len(value.split()) != 5:
        raise ValueError(f"{value!r} is not a five-field cron expression")
    return value


# Field types shared with the group file (pipelines/group.py)
TimeZoneName = Annotated[str, AfterValidator(_known_timezone)]
CronExpression = Annotated[str, AfterValidator(_five_field_cron)]


class Settings(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    company_name: str = "PT Kinerja Contoh"
    country: str = Field("ID", min_length=2, max_length=2)
    timezone: TimeZoneName = "Asia/Jakarta"
    currency: str = Field("IDR", min_length=3, max_length=3)
    work_week_days: int = 5
    default_region: str = "ID-JK"
    language: Literal["en", "id"] = "en"
    privacy_min_group_size: int = Field(5, ge=1, le=1000)
    reporting_months: int = Field(36, ge=1, le=240)

    landing_dir: Path = Path("data/landing")
    warehouse_path: Path = Path("data/warehouse.duckdb")
    # The published read copy of the warehouse that every reader opens (default: beside the warehouse,
    # <name>.read.duckdb); the nightly run writes only warehouse_path and replaces this in one rename.
    read_copy_path: Path | None = None
    reports_dir: Path = Path("data/reports")
    # Where the warehouse lives (pipelines/warehouse.py): "duckdb" is the file above; "ducklake" is a DuckLake
    # lake with its catalog in Postgres (a libpq connection string; the password from PGPASSWORD or ~/.pgpass)
    # and its data as Parquet under ducklake_data_path. Several warehouses may share one Postgres database, each
    # in its own ducklake_metadata_schema. Readers see the last published night on either backend.
    warehouse_backend: Literal["duckdb", "ducklake"] = "duckdb"
    ducklake_catalog: str | None = None
    ducklake_data_path: Path = Path("data/lake")
    ducklake_metadata_schema: str | None = Field(None, pattern=r"^[a-z_][a-z0-9_]*$")
    ducklake_keep_nights: int = Field(7, ge=1, le=366)  # published nights kept readable (older snapshots expire)
    contracts_dir: Path = Path("contracts/demo")
    answer_key_dir: Path = Path("data/answer_key")

    nightly_cron: CronExpression = "0 2 * * *"
    duckdb_memory_limit: str = "4GB"
    duckdb_threads: int = Field(2, ge=1, le=256)
    # Files and folders Kinerja creates (landing, warehouse, reports, Dagster home) are readable by their owner
    # only (0600/0700): they hold payroll data. False leaves the process's umask as it is.
    private_files: bool = True
    # Staging quarantines a date or timestamp outside this range (rule date_out_of_range): 9999-12-31 or
    # 0001-01-01 is a placeholder, not a date; a contract column lists its "open" placeholders in open_end.
    plausible_date_min: dt.date = dt.date(1900, 1, 1)
    plausible_date_max: dt.date = dt.date(2199, 12, 31)
    # The Dagster UI flags a source or mart asset as stale when the nightly run has not refreshed it for this
    # many hours (a night and a bit, so a run that finishes late is not flagged).
    freshness_window_hours: int = Field(26, ge=1, le=24 * 31)
    # Where `make serve` (dashboards/serve.py) serves data/reports: the report assets link to their page there.
    reports_base_url: str = "http://127.0.0.1:8080"
    # Alerts (pipelines/alerts.py): a failed night and each night's "what went red" digest, by e-mail over SMTP
    # and/or a chat webhook. Secrets never live here: the SMTP login comes from KINERJA_SMTP_USER and
    # KINERJA_SMTP_PASSWORD, the webhook address from KINERJA_ALERT_WEBHOOK_URL.
    alert_email_to: list[str] = []
    alert_email_from: str = "kinerja@localhost"
    smtp_host: str | None = None
    smtp_port: int = Field(25, ge=1, le=65535)
    smtp_starttls: bool = False
    alert_webhook_format: Literal["slack", "teams", "json"] = "json"

    @field_validator("work_week_days")
    @classmethod
    def _five_or_six(cls, value: int) -> int:
        if value not in (5, 6):
            raise ValueError("must be 5 or 6 (working days a week)")
        return value

    @field_validator("alert_email_to", mode="before")
    @classmethod
    def _address_list(cls, value):
        if isinstance(value, str):  # KINERJA_ALERT_EMAIL_TO=a@example.com,b@example.com
            return [part.strip() for part in value.split(",") if part.strip()]
        return value

    @property
    def read_copy(self) -> Path:
        """The published read copy readers open: ``read_copy_path``, else ``<warehouse stem>.read.duckdb``."""
        if self.read_copy_path is not None:
            return self.read_copy_path
        return self.warehouse_path.with_name(f"{self.warehouse_path.stem}.read{self.warehouse_path.suffix}")

    @property
    def duckdb_config(self) -> dict:
        """The memory and threads every connection of this process opens the warehouse with (a run's,
        ``open_writer``'s, and the CLI's read-only one, which adds its access mode: DuckDB takes one configuration
        per file and process)."""
        return {"memory_limit": self.duckdb_memory_limit, "threads": self.duckdb_threads}

    def resolved(self, root: Path) -> Settings:
        """Return a copy whose relative paths are absolute under ``root``."""
        updates = {}
        paths = (
            "landing_dir",
            "warehouse_path",
            "reports_dir",
            "contracts_dir",
            "answer_key_dir",
            "ducklake_data_path",
        )
        for name in paths:
            path = getattr(self, name)
            updates[name] = path if path.is_absolute() else (root / path).resolve()
        if self.read_copy_path is not None:
            path = self.read_copy_path
            updates["read_copy_path"] = path if path.is_absolute() else (root / path).resolve()
        return self.model_copy(update=updates)


def read_yaml_mapping(
    path: Path,
    what: str = "settings file",
    error: type[Exception] = SettingsError,
    missing_hint: str = "set KINERJA_CONFIG or create it",
    hint: str = "",
) -> dict:
    """The YAML mapping in ``path``; ``error`` (naming ``what`` and the file) when it is missing or is not one."""
    if not path.is_file():
        raise error(f"{what} {path} does not exist ({missing_hint})")
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as exc:
        raise error(f"{what} {path} is not valid YAML: {exc}") from exc
    if not isinstance(data, dict):
        raise error(f"{what} {path} must be a mapping of key: value{hint}")
    return data


def validation_errors(exc: ValidationError) -> Iterator[tuple[str, dict]]:
    """Each error of a file that does not validate, with the dotted key it is about (``(file)``: the whole file)."""
    for error in exc.errors():
        yield ".".join(str(part) for part in error["loc"]) or "(file)", error


def _env_overrides(environ: dict[str, str]) -> dict[str, str]:
    keys = set(Settings.model_fields)
    overrides = {}
    for name, value in environ.items():
        if name.startswith(ENV_PREFIX) and name != ENV_PREFIX + "CONFIG":
            key = name[len(ENV_PREFIX) :].lower()
            if key in keys:
                overrides[key] = value
    return overrides


def load_settings(path: Path | None = None, environ: dict[str, str] | None = None) -> Settings:
    """Read the settings file, apply environment overrides and validate."""
    environ = dict(os.environ if environ is None else environ)
    path = Path(path or environ.get(ENV_PREFIX + "CONFIG") or DEFAULT_SETTINGS_FILE)
    data = read_yaml_mapping(path)
    data.update(_env_overrides(environ))
    try:
        settings = Settings(**data)
    except ValidationError as exc:
        problems = []
        for key, error in validation_errors(exc):
            source = f"environment {ENV_PREFIX}{key.upper()}" if key in _env_overrides(environ) else str(path)
            problems.append(f"setting '{key}' ({source}): {error['msg']} (got {error.get('input')!r})")
        raise SettingsError("invalid settings:\n  " + "\n  ".join(problems)) from None
    root = path.resolve().parent.parent if path.resolve().parent.name == "config" else PROJECT_ROOT
    return settings.resolved(root)


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """Settings of this process, read once."""
    return load_settings()


def apply_file_privacy(settings: Settings) -> None:
    """Make what this process creates owner-only (umask 077) when ``private_files`` is on."""
    if settings.private_files:
        os.umask(0o077)
