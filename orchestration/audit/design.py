"""The sample design of an audit: strata, population, sample sizes and the random draw.

Strata are the offence group of each incident's opening code (seed `incident_codes`), so sexual
offences (rape among them) and violence are strata of their own, plus `no_crime_type` for
incidents opened under a code that is not a crime type. The population is the force's incidents
received in the period (the warehouse's latest version of each).

Sizing. The recording rate is a ratio R = recorded / expected crimes over incidents, estimated
by the stratified ratio estimator (dbt model int_recording_rates_weighted). With a prior rate p
and c_h the expected crimes per incident of stratum h (1 for a crime-type stratum;
NO_CRIME_TYPE_CRIMES_PER_INCIDENT for the rest: most such calls produce no crime, a few do),
each incident's residual e = y - R x has variance S_h^2 = c_h p (1 - p), and

    v(R) = 1 / X^2 * sum_h N_h^2 (1 - n_h / N_h) S_h^2 / n_h,     X = sum_h N_h c_h.

Allocation is Neyman (n_h proportional to N_h S_h, the allocation that minimises v(R) for a
given total): with one prior rate for every stratum that is proportional allocation among the
crime-type strata, and fewer draws from `no_crime_type`, whose incidents carry few crimes and so
little information about R. Each non-empty stratum gets at least 2 incidents (its variance must
be estimable) and at most N_h. The smallest total whose v(R) meets the target half-width
(1.96 sqrt(v) <= precision) is found by bisection over the total, so the minimums and caps are
part of the sum rather than an afterthought.

The draw is reproducible: random.Random(seed) samples each stratum, in stratum-name order, from
its incident ids sorted; the same warehouse, period and seed give the same sample.
"""

from __future__ import annotations

import datetime as dt
import math
import random
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from orchestration.warehouse import table_exists

Z = 1.96
MIN_PER_STRATUM = 2
NO_CRIME_TYPE = "no_crime_type"
# Expected crimes per incident opened under a code that is not a crime type (ASB, concern for
# welfare, suspicious circumstances): the auditors find a crime in some of them, not most.
NO_CRIME_TYPE_CRIMES_PER_INCIDENT = 0.1
# The prior when the warehouse holds no published audit at all: p(1 - p) is largest at 0.5, so
# the sample is never too small for the target.
FALLBACK_PRIOR = 0.5


class DesignError(ValueError):
    """A design that cannot be made, with a message naming why (cdi exits 2)."""


@dataclass(frozen=True)
class Incident:
    """What the sheets show of a sampled incident: pseudonymised, never clear personal data."""

    incident_id: str
    stratum: str
    received_at: dt.datetime
    channel: str | None
    opening_code: str | None
    closing_code: str | None
    caller_name_hash: str | None
    caller_dob_hash: str | None
    caller_address_hash: str | None


@dataclass
class Stratum:
    name: str
    population: int  # N_h
    crimes_per_incident: float  # c_h, the sizing assumption
    sample_size: int = 0  # n_h
    sampled: list[Incident] = field(default_factory=list)


@dataclass
class Design:
    audit_id: str
    force_id: str
    period_start: dt.date
    period_end: dt.date
    precision: float
    prior_rate: float
    prior_source: str  # where the prior came from, said to the user
    seed: int
    strata: list[Stratum]
    # Every no-crime decision and out-of-court disposal of the period (crime ids): reviewed in
    # full, as the inspectorate's audits do, so their accuracy needs no weights.
    no_crime_decisions: list[str] = field(default_factory=list)
    disposals: list[str] = field(default_factory=list)

    @property
    def population(self) -> int:
        return sum(s.population for s in self.strata)

    @property
    def sample_size(self) -> int:
        return sum(s.sample_size for s in self.strata)

    @property
    def expected_half_width(self) -> float:
        return Z * math.sqrt(ratio_variance(self.strata, self.prior_rate, [s.sample_size for s in self.strata]))


