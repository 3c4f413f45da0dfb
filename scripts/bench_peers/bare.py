"""Run bare.sql: the pipeline's loads and accuracy marts as one DuckDB script.

    .venv/bin/python -m scripts.bench_peers.bare LANDING DATABASE   (key from CDI_PSEUDONYM_KEY)

Only canonical CSV landing folders (`<force>/<YYYY-MM-DD>/<kind>.csv`,
`<force>/audits/<audit_id>/<kind>.csv`), columns in the canonical order, as the sample
generators write them. Everything the script needs from outside (globs, the HMAC pads) is set
as DuckDB variables with bound values: no path or secret is pasted into SQL.
"""

from __future__ import annotations

import argparse
import os
import tempfile
from pathlib import Path

import duckdb

from orchestration.ingest.pseudonymise import hmac_pads
from orchestration.settings import DBT_PROJECT_DIR, DEMO_PSEUDONYM_KEY, ENV_PSEUDONYM_KEY

SCRIPT = Path(__file__).with_name("bare.sql")
OFFENCE_CODES_SEED = DBT_PROJECT_DIR / "seeds" / "offence_codes.csv"

# Landing kind -> glob under the landing folder (the pipeline's layout, canonical names only).
GLOBS = {
    "incidents": "*/????-??-??/incidents.csv",
    "crimes": "*/????-??-??/crimes.csv",
    "crime_decisions": "*/????-??-??/crime_decisions.csv",
    "disposals": "*/????-??-??/disposals.csv",
    "audit": "*/audits/*/audit.csv",
    "incident_reviews": "*/audits/*/incident_reviews.csv",
    "no_crime_reviews": "*/audits/*/no_crime_reviews.csv",
    "disposal_reviews": "*/audits/*/disposal_reviews.csv",
}


def run_bare(landing: Path, database: Path, pseudonym_key: str) -> None:
    """Build `database` afresh from the landing folder: raw.*, staging.*, marts.*."""
    landing, database = Path(landing).resolve(), Path(database)
    for stale in (database, database.with_name(database.name + ".wal")):
        stale.unlink(missing_ok=True)
    ipad, opad = hmac_pads(pseudonym_key)
    with tempfile.TemporaryDirectory(prefix="cdi-bare-") as tmp:
        # read_csv fails on a glob that matches nothing (a landing with no audits at all):
        # such a kind reads a header-only file instead, so the script keeps one shape.
        empty = Path(tmp) / "empty.csv"
        empty.write_text("header\n")
        files = {kind: str(landing / pattern) if any(landing.glob(pattern)) else str(empty)
                 for kind, pattern in GLOBS.items()}
        with duckdb.connect(str(database)) as con:
            con.execute("SET VARIABLE landing_prefix = ?", [str(landing) + os.sep])
            con.execute("SET VARIABLE offence_codes_seed = ?", [str(OFFENCE_CODES_SEED)])
            for kind, path in files.items():
                con.execute(f"SET VARIABLE files_{kind} = ?", [path])  # kind: a constant above
            con.execute("SET VARIABLE ipad = ?", [ipad])
            con.execute("SET VARIABLE opad = ?", [opad])
            try:
                con.execute(SCRIPT.read_text())
            finally:
                con.execute("RESET VARIABLE ipad")
                con.execute("RESET VARIABLE opad")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("landing", type=Path)
    parser.add_argument("database", type=Path)
    args = parser.parse_args()
    run_bare(args.landing, args.database, os.environ.get(ENV_PSEUDONYM_KEY, DEMO_PSEUDONYM_KEY))


if __name__ == "__main__":
    main()
