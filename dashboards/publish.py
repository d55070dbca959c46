"""Publishing a night's pages in one step: readers see the last complete set or the new one, never a mix, never a
half-written or empty page.

Layout (``reports_dir`` is ``data/reports`` by default)::

    data/reports                  -> .reports-builds/<run id>   a symbolic link: the published set
    data/.reports-builds/<run id>/  overview.html ... assets/   one folder per run

Every page asset of the nightly run writes into the run's own build folder (``build_dir``); the last step,
``reports/published``, checks that every page of the run is there, and replaces the ``reports`` link in one
``rename`` (atomic on POSIX file systems). A reader who opens ``data/reports/overview.html`` (a browser, ``make
serve``, the ``file://`` paths ``kinerja run`` prints) gets the whole old set or the whole new one. The set before
stays until the next publish (a page open in a browser keeps its assets); older build folders, and those of runs
that failed or were killed, are removed. A ``reports`` folder of an older version (a plain directory) is moved
into the build folders the first time.

What the pages say about the run (``assets/status.js``, loaded by every page before its script):
  * the footer names the run that built the page and when;
  * when the nightly run starts (``reports/run_started``, first step of the run) it records itself in the
    published set's status as started; a publish replaces that set with one that names the new run;
  * a page step or the publish step that fails records the run as failed (a Dagster failure hook);
  * so, while a newer run has started and not published, every page shows a banner: "still publishing" for
    ``RUNNING_MINUTES`` after its start, then (or at once when its failure was recorded) "the newest nightly run
    failed: these pages are the last complete set, from run ... of ...". A run killed outright (no hook runs)
    shows the same after ``RUNNING_MINUTES``. Pages opened without JavaScript show no banner.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import shutil
from pathlib import Path

STATUS_FILE = "assets/status.js"
STATUS_PREFIX = "window.KINERJA_STATUS = "
BUILD_MARK = ".kinerja-build.json"
PAGES_DIR = ".pages"
RUNNING_MINUTES = 120  # a nightly run takes minutes (L size: under 5): a run started longer ago than this failed


class PublishError(RuntimeError):
    pass


def sync(path: Path, folder: bool = False) -> None:
    """Flush ``path`` to disk: a file's bytes, or a folder's entries (a rename in it); a file system that cannot
    sync a folder is left as it is."""
    try:
        fd = os.open(path, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
    except OSError:
        if not folder:
            raise


def builds_root(reports_dir: Path) -> Path:
    return reports_dir.with_name(f".{reports_dir.name}-builds")


def _safe(run_id: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]", "_", run_id) or "run"


def build_dir(reports_dir: Path, run_id: str) -> Path:
    """The folder the pages of ``run_id`` are written to before they are published."""
    return builds_root(reports_dir) / _safe(run_id)


def short_run(run_id: str) -> str:
    return run_id[:8]


def _iso(moment: dt.datetime) -> str:
    return moment.replace(microsecond=0).isoformat()


def status_script(run_id: str, built: dt.datetime, newest: dict | None = None, language: str = "en") -> str:
    """``assets/status.js``: which run built the set, and the newest run that has not published (if any)."""
    from dashboards.i18n import timestamp_label

    payload = {
        "run": short_run(run_id),
        "runId": run_id,
        "built": _iso(built),
        "builtLabel": timestamp_label(built, language),
        "newest": newest,
        "runningMinutes": RUNNING_MINUTES,
    }
    return STATUS_PREFIX + json.dumps(payload, ensure_ascii=False, sort_keys=True) + ";\n"


def read_status(folder: Path) -> dict | None:
    try:
        text = (folder / STATUS_FILE).read_text(encoding="utf-8").strip()
        return json.loads(text.removeprefix(STATUS_PREFIX).rstrip(";"))
    except (OSError, ValueError):
        return None


def current_set(reports_dir: Path) -> Path | None:
    """The folder of the published set: the link's target, or an older version's plain folder; None before the
    first publish."""
    if reports_dir.is_symlink():
        target = reports_dir.resolve()
        return target if target.is_dir() else None
    if reports_dir.is_dir():
        return reports_dir
    return None


def record_pages(build: Path, step: str, pages: list[Path]) -> None:
    """Note that ``step`` wrote ``pages`` into ``build`` (the publish step checks that every page step did)."""
    from dashboards.plotlyjs import write_atomic

    names = sorted(p.relative_to(build).as_posix() for p in pages)
    write_atomic(build / PAGES_DIR / f"{step}.json", json.dumps(names))


def prepare_build(reports_dir: Path, run_id: str, parent_run_id: str | None = None) -> Path:
    """The build folder of ``run_id``. A run re-executed from a failed one (Dagster's "re-execute from failure")
    reruns only the failed steps: it starts from the pages its parent built, which were not published."""
    build = build_dir(reports_dir, run_id)
    parent = build_dir(reports_dir, parent_run_id) if parent_run_id else None
    if not build.exists() and parent is not None and parent.is_dir() and not (parent / BUILD_MARK).exists():
        temporary = build.with_name(f".{build.name}.{os.getpid()}.seed")
        shutil.rmtree(temporary, ignore_errors=True)
        shutil.copytree(parent, temporary, copy_function=link_or_copy)
        os.replace(temporary, build)
    return build


def link_or_copy(src: str | Path, dst: str | Path) -> None:
    """A hard link where the file system allows (builds share the files that did not change), else a copy."""
    try:
        os.link(src, dst)
    except OSError:
        shutil.copy2(src, dst)


def seed_build(reports_dir: Path, build: Path) -> None:
    """Start ``build`` as a copy of the published set (hard links where the file system allows), for a run that
    rebuilds some pages only: the set it publishes is complete, the other pages as they were."""
    source = current_set(reports_dir)
    if build.exists():
        shutil.rmtree(build)
    if source is None:
        build.mkdir(parents=True)
        return

    shutil.copytree(source, build, copy_function=link_or_copy, ignore=shutil.ignore_patterns(PAGES_DIR, BUILD_MARK))


def _mark(reports_dir: Path, run_id: str, moment: dt.datetime, state: str, language: str, step: str = "") -> bool:
    from dashboards.i18n import timestamp_label
    from dashboards.plotlyjs import write_atomic

    folder = current_set(reports_dir)
    if folder is None:
        return False
    status = read_status(folder) or {}
    if status.get("runId") == run_id:
        return False  # this run's own set is published: nothing newer to report
    previous = status.get("newest") or {}
    started = previous.get("started") if previous.get("runId") == run_id else None
    newest = {
        "run": short_run(run_id),
        "runId": run_id,
        "state": state,
        "started": started or _iso(moment),
        "startedLabel": previous.get("startedLabel") if started else timestamp_label(moment, language),
        "step": step,
    }
    built = dt.datetime.fromisoformat(status["built"]) if status.get("built") else moment
    write_atomic(folder / STATUS_FILE, status_script(status.get("runId", ""), built, newest, language))
    return True


def mark_started(reports_dir: Path, run_id: str, started: dt.datetime, language: str = "en") -> bool:
    """Record in the published set that ``run_id`` started (its pages show the banner until a publish)."""
    return _mark(reports_dir, run_id, started, "started", language)


def mark_failed(reports_dir: Path, run_id: str, moment: dt.datetime, step: str = "", language: str = "en") -> bool:
    """Record in the published set that ``run_id`` failed (``step`` is what failed)."""
    return _mark(reports_dir, run_id, moment, "failed", language, step)


def _swap(reports_dir: Path, target: Path) -> Path | None:
    """Point ``reports_dir`` at ``target`` in one rename; return the folder it pointed at before."""
    previous = current_set(reports_dir)
    root = builds_root(reports_dir)
    if reports_dir.exists() and not reports_dir.is_symlink():
        # an older version's plain folder: moved beside the builds once (the only moment without pages)
        legacy = root / f"legacy-{dt.datetime.now():%Y%m%d%H%M%S}-{os.getpid()}"
        os.replace(reports_dir, legacy)
        previous = legacy
    link = reports_dir.with_name(f".{reports_dir.name}.{os.getpid()}.link")
    link.unlink(missing_ok=True)
    os.symlink(os.path.relpath(target, reports_dir.parent), link)
    os.replace(link, reports_dir)
    sync(reports_dir.parent, folder=True)  # make the rename durable
    return previous


def prune(reports_dir: Path, keep: set[Path]) -> list[Path]:
    """Remove the build folders other than ``keep`` (older sets, runs that failed or were killed)."""
    root = builds_root(reports_dir)
    removed = []
    kept = {k.resolve() for k in keep}
    for child in sorted(root.iterdir()) if root.is_dir() else []:
        if child.is_dir() and not child.is_symlink() and child.resolve() not in kept:
            shutil.rmtree(child, ignore_errors=True)
            removed.append(child)
    for stale in reports_dir.parent.glob(f".{reports_dir.name}.*.link"):
        stale.unlink(missing_ok=True)
    return removed


def publish(
    reports_dir: Path, run_id: str, built: dt.datetime, steps: list[str], language: str = "en"
) -> tuple[Path, list[str]]:
    """Switch the pages of ``run_id`` in: every step of ``steps`` must have recorded its pages. Returns the
    published folder and the page names."""
    from dashboards.plotlyjs import write_atomic

    build = build_dir(reports_dir, run_id)
    missing = [s for s in steps if not (build / PAGES_DIR / f"{s}.json").exists()]
    if not build.is_dir() or missing:
        raise PublishError(
            f"the pages of run {run_id} are incomplete (not built: {', '.join(missing) or 'all'}): the published "
            f"set stays as it is. Materialize the reports pages together with reports/published."
        )
    pages = sorted({name for s in steps for name in json.loads((build / PAGES_DIR / f"{s}.json").read_text())})
    absent = [name for name in pages if not (build / name).is_file() or (build / name).stat().st_size == 0]
    if absent:
        raise PublishError(f"pages of run {run_id} are missing or empty: {', '.join(absent)}")
    write_atomic(build / STATUS_FILE, status_script(run_id, built, None, language))
    write_atomic(build / BUILD_MARK, json.dumps({"run_id": run_id, "built": _iso(built), "pages": pages}, indent=1))
    previous = _swap(reports_dir, build)
    prune(reports_dir, {build} | ({previous} if previous else set()))
    return build, pages


# -- the warehouse's read copy ----------------------------------------------------------------------------------
# The nightly run is the warehouse's only writer and no reader ever opens the warehouse: a read-only connection
# held on it (an analyst's notebook, `kinerja status`) would keep the run from opening it and fail the night.
# Readers open the read copy (setting ``read_copy_path``, default ``data/warehouse.read.duckdb``), which the
# publish step replaces, with the pages, once the night's pages are all built: the warehouse is checkpointed
# (everything in the main file, no write-ahead log), copied beside the read copy and renamed over it. A reader
# connected before the rename keeps reading the night it opened (Linux keeps a renamed-over file alive while it
# is open); a reader connecting after it reads the new night; none sees a mix, and none blocks the rename.
def publish_read_copy(con, warehouse: Path, read_copy: Path) -> dict:
    """Checkpoint the warehouse through ``con`` (the run's own connection) and publish its copy at
    ``read_copy`` in one rename; return the copy's size and the seconds it took."""
    import time

    import duckdb

    started = time.perf_counter()
    read_copy.parent.mkdir(parents=True, exist_ok=True)
    for stale in read_copy.parent.glob(f".{read_copy.name}.*.tmp"):  # left by a run killed while copying
        stale.unlink(missing_ok=True)
    con.execute("checkpoint")
    wal = warehouse.with_name(warehouse.name + ".wal")
    if wal.exists() and wal.stat().st_size > 0:
        raise PublishError(f"the warehouse {warehouse} still has a write-ahead log after its checkpoint: not copied")
    temporary = read_copy.with_name(f".{read_copy.name}.{os.getpid()}.tmp")
    try:
        shutil.copyfile(warehouse, temporary)
        sync(temporary)
        with duckdb.connect(str(temporary), read_only=True) as check:  # the copy opens and holds the tables
            tables = check.execute("select count(*) from duckdb_tables()").fetchall()[0][0]
        os.replace(temporary, read_copy)
    finally:
        temporary.unlink(missing_ok=True)
    sync(read_copy.parent, folder=True)
    return {"bytes": read_copy.stat().st_size, "seconds": time.perf_counter() - started, "tables": tables}
