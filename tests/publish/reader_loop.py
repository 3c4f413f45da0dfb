"""A BI-like reader: opens the published warehouse read-only over and over, in turn through
Python, SQLAlchemy (duckdb-engine, as Superset does) and the DuckDB CLI, and records what it
saw until SIGTERM. Started by the `next_night` fixture (tests/conftest.py); one line per answer."""

import signal
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import sqlalchemy

published, out_path = sys.argv[1], sys.argv[2]
CLI = str(Path(sys.executable).with_name("duckdb"))
QUERY = (
    "SELECT (SELECT count(*) FROM raw.incidents), (SELECT sum(crimes_recorded) FROM marts.recording_accuracy), "
    "(SELECT count(*) FROM marts.recording_accuracy)"
)
running = True


def stop(*_):
    global running
    running = False


def with_python() -> tuple:
    with duckdb.connect(published, read_only=True) as con:
        return con.execute(QUERY).fetchone()


def with_sqlalchemy() -> tuple:
    engine = sqlalchemy.create_engine(f"duckdb:///{published}", connect_args={"read_only": True})
    try:
        with engine.connect() as con:
            return tuple(con.execute(sqlalchemy.text(QUERY)).one())
    finally:
        engine.dispose()


def with_cli() -> tuple:
    out = subprocess.run([CLI, "-readonly", "-csv", "-noheader", published, "-c", QUERY],
                         capture_output=True, text=True, timeout=60)
    if out.returncode != 0:
        raise RuntimeError(out.stderr.strip() or out.stdout.strip())
    return tuple(int(v) for v in out.stdout.strip().split(","))


signal.signal(signal.SIGTERM, stop)
readers = [with_python, with_sqlalchemy, with_cli]
with open(out_path, "w") as out:
    n = 0
    while running:
        reader = readers[n % len(readers)]
        n += 1
        try:
            row = reader()
            out.write(",".join(str(int(v)) for v in row) + f",{reader.__name__}\n")
        except Exception as exc:  # every failure is a test failure: record it
            out.write(f"ERROR {reader.__name__} {type(exc).__name__}: {exc}\n")
        out.flush()
        # A few reads a second cover the swap; back to back they took most of a core from the
        # night under test and the other test worker (2 cores).
        time.sleep(0.2)
