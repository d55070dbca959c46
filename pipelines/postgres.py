"""A throw-away Postgres for checks and tests: a new cluster (``initdb``) in a temporary folder, started with
``pg_ctl`` on a free loopback port and removed afterwards. It uses Debian's ``postgresql`` package (``make
deploy-check`` installs it when missing); nothing relies on a server left running.

Postgres refuses to run as root: when this process is root the cluster belongs to the ``postgres`` user and the
commands run through ``runuser``.
"""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

DATABASE = "kinerja"
USER = "kinerja"


class PostgresUnavailable(RuntimeError):
    """Postgres binaries are missing or the cluster did not start; the message says which."""


@dataclass(frozen=True)
class PostgresServer:
    host: str
    port: int
    user: str
    database: str

    @property
    def url(self) -> str:
        return f"postgresql://{self.user}@{self.host}:{self.port}/{self.database}"

    def environ(self) -> dict[str, str]:
        """The variables the server profile's dagster.yaml reads."""
        return {
            "DAGSTER_PG_HOST": self.host,
            "DAGSTER_PG_PORT": str(self.port),
            "DAGSTER_PG_USER": self.user,
            "DAGSTER_PG_PASSWORD": "",
            "DAGSTER_PG_DB": self.database,
        }


def postgres_bin(name: str) -> Path:
    """``initdb``/``pg_ctl``/``createdb`` from PATH or Debian's versioned folder (newest first)."""
    found = shutil.which(name)
    if found:
        return Path(found)
    for folder in sorted(glob.glob("/usr/lib/postgresql/*/bin"), reverse=True):
        if (Path(folder) / name).exists():
            return Path(folder) / name
    raise PostgresUnavailable(f"{name} not found: install Debian's postgresql package (make deploy-check does)")


def postgres_available() -> bool:
    """Whether Debian's Postgres binaries are here (the tests that need a server skip without them)."""
    try:
        postgres_bin("initdb")
    except PostgresUnavailable:
        return False
    return True


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _run(args: list[str], as_postgres: bool) -> subprocess.CompletedProcess:
    command = ["runuser", "-u", "postgres", "--", *args] if as_postgres else args
    result = subprocess.run(command, capture_output=True, text=True, timeout=120)
    if result.returncode != 0:
        raise PostgresUnavailable(f"{' '.join(args[:2])} failed: {(result.stderr or result.stdout).strip()[-500:]}")
    return result


@contextmanager
def temporary_postgres() -> Iterator[PostgresServer]:
    """Start a fresh cluster on 127.0.0.1 with database ``kinerja`` owned by user ``kinerja`` (trust auth on
    loopback only); stop and delete it on exit."""
    as_postgres = os.geteuid() == 0
    folder = Path(tempfile.mkdtemp(prefix="kinerja-pg-"))
    data = folder / "data"
    port = _free_port()
    try:
        if as_postgres:
            shutil.chown(folder, "postgres", "postgres")
        _run(
            [str(postgres_bin("initdb")), "-D", str(data), "-U", USER, "-A", "trust", "-E", "UTF8", "--no-sync"],
            as_postgres,
        )
        options = f"-p {port} -k {folder} -c listen_addresses=127.0.0.1 -c fsync=off"
        _run(
            [str(postgres_bin("pg_ctl")), "-D", str(data), "-o", options, "-l", str(folder / "log"), "-w", "start"],
            as_postgres,
        )
        try:
            _run([str(postgres_bin("createdb")), "-h", "127.0.0.1", "-p", str(port), "-U", USER, DATABASE], as_postgres)
            yield PostgresServer("127.0.0.1", port, USER, DATABASE)
        finally:
            subprocess.run(
                (["runuser", "-u", "postgres", "--"] if as_postgres else [])
                + [str(postgres_bin("pg_ctl")), "-D", str(data), "-m", "fast", "-w", "stop"],
                capture_output=True,
                timeout=120,
            )
    finally:
        shutil.rmtree(folder, ignore_errors=True)
