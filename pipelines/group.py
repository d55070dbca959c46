"""A group of companies: one group file (``KINERJA_GROUP_CONFIG``, shape in ``config/group.example.yaml``) lists
the companies, each with its own settings file and so its own warehouse. This module reads the group file, runs
the companies' nights side by side and says where each company stands; ``pipelines/consolidation.py`` sums
them into the group warehouse.

A company's night runs in its own process, ``kinerja run --no-generate`` with ``KINERJA_CONFIG`` naming that
company's settings file: settings are one per process (``get_settings``), and a process per night is also what
uses a second core, and what a pod is on Kubernetes. The company's settings come from its file alone: the
``KINERJA_<KEY>`` overrides of the environment are not passed on (one ``KINERJA_WAREHOUSE_PATH`` would point every
company at one warehouse), nor is ``DAGSTER_HOME``: a company's night runs on an ephemeral Dagster instance, so
the nightly sensors of the code location (alerts, digest, both built for its own settings) never mistake one
company's night for another's; the night sends its own alerts with its company's settings.

Two runs of the same company at once: the group runner holds ``<warehouse>.group-run.lock`` (beside the lock
the night itself holds, ``pipelines.warehouse.lock_path``) for as long as the company's night runs, and looks at
the night's own lock before it starts one; either held means the company is being refreshed, and the second
runner stops at once with a message naming the holder.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import re
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from pipelines.settings import (
    ENV_PREFIX,
    PROJECT_ROOT,
    CronExpression,
    Settings,
    SettingsError,
    TimeZoneName,
    load_settings,
    read_yaml_mapping,
    validation_errors,
)

GROUP_ENV = "KINERJA_GROUP_CONFIG"
EXAMPLE_FILE = "config/group.example.yaml"
RUN_KIND = "group-run"  # the output of a company's night: <warehouse folder>/logs/group-run-<time>.log
# what `kinerja run` exits with (pipelines/cli.py): 0 ran, 1 a step failed, 2 invalid settings, 3 files failed/held
EXIT_OK, EXIT_FAILED, EXIT_SETTINGS, EXIT_FILES = 0, 1, 2, 3
STOP_SECONDS = 20  # a night asked to stop (SIGTERM) is killed after this long
LOCK_PATIENCE = 0.5  # seconds a held lock is tried again before the company counts as being refreshed


class GroupError(ValueError):
    """The group file is missing or invalid; the message names the file and the key."""


class CompanyBusy(RuntimeError):
    """The company is being refreshed by another run; the message names the holder."""


class IntercompanyVendor(BaseModel):
    """A supplier in a company's books that is another company of the group: its payments to it are intercompany
    lines, left out of the group's spend."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    company: str = Field(description="code of the group company the supplier is")
    vendor_id: str | None = Field(None, min_length=1, description="the supplier's id in this company's books")
    vendor_name: str | None = Field(None, min_length=1, description="the supplier's name, where lines have no id")

    @model_validator(mode="after")
    def _an_identifier(self) -> IntercompanyVendor:
        if self.vendor_id is None and self.vendor_name is None:
            raise ValueError("needs vendor_id or vendor_name (how the supplier shows in this company's books)")
        return self

    @property
    def name_key(self) -> str | None:
        """The name as ``core.fct_spend_transaction`` keys it: capitals, spaces trimmed and collapsed."""
        return normalised_name(self.vendor_name) if self.vendor_name else None


