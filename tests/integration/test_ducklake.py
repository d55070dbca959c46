"""The ``ducklake`` warehouse backend on the ``server`` profile: a Postgres started here (Debian's package, a
throw-away cluster on a loopback port) holds both Dagster's instance (deploy/server/dagster.yaml) and the lake's
catalog; the lake's data are Parquet files in a temporary folder.

One company of three months, four nights, each `kinerja run` in a process of its own:
1. the lake, the third month's files held back: the first published night; beside it
2. the ``duckdb`` backend on all three months: every marts table of the lake's last night must hash the same;
3. the lake, the third month landed, killed with SIGKILL mid-way while two readers poll ``marts.kpi_values``;
4. the lake again, the same files: it runs to the end while the readers keep polling.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from fixtures.kpi_reader import READER, kpi_digest, reads_done
from fixtures.project import forget_settings, generate, point_settings_at

from pipelines.postgres import postgres_available, temporary_postgres

pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parents[2]
KINERJA = Path(sys.executable).with_name("kinerja")
EMPLOYEES = 20
MONTHLY_FILE = re.compile(r"_(\d{4}_\d{2})\.(csv|parquet|xlsx)$")
KILL_AFTER_STEPS = 40


def marts_hashes(con) -> dict[str, tuple[int, int]]:
    """Row count and an order-free hash of every row, per marts table."""
    tables = [r[0] for r in con.execute(
        "select table_name from duckdb_tables() where schema_name = 'marts' and database_name = current_database()"
    ).fetchall()]  # fmt: skip
    return {t: con.execute(f"select count(*), bit_xor(hash(m::varchar)) from marts.{t} m").fetchone() for t in tables}


def steps_started(logs: Path, before: set[Path]) -> int:
    """STEP_START lines in the run log that appeared since ``before`` (the killed run's log)."""
    new = [p for p in logs.glob("run-*.log") if p not in before]
    return sum(p.read_text(errors="replace").count("STEP_START") for p in new)


def link_landing(source: Path, landing: Path, hold_back: str | None) -> None:
    """Link the generated files into ``landing``, without the monthly files of ``hold_back`` (YYYY_MM)."""
    for path in sorted(p for p in source.rglob("*") if p.is_file()):
        if hold_back and MONTHLY_FILE.search(path.name) and MONTHLY_FILE.search(path.name)[1] == hold_back:
            continue
        target = landing / path.relative_to(source)
        if not target.exists():
            target.parent.mkdir(parents=True, exist_ok=True)
            os.link(path, target)


@pytest.fixture(scope="module")
def lake_nights(tmp_path_factory):
    import duckdb

    from pipelines.settings import load_settings
    from pipelines.warehouse import open_reader, published_snapshot

    root = tmp_path_factory.mktemp("lake")
    with temporary_postgres() as pg, pytest.MonkeyPatch.context() as mp:
        # one company, three months; the lake's first night sees two of them (the third month's files held back)
        generated = point_settings_at(mp, root / "source", 3)
        generate(generated, employees=EMPLOYEES, months=3, end_period="2025-06", seed=7)
        settings = point_settings_at(mp, root, 3)
        link_landing(generated.landing_dir, settings.landing_dir, hold_back="2025_06")
        home = root / "dagster_home"
        home.mkdir()
        shutil.copy(ROOT / "deploy" / "server" / "dagster.yaml", home / "dagster.yaml")
        base = {**os.environ, **pg.environ(), "DAGSTER_HOME": str(home)}
        lake_env = {
            **base,
            "KINERJA_WAREHOUSE_BACKEND": "ducklake",
            "KINERJA_DUCKLAKE_CATALOG": f"dbname={pg.database} host={pg.host} port={pg.port} user={pg.user}",
            "KINERJA_DUCKLAKE_DATA_PATH": str(root / "lake"),
        }
        # the DuckDB file, on all three months at once, runs beside the lake's first night
        duck_dir = root / "duckdb"
        duck_env = {**base, "KINERJA_LANDING_DIR": str(generated.landing_dir),
                    "KINERJA_WAREHOUSE_PATH": str(duck_dir / "warehouse.duckdb"),
                    "KINERJA_REPORTS_DIR": str(duck_dir / "reports")}  # fmt: skip
        night = [str(KINERJA), "run", "--no-generate"]
        duck = subprocess.Popen(night, env=duck_env, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                text=True)  # fmt: skip

        def run() -> subprocess.CompletedProcess:
            return subprocess.run(night, env=lake_env, cwd=ROOT, capture_output=True, text=True, timeout=900)

        def lake_digest() -> str:
            with open_reader(load_settings(environ=lake_env)) as con:
                return kpi_digest(con)

        first = run()
        assert first.returncode == 0, first.stdout[-3000:] + first.stderr[-3000:]
        first_digest = lake_digest()
        duck_out, _ = duck.communicate(timeout=900)
        assert duck.returncode == 0, duck_out[-3000:]
        with duckdb.connect(str(duck_dir / "warehouse.read.duckdb"), read_only=True) as con:
            duck_marts = marts_hashes(con)

        link_landing(generated.landing_dir, settings.landing_dir, hold_back=None)
        stop = root / "reader.stop"
        outs = {mode: root / f"reader-{mode}.json" for mode in ("fresh", "held")}
        # held: one connection (attached at the night published when it opened) through the whole run; fresh: the
        # last published night, attached anew for every read, every 2 seconds (about a second of a core each)
        readers = [
            subprocess.Popen([sys.executable, str(READER), str(out), str(stop), mode, "2"], cwd=ROOT, env=lake_env)
            for mode, out in outs.items()
        ]
        try:
            for out in outs.values():
                deadline = time.monotonic() + 120
                while reads_done(Path(f"{out}.count")) < 2 and time.monotonic() < deadline:
                    time.sleep(0.2)
            # the run is killed with SIGKILL once it has started a few dozen steps (staging the new month)
            logs = settings.warehouse_path.parent / "logs"
            before = set(logs.glob("run-*.log"))
            quiet = {"stdout": subprocess.DEVNULL, "stderr": subprocess.DEVNULL}
            killed = subprocess.Popen(night, env=lake_env, cwd=ROOT, start_new_session=True, **quiet)
            deadline = time.monotonic() + 300
            while steps_started(logs, before) < KILL_AFTER_STEPS and killed.poll() is None:
                assert time.monotonic() < deadline, "the run to kill did not start its steps"
                time.sleep(0.2)
            assert killed.poll() is None, "the run to kill ended before it was killed"
            os.killpg(killed.pid, signal.SIGKILL)
            killed.wait(timeout=60)
            after_kill = lake_digest()
            reads_at_kill = {mode: reads_done(Path(f"{out}.count")) for mode, out in outs.items()}
            rerun = run()
            deadline = time.monotonic() + 120
            fresh_count = Path(f"{outs['fresh']}.count")
            target = reads_done(fresh_count) + 2  # reads of the night the rerun published
            while reads_done(fresh_count) < target and time.monotonic() < deadline:
                time.sleep(0.2)
        finally:
            stop.touch()
            for reader in readers:
                reader.wait(timeout=120)
        assert rerun.returncode == 0, rerun.stdout[-3000:] + rerun.stderr[-3000:]
        reads = {mode: json.loads(out.read_text()) for mode, out in outs.items()}
        with open_reader(load_settings(environ=lake_env)) as con:
            lake_marts = marts_hashes(con)
            published = published_snapshot(con)
            nights = [
                r[0] for r in con.execute("select run_id from meta.published_nights order by published_at").fetchall()
            ]
    forget_settings()
    yield {
        "first": first, "rerun": rerun, "digests": [first_digest, after_kill], "reads": reads,
        "reads_at_kill": reads_at_kill, "lake_marts": lake_marts, "duck_marts": duck_marts,
        "published": published, "nights": nights,
    }  # fmt: skip


def run_id(result: subprocess.CompletedProcess) -> str:
    line = next(line for line in result.stdout.splitlines() if line.startswith("nightly_refresh "))
    return line.rsplit("(run ", 1)[1].rstrip(")")


@pytest.mark.skipif(not postgres_available(), reason="Debian's postgresql is not installed: run `make postgres-deps`")
def test_the_lake_marts_equal_the_duckdb_marts_on_the_same_files(lake_nights):
    lake, duck = lake_nights["lake_marts"], lake_nights["duck_marts"]
    assert len(duck) >= 30 and set(lake) == set(duck)
    assert {t: lake[t] for t in lake if lake[t] != duck[t]} == {}
    assert duck["kpi_values"][0] > 0


@pytest.mark.skipif(not postgres_available(), reason="Debian's postgresql is not installed: run `make postgres-deps`")
def test_readers_never_fail_and_see_one_whole_night(lake_nights):
    first, _ = lake_nights["digests"]
    with_third_month = None
    for mode, result in lake_nights["reads"].items():
        assert result["errors"] == [], f"{mode} reader: {result['errors'][:3]}"
        assert len(result["reads"]) >= 5
        assert set(result["reads"]) <= {first, *set(lake_nights["reads"]["fresh"]["reads"])}
    fresh = lake_nights["reads"]["fresh"]["reads"]
    assert fresh[0] == first and len(set(fresh)) == 2, "fresh reads go from the first night to the rerun's"
    with_third_month = fresh[-1]
    # the reads before the rerun published are all the first night; after it, all the new one: never a mix
    switch = fresh.index(with_third_month)
    assert set(fresh[:switch]) == {first} and set(fresh[switch:]) == {with_third_month}
    assert switch >= lake_nights["reads_at_kill"]["fresh"] - 1
    # the held connection stays on the night it attached, through the kill and the rerun
    assert set(lake_nights["reads"]["held"]["reads"]) == {first}


@pytest.mark.skipif(not postgres_available(), reason="Debian's postgresql is not installed: run `make postgres-deps`")
def test_a_killed_run_leaves_the_last_good_night_published_and_the_rerun_publishes(lake_nights):
    first_digest, after_kill = lake_nights["digests"]
    assert after_kill == first_digest, "after the kill readers still see the first night"
    first, rerun = run_id(lake_nights["first"]), run_id(lake_nights["rerun"])
    # every published night is a snapshot named after its run; the killed run published nothing
    assert lake_nights["nights"] == [first, rerun]
    assert lake_nights["published"][1] == rerun


def test_a_catalog_that_does_not_answer_is_named(tmp_path):
    from pipelines.warehouse import Lake, WarehouseUnavailable

    lake = Lake("dbname=kinerja host=127.0.0.1 port=1 user=kinerja password=secret", tmp_path / "lake")
    named = r"cannot open the DuckLake catalog \(dbname=kinerja host=127\.0\.0\.1 port=1 user=kinerja\): "
    with pytest.raises(WarehouseUnavailable, match=named + ".*Is Postgres running") as caught:
        lake.connect()
    assert "secret" not in str(caught.value)


def test_a_data_path_that_is_not_writable_is_named(tmp_path):
    from pipelines.warehouse import Lake, WarehouseUnavailable

    blocked = tmp_path / "file"
    blocked.write_text("not a folder")
    with pytest.raises(WarehouseUnavailable, match=r"the lake's data path .*file/lake is not writable"):
        Lake("dbname=kinerja host=127.0.0.1 port=1", blocked / "lake").connect()