def ratio_variance(strata: list[Stratum], prior: float, sizes: list[int]) -> float:
    """v(R) of the module docstring for these sample sizes."""
    x_total = sum(s.population * s.crimes_per_incident for s in strata)
    total = 0.0
    for s, n in zip(strata, sizes):
        if n > 0:
            s2 = s.crimes_per_incident * prior * (1 - prior)
            total += s.population ** 2 * (1 - n / s.population) * s2 / n
    return total / x_total ** 2


def allocate(strata: list[Stratum], prior: float, precision: float) -> list[int]:
    """The smallest Neyman allocation (with minimums and caps) whose half-width meets `precision`."""
    weights = [s.population * math.sqrt(s.crimes_per_incident) for s in strata]
    weight_total = sum(weights)

    def sizes(total: int) -> list[int]:
        return [min(s.population, max(MIN_PER_STRATUM, math.ceil(total * w / weight_total)))
                for s, w in zip(strata, weights)]

    def meets(total: int) -> bool:
        return Z * math.sqrt(ratio_variance(strata, prior, sizes(total))) <= precision

    low, high = 0, sum(s.population for s in strata)
    if meets(low):
        return sizes(low)
    while high - low > 1:  # meets(high): a census has no variance
        middle = (low + high) // 2
        low, high = (low, middle) if meets(middle) else (middle, high)
    return sizes(high)


def draw(strata: list[Stratum], ids_by_stratum: dict[str, list[str]], seed: int) -> dict[str, list[str]]:
    """The sampled incident ids of each stratum: random.Random(seed) over sorted ids, strata in
    name order, so the same seed gives the same sample."""
    rng = random.Random(seed)
    return {s.name: sorted(rng.sample(sorted(ids_by_stratum[s.name]), s.sample_size))
            for s in sorted(strata, key=lambda s: s.name)}


# --- reading the warehouse ---------------------------------------------------------------

_POPULATION_SQL = """
SELECT
    i.incident_id,
    coalesce(c.offence_group, ?) AS stratum,
    i.received_at, i.channel, i.opening_code, i.closing_code,
    i.caller_name_hash, i.caller_dob_hash, i.caller_address_hash
FROM staging.stg_raw__incidents AS i
LEFT JOIN seeds.incident_codes AS c
    ON c.code = i.opening_code AND c.code_type = 'opening' AND c.indicates_crime
    AND c.offence_group IS NOT NULL
WHERE i.force_id = ? AND CAST(i.received_at AS DATE) BETWEEN ? AND ?
ORDER BY i.incident_id
"""


def prior_rate(con: duckdb.DuckDBPyConnection, force_id: str) -> tuple[float, str]:
    """The force's latest published audit's rate, else the national rate over the forces'
    latest audits, else FALLBACK_PRIOR; and a line saying which."""
    if table_exists(con, "marts", "worst_forces_latest_audit"):
        # the latest audit's headline rate (int_latest_audits: weighted for a designed audit,
        # whose simple rate is biased by its strata)
        row = con.execute("SELECT audit_id, recording_rate FROM marts.worst_forces_latest_audit "
                          "WHERE force_id = ? AND recording_rate IS NOT NULL", [force_id]).fetchone()
        if row and 0 < row[1] < 1:
            return row[1], f"{force_id}'s latest audit {row[0]}"
        row = con.execute("SELECT max(national_recording_rate) FROM marts.worst_forces_latest_audit").fetchone()
        if row and row[0] is not None and 0 < row[0] < 1:
            return row[0], "the national rate over the forces' latest audits"
    return FALLBACK_PRIOR, f"no usable audit in the warehouse: {FALLBACK_PRIOR} (the most conservative)"


def decisions_to_review(con: duckdb.DuckDBPyConnection, force_id: str, period_start: dt.date,
                        period_end: dt.date) -> tuple[list[str], list[str]]:
    """The crimes of the force with a no-crime decision, and those with an out-of-court disposal,
    made in the period (one review row per crime: the review sheets' key)."""
    def crimes(table: str, at: str, extra: str = "") -> list[str]:
        if not table_exists(con, "staging", table):
            return []
        return [row[0] for row in con.execute(
            f"SELECT DISTINCT crime_id FROM staging.{table} WHERE force_id = ? "
            f"AND CAST({at} AS DATE) BETWEEN ? AND ? {extra} ORDER BY crime_id",
            [force_id, period_start, period_end]).fetchall()]

    return (crimes("stg_raw__crime_decisions", "decided_at", "AND decision = 'NO_CRIME'"),
            crimes("stg_raw__disposals", "issued_at"))


