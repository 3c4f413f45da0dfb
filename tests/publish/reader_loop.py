"""A BI-like reader: opens the published warehouse read-only over and over and records
what it saw, until SIGTERM. Used by test_publish; one line per answer."""

import signal
import sys
import time

import duckdb

published, out_path = sys.argv[1], sys.argv[2]
QUERY = (
    "SELECT (SELECT count(*) FROM raw.incidents), (SELECT sum(crimes_recorded) FROM marts.recording_accuracy), "
    "(SELECT count(*) FROM marts.recording_accuracy)"
)
running = True


def stop(*_):
    global running
    running = False


signal.signal(signal.SIGTERM, stop)
with open(out_path, "w") as out:
    while running:
        try:
            with duckdb.connect(published, read_only=True) as con:
                row = con.execute(QUERY).fetchone()
            out.write(",".join(str(v) for v in row) + "\n")
        except Exception as exc:  # every failure is a test failure: record it
            out.write(f"ERROR {type(exc).__name__}: {exc}\n")
        out.flush()
        time.sleep(0.02)