class Company(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    code: str = Field(pattern=r"^[A-Z0-9_]{1,16}$", description="short and unique: capitals, digits, underscore")
    name: str = Field(min_length=1)
    settings: Path = Field(description="the company's settings file (the shape of config/kinerja.yaml)")
    intercompany_vendors: tuple[IntercompanyVendor, ...] = ()


class Group(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(min_length=1)
    # the group's own warehouse: consolidation writes it (whole, in one rename); nothing else does
    warehouse_path: Path = Path("data/group/warehouse.duckdb")
    currency: str = Field("IDR", pattern=r"^[A-Z]{3}$", description="the reporting currency of the group")
    timezone: TimeZoneName = "Asia/Jakarta"
    nightly_cron: CronExpression = "0 2 * * *"  # when the server profile's schedule starts every company's night
    private_files: bool = True  # what the group commands create is readable by its owner only
    companies: tuple[Company, ...]

    @field_validator("companies")
    @classmethod
    def _some_companies(cls, value: tuple[Company, ...]) -> tuple[Company, ...]:
        if not value:
            raise ValueError("lists no company: a group has at least one")
        return value

    def company(self, code: str) -> Company:
        for company in self.companies:
            if company.code == code:
                return company
        raise GroupError(f"no company {code!r} in the group (companies: {', '.join(self.codes)})")

    @property
    def codes(self) -> list[str]:
        return [c.code for c in self.companies]


def normalised_name(name: str) -> str:
    return " ".join(name.split()).upper()


def _problem(path: Path, key: str, message: str, value=None) -> str:
    got = f" (got {value!r})" if value is not None else ""
    return f"key '{key}' ({path}): {message}{got}"


def _invalid(path: Path, key: str, error: dict) -> str:
    """A validation error of the group file as a problem; a missing key has no value to show."""
    message = error["msg"].removeprefix("Value error, ")
    return _problem(path, key, message, error.get("input") if error["type"] != "missing" else None)


def _cross_checks(group: Group, path: Path) -> list[str]:
    """What one entry cannot say about itself: unique codes and settings files, intercompany suppliers that are
    other companies of the group, settings files that exist."""
    problems = []
    seen: dict[str, int] = {}
    files: dict[Path, str] = {}
    for index, company in enumerate(group.companies):
        key = f"companies.{index}"
        if company.code in seen:
            problems.append(_problem(path, f"{key}.code", f"{company.code} is also companies.{seen[company.code]}"))
        seen.setdefault(company.code, index)
        if not company.settings.is_file():
            problems.append(_problem(path, f"{key}.settings", f"settings file {company.settings} does not exist"))
        elif company.settings in files:
            other = files[company.settings]
            problems.append(_problem(path, f"{key}.settings", f"{company.settings} is also the settings of {other}"))
        files.setdefault(company.settings, company.code)
    for index, company in enumerate(group.companies):
        for number, vendor in enumerate(company.intercompany_vendors):
            key = f"companies.{index}.intercompany_vendors.{number}.company"
            if vendor.company == company.code:
                problems.append(_problem(path, key, f"{company.code} cannot be a supplier of itself"))
            elif vendor.company not in seen:
                known = ", ".join(group.codes)
                problems.append(_problem(path, key, f"no company {vendor.company!r} in the group (companies: {known})"))
    return problems


def _root(path: Path) -> Path:
    """What relative paths in the file resolve against: as for settings files, the folder holding ``config/``."""
    return path.parent.parent if path.parent.name == "config" else PROJECT_ROOT


def _absolute(path: Path, root: Path) -> Path:
    return path if path.is_absolute() else (root / path).resolve()


def group_file(path: Path | str | None = None, environ: dict[str, str] | None = None) -> Path:
    """The group file: ``path``, else the one ``KINERJA_GROUP_CONFIG`` names."""
    environ = os.environ if environ is None else environ
    named = path or environ.get(GROUP_ENV)
    if not named:
        raise GroupError(
            f"no group file: set {GROUP_ENV} or pass --group FILE ({EXAMPLE_FILE} shows what the file holds)"
        )
    return Path(named).resolve()


def load_group(path: Path | str | None = None, environ: dict[str, str] | None = None) -> Group:
    """Read and check the group file (``path``, else ``KINERJA_GROUP_CONFIG``). Reads no settings of this process:
    each company's settings are its own file's (``company_settings``)."""
    path = group_file(path, environ)
    data = read_yaml_mapping(
        path, "group file", GroupError, f"set {GROUP_ENV} or --group; see {EXAMPLE_FILE}", f" (see {EXAMPLE_FILE})"
    )
    try:
        group = Group(**data)
    except ValidationError as exc:
        problems = [_invalid(path, key, error) for key, error in validation_errors(exc)]
        raise GroupError("invalid group file:\n  " + "\n  ".join(problems)) from None
    root = _root(path)
    group = group.model_copy(
        update={
            "warehouse_path": _absolute(group.warehouse_path, root),
            "companies": tuple(c.model_copy(update={"settings": _absolute(c.settings, root)}) for c in group.companies),
        }
    )
    problems = _cross_checks(group, path)
    if problems:
        raise GroupError("invalid group file:\n  " + "\n  ".join(problems))
    return group


def company_settings(company: Company) -> Settings:
    """The company's settings: its file alone, without this process's ``KINERJA_<KEY>`` overrides."""
    return load_settings(company.settings, environ={})


def child_environment(company: Company, environ: dict[str, str] | None = None) -> dict[str, str]:
    """The environment of a company's night: this one without the settings overrides and ``DAGSTER_HOME`` (see the
    module's docstring), with ``KINERJA_CONFIG`` naming the company's settings file."""
    keys = {ENV_PREFIX + name.upper() for name in Settings.model_fields}
    env = {k: v for k, v in (os.environ if environ is None else environ).items() if k not in keys}
    env.pop("DAGSTER_HOME", None)
    env[ENV_PREFIX + "CONFIG"] = str(company.settings)
    env[ENV_PREFIX + "GROUP_COMPANY"] = company.code
    return env


def group_lock_path(settings: Settings) -> Path:
    """The lock the group runner holds while a company's night runs: beside the night's own lock."""
    from pipelines.warehouse import lock_path

    night = lock_path(settings)
    return night.with_name(night.name.replace("run.lock", "group-run.lock"))


def _holder(path: Path) -> str:
    """Who holds the lock at ``path``, in words: the process the kernel names, else what the holder wrote."""
    pid = lock_holder(path)
    if pid:
        return f"process {pid}"
    try:
        return path.read_text(encoding="utf-8").strip() or "another process"
    except OSError:
        return "another process"


def _take(stack: contextlib.ExitStack, path: Path) -> bool:
    """Take the lock at ``path`` into ``stack``; False when another process holds it for longer than
    ``LOCK_PATIENCE`` (long enough to outlast a look where there is no kernel lock table, short enough to fail at
    once)."""
    from pipelines.warehouse import RunLocked, run_lock

    deadline = time.monotonic() + LOCK_PATIENCE
    while True:
        try:
            stack.enter_context(run_lock(path))
            return True
        except RunLocked:
            if time.monotonic() >= deadline:
                return False
            time.sleep(0.05)


@contextlib.contextmanager
def company_lock(company: Company, settings: Settings) -> Iterator[None]:
    """Hold the company for a night: fail at once (``CompanyBusy``, naming the holder) when a group run holds it
    or a night of the company is running (``kinerja run``, a scheduled or UI run). The night's own lock is only
    looked at, without taking it (a night starting at that moment must not find it taken): the night takes it
    itself, and should another night get it first, stops at once naming it."""
    from pipelines.warehouse import lock_path

    with contextlib.ExitStack() as held:
        path = group_lock_path(settings)
        if not _take(held, path):
            raise CompanyBusy(
                f"company {company.code} ({company.name}) is already being refreshed by another group run "
                f"({_holder(path)}; lock {path}). Its warehouse has one writer: wait for that run to finish, then "
                "run again"
            )
        night = lock_path(settings)
        if lock_holder(night) is not None:
            raise CompanyBusy(
                f"company {company.code} ({company.name}) is already being refreshed: a night of it is running "
                f"({_holder(night)}; lock {night}). Its warehouse has one writer: wait for that night to finish, "
                "then run again"
            )
        yield


def lock_holder(path: Path) -> int | None:
    """The process holding ``path``'s lock (``flock``), None when nobody does. Read from the kernel's lock table
    (``/proc/locks``), so looking takes no lock: a look never makes a starting night fail. Where there is no such
    table the lock is tried and let go at once (0 stands for "held, by whom unknown")."""
    import fcntl

    try:
        stat = path.stat()
    except OSError:
        return None
    device = f"{os.major(stat.st_dev):02x}:{os.minor(stat.st_dev):02x}:{stat.st_ino}"
    try:
        table = Path("/proc/locks").read_text(encoding="ascii", errors="replace")
    except OSError:
        with open(path) as handle:
            try:
                fcntl.flock(handle, fcntl.LOCK_SH | fcntl.LOCK_NB)
            except BlockingIOError:
                return 0
            fcntl.flock(handle, fcntl.LOCK_UN)
        return None
    for line in table.splitlines():
        fields = line.split()
        # "1: FLOCK  ADVISORY  WRITE 4563 fe:00:1311747 0 EOF" (a waiting request has "->" after the number)
        if len(fields) >= 6 and fields[1] == "FLOCK" and fields[5] == device:
            return int(fields[4]) if fields[4].isdigit() else 0
    return None


def company_busy(settings: Settings) -> str | None:
    """Who is refreshing the company now, in words; None when nobody is."""
    from pipelines.warehouse import lock_path

    for path, who in ((group_lock_path(settings), "a group run"), (lock_path(settings), "a night")):
        pid = lock_holder(path)
        if pid is not None:
            return f"{who} (process {pid})" if pid else who
    return None


# -- a company's night ------------------------------------------------------------------------------------------


@dataclass
class Night:
    """How a company's night went: ``status`` is ok, files (ran; a landed file failed or was held), failed,
    busy (not started: another run holds the company) or settings (its settings file is invalid)."""

    code: str
    name: str
    status: str
    message: str = ""
    exit_code: int | None = None
    started: dt.datetime | None = None
    finished: dt.datetime | None = None
    log: Path | None = None
    pid: int | None = None

    @property
    def ran(self) -> bool:
        return self.status in ("ok", "files")

    @property
    def seconds(self) -> float | None:
        return (self.finished - self.started).total_seconds() if self.started and self.finished else None


NIGHT_COMMAND = [sys.executable, "-m", "pipelines.cli", "run", "--no-generate"]
_FAILED_STEPS = re.compile(r"^steps that failed.*$", re.M)
_LOCKED = re.compile(r"^.*another Kinerja run is writing this warehouse.*$", re.M)


def _failure_summary(output: str) -> str:
    """The line of a night's output that says why it failed."""
    for pattern in (_LOCKED, _FAILED_STEPS):
        found = pattern.search(output)
        if found:
            return found.group(0).strip()
    lines = [line.strip() for line in output.splitlines() if line.strip()]
    return lines[-1] if lines else "no output"


def _stop(process: subprocess.Popen) -> None:
    if process.poll() is not None:
        return
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(STOP_SECONDS)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def run_night(
    company: Company,
    on_start: Callable[[Night], None] | None = None,
    command: list[str] | None = None,
    environ: dict[str, str] | None = None,
) -> Night:
    """Run the company's night in a child process and wait for it, holding the company (``company_lock``) the
    whole time. The night's output goes to ``<warehouse folder>/logs/group-run-<time>.log``."""
    from pipelines.progress import log_dir, prune_logs

    night = Night(company.code, company.name, "failed")
    try:
        settings = company_settings(company)
    except SettingsError as exc:
        night.status, night.message = "settings", " ".join(str(exc).split())
        return night
    try:
        with company_lock(company, settings):
            folder = log_dir(settings.warehouse_path)
            folder.mkdir(parents=True, exist_ok=True)
            night.started = dt.datetime.now()
            night.log = folder / f"{RUN_KIND}-{night.started:%Y%m%dT%H%M%S%f}.log"
            with open(night.log, "w", encoding="utf-8") as out:
                process = subprocess.Popen(
                    command or NIGHT_COMMAND,
                    cwd=PROJECT_ROOT,
                    env=child_environment(company, environ),
                    stdin=subprocess.DEVNULL,
                    stdout=out,
                    stderr=subprocess.STDOUT,
                )
                night.pid = process.pid
                if on_start is not None:
                    on_start(night)
                try:
                    night.exit_code = process.wait()
                except BaseException:  # interrupted (Ctrl-C, a terminated Dagster run): the night stops too
                    _stop(process)
                    raise
            night.finished = dt.datetime.now()
            with contextlib.suppress(OSError):
                prune_logs(folder, RUN_KIND)
    except CompanyBusy as exc:
        night.status, night.message = "busy", str(exc)
        return night
    output = night.log.read_text(encoding="utf-8", errors="replace")
    if night.exit_code in (EXIT_OK, EXIT_FILES):
        night.status = "ok" if night.exit_code == EXIT_OK else "files"
        if night.exit_code == EXIT_FILES:
            night.message = "a landed file could not be loaded or was held (kinerja status says which)"
    else:
        night.status = "settings" if night.exit_code == EXIT_SETTINGS else "failed"
        night.message = _failure_summary(output)
        if night.status == "settings" and not night.message.startswith("invalid settings"):
            night.message = f"invalid settings: {night.message}"
    return night


def run_nights(
    group: Group, codes: list[str], parallel: int, out=None, command: list[str] | None = None
) -> list[Night]:
    """Run the nights of ``codes`` side by side, ``parallel`` at a time, printing a line as each starts and ends;
    return them in the order of ``codes``."""
    printing = threading.Lock()
    width = max(len(c) for c in codes)

    def say(text: str) -> None:
        if out is not None:
            with printing:
                print(text, file=out, flush=True)

    def started(night: Night) -> None:
        say(f"  {night.code:{width}}  started {night.started:%H:%M:%S} (process {night.pid}): {night.name}")

    nights: dict[str, Night] = {}
    with ThreadPoolExecutor(max_workers=max(1, parallel), thread_name_prefix="night") as pool:
        futures = {pool.submit(run_night, group.company(code), started, command): code for code in codes}
        for future in as_completed(futures):
            try:
                night = future.result()
            except Exception as exc:  # noqa: BLE001 - e.g. a log folder that cannot be written: this night failed
                company = group.company(futures[future])
                night = Night(company.code, company.name, "failed", f"{type(exc).__name__}: {exc}")
            nights[night.code] = night
            say(f"  {night.code:{width}}  {describe_night(night)}")
    return [nights[code] for code in codes]


def describe_night(night: Night) -> str:
    took = f" in {night.seconds:.1f} s" if night.seconds is not None else ""
    code = f" (exit {night.exit_code})" if night.exit_code is not None else ""
    log = f"; its output: {night.log}" if night.log else ""
    if night.status == "ok":
        return f"succeeded{took}{code}{log}"
    if night.status == "files":
        return f"ran{took}{code}, but {night.message}{log}"
    if night.status == "busy":
        return f"not run: {night.message}"
    if night.status == "settings":
        return f"not run{code}: {night.message}"
    return f"FAILED{took}{code}: {night.message}{log}"


# -- where each company stands ------------------------------------------------------------------------------------


def published_night(settings: Settings) -> str | None:
    """The company's last published night in words, None when no night was published yet (then there is nothing
    to consolidate: ``pipelines.warehouse.open_reader`` would open the warehouse as it is)."""
    from pipelines.warehouse import Lake, is_lake, published_snapshot

    if not is_lake(settings):
        if not settings.read_copy.exists():
            return None
        when = dt.datetime.fromtimestamp(settings.read_copy.stat().st_mtime).replace(microsecond=0)
        return f"published {when:%Y-%m-%d %H:%M:%S} ({settings.read_copy})"
    with Lake.from_settings(settings).connect(read_only=True) as con:
        published = published_snapshot(con)
    return f"published night {published[1]} (lake snapshot {published[0]})" if published else None


def status_lines(group: Group) -> list[str]:
    """One line per company: code, name, currency, who is refreshing it now, its last published night."""
    width = max(len(c.code) for c in group.companies)
    lines = []
    for company in group.companies:
        try:
            settings = company_settings(company)
        except SettingsError as exc:
            first = str(exc).splitlines()
            lines.append(
                f"{company.code:{width}}  {company.name}: invalid settings {company.settings}: "
                f"{' '.join(s.strip() for s in first)}"
            )
            continue
        parts = [f"{company.code:{width}}  {company.name} ({settings.currency})"]
        busy = company_busy(settings)
        if busy:
            parts.append(f"refreshing now: {busy}")
        try:
            published = published_night(settings)
        except Exception as exc:  # noqa: BLE001 - a lake that does not answer is a status, not a crash
            published = None
            parts.append(f"cannot read its warehouse: {str(exc).splitlines()[0]}")
        parts.append(published or "no published night yet")
        parts.append(f"settings {company.settings}")
        lines.append("; ".join(parts))
    return lines


def default_parallel(companies: int) -> int:
    """Nights at a time when not told: one per core (a small night is mostly one Python thread), at most one per
    company."""
    return max(1, min(companies, os.cpu_count() or 1))