def make_design(
    warehouse: Path,
    force_id: str,
    period_start: dt.date,
    period_end: dt.date,
    precision: float,
    seed: int,
    audit_id: str | None = None,
    progress=lambda line: None,
) -> Design:
    """Reads the force's incidents of the period from `warehouse` (read-only), sizes and draws."""
    if not 0 < precision < 0.5:
        raise DesignError(f"bad precision {precision}: the 95% half-width must be between 0 and 0.5 (e.g. 0.03)")
    if period_end < period_start:
        raise DesignError(f"empty period: --to {period_end} is before --from {period_start}")
    if not warehouse.exists():
        raise DesignError(f"no warehouse at {warehouse}: run `cdi run` first, or name one with --warehouse")
    with duckdb.connect(str(warehouse), read_only=True) as con:
        for schema, table in (("staging", "stg_raw__incidents"), ("seeds", "incident_codes")):
            if not table_exists(con, schema, table):
                raise DesignError(f"{warehouse} has no {schema}.{table}: not a built warehouse")
        known = con.execute("SELECT count(*) FROM seeds.forces WHERE force_id = ?", [force_id]).fetchone()[0] \
            if table_exists(con, "seeds", "forces") else 1
        if not known:
            raise DesignError(f"unknown force {force_id!r}: not a police.uk force id (seed forces)")
        progress(f"reading {force_id}'s incidents {period_start} .. {period_end} from {warehouse}")
        rows = con.execute(_POPULATION_SQL, [NO_CRIME_TYPE, force_id, period_start, period_end]).fetchall()
        if not rows:
            held = con.execute("SELECT min(CAST(received_at AS DATE)), max(CAST(received_at AS DATE)), count(*) "
                               "FROM staging.stg_raw__incidents WHERE force_id = ?", [force_id]).fetchone()
            if not held[2]:
                raise DesignError(f"no incidents of {force_id} in the warehouse")
            raise DesignError(f"no incidents of {force_id} received {period_start} .. {period_end} "
                              f"(the warehouse holds {held[0]} .. {held[1]})")
        prior, prior_source = prior_rate(con, force_id)
        no_crime_decisions, disposals = decisions_to_review(con, force_id, period_start, period_end)

    incidents = [Incident(*row) for row in rows]
    by_stratum: dict[str, list[Incident]] = {}
    for incident in incidents:
        by_stratum.setdefault(incident.stratum, []).append(incident)
    strata = [Stratum(name, len(members), NO_CRIME_TYPE_CRIMES_PER_INCIDENT if name == NO_CRIME_TYPE else 1.0)
              for name, members in sorted(by_stratum.items())]
    progress(f"{len(incidents)} incidents in {len(strata)} strata; prior rate {prior:.3f} ({prior_source})")
    for stratum, size in zip(strata, allocate(strata, prior, precision)):
        stratum.sample_size = size
    ids = {name: [i.incident_id for i in members] for name, members in by_stratum.items()}
    chosen = draw(strata, ids, seed)
    by_id = {i.incident_id: i for i in incidents}
    for stratum in strata:
        stratum.sampled = [by_id[incident_id] for incident_id in chosen[stratum.name]]
    return Design(
        audit_id=audit_id or f"{force_id}-{period_start:%Y%m%d}-{period_end:%Y%m%d}-s{seed}",
        force_id=force_id, period_start=period_start, period_end=period_end, precision=precision,
        prior_rate=prior, prior_source=prior_source, seed=seed, strata=strata,
        no_crime_decisions=no_crime_decisions, disposals=disposals,
    )


def offence_codes(warehouse: Path) -> list[str]:
    """The Home Office offence codes of the seed the warehouse was built with (drop-down values)."""
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return [row[0] for row in con.execute("SELECT offence_code FROM seeds.offence_codes ORDER BY offence_code").fetchall()]
