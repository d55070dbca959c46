"""Two nights of the nightly job on a tiny generated company, shared by the fault tests that need a real run
(the read copy under a reader, personal values in Dagster's event log): run once per session.

Night one loads two months; night two the same company with a third month, so the marts differ between the
nights. While night two runs, two separate processes read the published read copy in a loop
(tests/fixtures/kpi_reader.py: one holding its connection, one connecting afresh for every read)."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

import pytest
from fixtures.kpi_reader import READER, kpi_digest, reads_done
from fixtures.project import forget_settings, generate, point_settings_at

from pipelines.dagster_storage import ephemeral_instance

ROOT = Path(__file__).resolve().parents[2]
EMPLOYEES = 20


def wait_for_reads(counter: Path, more: int, timeout: float = 120) -> None:
    """Wait until the reader has read ``more`` more times (a loaded machine slows its loop down)."""
    target, deadline = reads_done(counter) + more, time.monotonic() + timeout
    while reads_done(counter) < target and time.monotonic() < deadline:
        time.sleep(0.2)


def marts_digest(path: Path) -> str:
    import duckdb

    with duckdb.connect(str(path), read_only=True) as con:
        return kpi_digest(con)


@pytest.fixture(scope="session")
def two_nights(tmp_path_factory):
    from pipelines.cli import run_nightly
    from pipelines.definitions import build_definitions

    root = tmp_path_factory.mktemp("two_nights")
    with pytest.MonkeyPatch.context() as mp:
        settings = point_settings_at(mp, root, 3)
        generate(settings, employees=EMPLOYEES, months=2, end_period="2025-05", seed=7)
        defs = build_definitions()
        instance = ephemeral_instance()
        first = run_nightly(instance=instance, defs=defs)
        assert settings.read_copy.exists(), "the first night published its read copy"
        first_digest = marts_digest(settings.read_copy)
        generate(settings, employees=EMPLOYEES, months=3, end_period="2025-06", seed=7)
        stop = root / "reader.stop"
        outs = {mode: root / f"reader-{mode}.json" for mode in ("fresh", "held")}
        readers = [
            subprocess.Popen(
                [sys.executable, str(READER), str(out), str(stop), mode, "0.1", str(settings.read_copy)], cwd=ROOT
            )
            for mode, out in outs.items()
        ]
        try:
            for out in outs.values():  # the readers hold their connections before the night starts
                wait_for_reads(Path(f"{out}.count"), 2)
            started = time.perf_counter()
            second = run_nightly(instance=instance, defs=defs)
            seconds = time.perf_counter() - started
            wait_for_reads(Path(f"{outs['fresh']}.count"), 3)  # and reads the new copy after it
        finally:
            stop.touch()
            for reader in readers:
                reader.wait(timeout=60)
        reads = {mode: json.loads(out.read_text()) for mode, out in outs.items()}
    # the environment points at the company only while it is built, so later tests read their own settings
    forget_settings()
    yield {
        "root": root,
        "settings": settings,
        "instance": instance,
        "runs": [first, second],
        "digests": [first_digest, marts_digest(settings.read_copy)],
        "reads": reads,
        "seconds": seconds,
    }
