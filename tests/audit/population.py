"""A force's incident population whose truth is known, for the design and coverage tests.

The bundled sample has no population truth: the generator writes truth (the auditors' verdicts)
only for the reviewed incidents; its other incidents produce exactly the crimes they should, so
their true rate is 1 by construction. This population is specified by hand instead, with another
shape than the generator's: per opening code a size, a share of incidents that should produce a
crime, a share of those producing two, and a recording probability. The realised truth (x_i
expected crimes, y_i of them recorded, per incident) is fixed by POPULATION_SEED.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pandas as pd

from orchestration.settings import DBT_PROJECT_DIR

FORCE = "kent"
PERIOD = (dt.date(2014, 1, 1), dt.date(2014, 3, 31))
POPULATION_SEED = 19

# opening code: (incidents, share that should produce a crime, share of those producing two,
#                probability each expected crime is recorded)
SHAPE = {
    "ASSAULT": (1400, 1.0, 0.10, 0.70),
    "DOMESTIC": (600, 1.0, 0.05, 0.58),
    "SEXUAL": (180, 1.0, 0.05, 0.50),
    "ROBBERY": (120, 1.0, 0.0, 0.88),
    "BURGLARY": (450, 1.0, 0.0, 0.93),
    "THEFT": (950, 1.0, 0.02, 0.95),
    "DAMAGE": (300, 1.0, 0.0, 0.80),
    "ASB": (500, 0.08, 0.0, 0.30),
    "CONCERN": (400, 0.05, 0.0, 0.40),
    "SUSPICIOUS": (100, 0.10, 0.0, 0.50),
}


@dataclass(frozen=True)
class Truth:
    x: dict[str, int]  # incident_id -> crimes it should have produced
    y: dict[str, int]  # incident_id -> of them recorded

    @property
    def rate(self) -> float:
        return sum(self.y.values()) / sum(self.x.values())


def build_warehouse(path: Path) -> Truth:
    """A DuckDB file with what `cdi audit design` reads (staging.stg_raw__incidents, the seeds),
    holding the population; returns its truth."""
    rng = random.Random(POPULATION_SEED)
    days = (PERIOD[1] - PERIOD[0]).days + 1
    rows, x, y = [], {}, {}
    number = 0
    for code, (size, crime_share, two_share, recorded) in SHAPE.items():
        for _ in range(size):
            number += 1
            incident_id = f"KE-{number:06d}"
            received = dt.datetime.combine(PERIOD[0] + dt.timedelta(days=rng.randrange(days)), dt.time()) \
                + dt.timedelta(seconds=rng.randrange(86400))
            crimes = 0 if rng.random() >= crime_share else (2 if rng.random() < two_share else 1)
            x[incident_id] = crimes
            y[incident_id] = sum(rng.random() < recorded for _ in range(crimes))
            rows.append((FORCE, incident_id, received, "999", code, "NFA", f"{number:032x}", None, None))
    path.parent.mkdir(parents=True, exist_ok=True)
    with duckdb.connect(str(path)) as con:
        con.execute("CREATE SCHEMA staging")
        con.execute("CREATE SCHEMA seeds")
        incidents = pd.DataFrame(rows, columns=[  # noqa: F841 (read by name below)
            "force_id", "incident_id", "received_at", "channel", "opening_code", "closing_code",
            "caller_name_hash", "caller_dob_hash", "caller_address_hash"]).astype(
            {"caller_dob_hash": "string", "caller_address_hash": "string"})
        con.execute("CREATE TABLE staging.stg_raw__incidents AS SELECT * FROM incidents")
        for seed in ("incident_codes", "forces", "offence_codes"):
            csv = DBT_PROJECT_DIR / "seeds" / f"{seed}.csv"
            con.execute(f"CREATE TABLE seeds.{seed} AS SELECT * FROM read_csv(?, all_varchar = true)", [str(csv)])
        con.execute("ALTER TABLE seeds.incident_codes ALTER indicates_crime TYPE BOOLEAN")
    return Truth(x, y)
