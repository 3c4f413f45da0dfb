"""A real PostgreSQL server for the session (Debian's, installed by scripts/setup_system.sh).

Registered for every test by `tests/conftest.py`: `publish-postgres` and the Dagster instance
on PostgreSQL both use it.
"""

from __future__ import annotations

import shutil
import socket
from dataclasses import dataclass
from pathlib import Path

import pytest


@dataclass
class PostgresServer:
    """A throwaway PostgreSQL cluster on a free localhost port (trust auth, loopback only)."""

    port: int
    superuser: str = "postgres"
    host: str = "127.0.0.1"

    def dsn(self, user: str | None = None, dbname: str = "warehouse") -> str:
        return f"host={self.host} port={self.port} user={user or self.superuser} dbname={dbname} connect_timeout=10"

    def admin(self, statement: str, dbname: str = "warehouse") -> None:
        import psycopg

        with psycopg.connect(self.dsn(dbname=dbname), autocommit=True) as con:
            con.execute(statement)


def _postgres_bin() -> Path:
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"), key=lambda p: int(p.parts[-3]))
    if not found:
        pytest.fail("PostgreSQL is missing: run scripts/setup_system.sh (make test does) to install Debian's postgresql")
    return found[-1].parent


def free_port() -> int:
    """A TCP port on 127.0.0.1 nothing listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="session")
def postgres():
    """initdb + pg_ctl from Debian's packages, as the `postgres` OS user when run as root
    (PostgreSQL refuses to run as root), in a folder under /tmp it can reach."""
    import os
    import pwd
    import subprocess
    import tempfile

    bin_dir = _postgres_bin()
    as_root = os.geteuid() == 0
    user = "postgres" if as_root else None
    home = Path(tempfile.mkdtemp(prefix="cdi-postgres-"))
    data, sockets, log = home / "data", home / "sockets", home / "server.log"
    sockets.mkdir()
    if as_root:
        owner = pwd.getpwnam("postgres")
        for path in (home, sockets):
            os.chown(path, owner.pw_uid, owner.pw_gid)

    def run(*command: str) -> None:
        done = subprocess.run(command, user=user, capture_output=True, text=True, timeout=120)
        if done.returncode != 0:
            tail = log.read_text()[-2000:] if log.exists() else ""
            pytest.fail(f"{command[0]} failed: {done.stdout}{done.stderr}{tail}")

    port = free_port()
    run(str(bin_dir / "initdb"), "-D", str(data), "-U", "postgres", "--auth=trust", "-E", "UTF8", "--no-locale", "--no-instructions")
    run(str(bin_dir / "pg_ctl"), "-D", str(data), "-l", str(log), "-w", "-t", "60", "start",
        "-o", f"-p {port} -k {sockets} -c listen_addresses=127.0.0.1 -c fsync=off")
    server = PostgresServer(port)
    try:
        # the publisher is an ordinary owner (not a superuser), as in production
        server.admin("CREATE ROLE cdi_publisher LOGIN CREATEROLE", dbname="postgres")
        server.admin("CREATE DATABASE warehouse OWNER cdi_publisher", dbname="postgres")
        yield server
    finally:
        run(str(bin_dir / "pg_ctl"), "-D", str(data), "-m", "fast", "-w", "stop")
        shutil.rmtree(home, ignore_errors=True)
