"""National-scale sample: a year of exports for the 43 territorial forces, streamed.

``generate_national(out_dir, scale)`` writes canonical CSV exports only (no contract shapes,
no XLSX) in the landing layout of ``generate``::

    <out>/<force_id>/<YYYY-MM-DD>/incidents.csv, crimes.csv, crime_decisions.csv, disposals.csv
    <out>/<force_id>/audits/<force_id>-2014/...     (the 13 audited forces only)

Volumes: ``scale`` times ``NATIONAL_INCIDENTS_PER_YEAR`` calls for service and about
``NATIONAL_CRIMES_PER_YEAR`` crimes a year (``national_profiles``), split over the forces by
their share of recorded crime; scale 1.0 is about 20 million incidents and 6 million crimes.

* The 13 audited forces keep their calibrated audit exactly: their first 7 export days are
  the bundled sample's ``_ForceBuilder`` with the force's scaled daily volume (never below
  the profile's own ``daily_incidents``, which its audited decisions and disposals need), and
  the audit sheets cover those 7 days. Their later days are background traffic only.
* Every other day is streamed: generated and written one export day at a time. Crimes
  recorded after their incident's day (up to ten days later), corrected versions of crimes
  first exported with a provisional code, decisions and disposals wait in a small buffer
  keyed by the export day they belong to. Nothing holds a force's year in memory.
* Same seed and scale give byte-identical files whatever the number of worker processes:
  every force has its own random generator and is written by one worker.

Background traffic draws from the same tables as the bundled sample (``texts``, the people
factory, the same delays); two rates differ, on purpose: calls lead to crimes a little less
often (``CRIME_FACTOR``, so that 20 million calls give about 6 million crimes as nationally),
and no-crime decisions and out-of-court disposals follow national rates instead of the audit
sample's counts.
"""

from __future__ import annotations

import csv
import math
import multiprocessing
import os
import queue as queue_module
import random
import time
from bisect import bisect
from collections import defaultdict
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from itertools import accumulate
from operator import itemgetter
from pathlib import Path
from typing import Callable

from . import texts
from .generator import (
    EXPORT_COLUMNS,
    FIRST_EXPORT_DAY,
    UK,
    _ForceBuilder,
    background_delay,
    _write,
)
from .national_profiles import (
    FORCE_SHARES,
    NATIONAL_AREAS,
    NATIONAL_CRIMES_PER_YEAR,
    NATIONAL_INCIDENTS_PER_YEAR,
    AreaProfile,
)
from .people import PeopleFactory, Person
from .profiles import CODE_WEIGHTS, FORCE_PROFILES, ForceProfile

AUDIT_DAYS = 7  # the audited forces' first export days, built by the calibrated builder
MAX_KNOWN_PEOPLE = 5_000  # repeat contacts a force remembers (bounds memory over a year)

# Rates of the background traffic (per incident, per crime).
ONLINE_CRIME_RATE = 0.035  # crimes reported online (no incident) per incident, as the builder
SECOND_CODE_RATE = 0.08  # incidents with a second crime, as the builder
_BASE_CRIME_RATE = sum(
    w * texts.CRIME_PROBABILITY[o] for o, w in texts.OPENING_WEIGHTS.items()
) / sum(texts.OPENING_WEIGHTS.values())
# Scales the builder's crime probabilities so incidents give the national crime count.
CRIME_FACTOR = (NATIONAL_CRIMES_PER_YEAR / NATIONAL_INCIDENTS_PER_YEAR - ONLINE_CRIME_RATE) / (
    _BASE_CRIME_RATE * (1 + SECOND_CODE_RATE)
)
PROVISIONAL_RATE = 0.01  # crimes first exported under a provisional code, as the builder
NO_CRIME_RATE = 0.03  # no-crimed (national 2014 order of magnitude)
OTHER_DECISION_RATE = 0.012  # cancelled or transferred, as the builder
DISPOSAL_RATE = 0.10  # out-of-court disposals among crimes with a disposal option

_MINUTE = 60
_HOUR = 3600
_DAY = 86400
_EPOCH = datetime(1970, 1, 1)
_EPOCH_DAY = date(1970, 1, 1).toordinal()
_FIRST_DAY = (FIRST_EXPORT_DAY - date(1970, 1, 1)).days  # days since the epoch


@dataclass
class NationalSummary:
    """What ``generate_national`` wrote."""

    out_dir: Path
    seed: int
    scale: float
    days: int
    workers: int
    forces: tuple[str, ...]  # largest first
    audited_forces: tuple[str, ...]
    files_written: int
    rows_per_kind: dict[str, int]  # data rows (header excluded) per kind, over all forces
    seconds: float

    @property
    def total_rows(self) -> int:
        return sum(self.rows_per_kind.values())


def daily_incidents(scale: float) -> dict[str, float]:
    """Mean background incidents per export day of every force at ``scale`` (largest first)."""
    national = scale * NATIONAL_INCIDENTS_PER_YEAR / 365
    return {force: national * FORCE_SHARES[force] for force in NATIONAL_AREAS}


def generate_national(
    out_dir: Path,
    scale: float,
    seed: int = 2014,
    days: int = 365,
    workers: int | None = None,
    progress: Callable[[int], None] | None = None,
) -> NationalSummary:
    """Write ``days`` export days (from 2014-01-06) of every territorial force under ``out_dir``.

    ``workers`` processes (default: one per CPU) take the forces largest first. ``progress``
    is called with the number of force-days just written (``len(NATIONAL_AREAS) * days`` in
    all). Existing files with the same names are overwritten; nothing else is touched.
    """
    if isinstance(scale, bool) or not isinstance(scale, (int, float)) or not (
            math.isfinite(scale) and scale > 0):
        raise ValueError(f"scale must be a positive number (1.0 = national volumes), got {scale!r}")
    if isinstance(days, bool) or not isinstance(days, int) or days < AUDIT_DAYS:
        raise ValueError(
            f"days must be an integer of at least {AUDIT_DAYS} with --scale (the audited "
            f"forces' audit covers the first {AUDIT_DAYS} export days), got {days!r}")
    if workers is None:
        workers = os.cpu_count() or 1
    if isinstance(workers, bool) or not isinstance(workers, int) or workers < 1:
        raise ValueError(f"workers must be a positive integer, got {workers!r}")
    started = time.perf_counter()
    out_dir = Path(out_dir)
    forces = tuple(NATIONAL_AREAS)
    tasks = [(force, Path(out_dir), float(scale), seed, days) for force in forces]
    workers = min(workers, len(tasks))
    report = progress or (lambda n: None)
    if workers == 1:
        results = [_write_force(*task, report=report) for task in tasks]
    else:
        results = _in_processes(tasks, workers, report)
    rows = {kind: 0 for kind in (*EXPORT_COLUMNS, "audit", "incident_reviews",
                                 "no_crime_reviews", "disposal_reviews")}
    files = 0
    for force_rows, force_files in results:
        files += force_files
        for kind, n in force_rows.items():
            rows[kind] += n
    return NationalSummary(
        out_dir=out_dir, seed=seed, scale=float(scale), days=days, workers=workers,
        forces=forces, audited_forces=tuple(f for f in forces if f in FORCE_PROFILES),
        files_written=files, rows_per_kind=rows, seconds=time.perf_counter() - started,
    )


# --- worker processes -----------------------------------------------------------------------

_PROGRESS_QUEUE = None


def _init_worker(progress_queue) -> None:
    global _PROGRESS_QUEUE
    _PROGRESS_QUEUE = progress_queue


def _force_in_worker(task: tuple) -> tuple[dict[str, int], int]:
    return _write_force(*task, report=_PROGRESS_QUEUE.put)


def _in_processes(tasks: list[tuple], workers: int,
                  report: Callable[[int], None]) -> list[tuple[dict[str, int], int]]:
    # spawn, not fork: forking a process that runs threads (Dagster, DuckDB, a test's browser)
    # can copy a held lock into the worker and hang it (seen in the test suite).
    # ProcessPoolExecutor, not multiprocessing.Pool: a worker that dies (the OOM killer, a
    # failed start) breaks the pool with BrokenProcessPool here; Pool replaces the worker and
    # waits for its lost task forever.
    context = multiprocessing.get_context("spawn")
    progress_queue = context.Queue()
    with ProcessPoolExecutor(workers, mp_context=context, initializer=_init_worker,
                             initargs=(progress_queue,)) as pool:
        pending = [pool.submit(_force_in_worker, task) for task in tasks]  # largest first
        while not all(p.done() for p in pending):
            try:
                report(progress_queue.get(timeout=0.2))
            except queue_module.Empty:
                pass
        results = [p.result() for p in pending]  # raises a worker's exception here
    while True:
        try:
            report(progress_queue.get(timeout=0.05))
        except queue_module.Empty:
            break
    return results


# --- UK local time on integer epoch seconds -------------------------------------------------
# The same conversions as the builder's ``_utc_at``/``_fmt``/``_after`` (local wall times
# first resolved with fold=0), cached per hour: UK offsets only change on the hour.

_OFFSET_AT_UTC_HOUR: dict[int, int] = {}
_OFFSET_AT_LOCAL_HOUR: dict[int, int] = {}
_DAY_PREFIX: dict[int, str] = {}


def _offset_utc(t: int) -> int:
    hour = t // _HOUR
    offset = _OFFSET_AT_UTC_HOUR.get(hour)
    if offset is None:
        aware = datetime.fromtimestamp(hour * _HOUR, UK)
        offset = _OFFSET_AT_UTC_HOUR[hour] = int(aware.utcoffset().total_seconds())
    return offset


def _utc_of_local(local: int) -> int:
    """Epoch seconds of a UK wall time given as seconds since 1970-01-01 00:00 local."""
    hour = local // _HOUR
    offset = _OFFSET_AT_LOCAL_HOUR.get(hour)
    if offset is None:
        naive = _EPOCH + timedelta(hours=hour)
        offset = int(naive.replace(tzinfo=UK).utcoffset().total_seconds())
        _OFFSET_AT_LOCAL_HOUR[hour] = offset
    return local - offset


def _local_of(t: int) -> int:
    return t + _offset_utc(t)


def _fmt(t: int) -> str:
    local = t + _offset_utc(t)
    day, s = divmod(local, _DAY)
    prefix = _DAY_PREFIX.get(day)
    if prefix is None:
        prefix = _DAY_PREFIX[day] = date.fromordinal(_EPOCH_DAY + day).isoformat() + "T"
    return f"{prefix}{s // _HOUR:02d}:{s % _HOUR // _MINUTE:02d}:{s % _MINUTE:02d}"


def _after(start: int, seconds: int) -> int:
    """``start`` + ``seconds``, never earlier than ``start`` on the local clock (autumn DST)."""
    t = start + seconds
    if t + _offset_utc(t) < start + _offset_utc(start):
        t += _HOUR
    return t


def _export_day(t: int) -> int:
    """Index (0 = 2014-01-06) of the export day holding UTC epoch second ``t``."""
    return _local_of(t) // _DAY - _FIRST_DAY


# --- precomputed draws ----------------------------------------------------------------------

def _cumulative(weights) -> tuple[list, list[float]]:
    items = list(weights.items()) if isinstance(weights, dict) else list(weights)
    return [k for k, _ in items], list(accumulate(w for _, w in items))


_HOURS = list(range(24))
_HOUR_CUM = list(accumulate(texts.HOUR_WEIGHTS))
_OPENINGS, _OPENING_CUM = _cumulative(texts.OPENING_WEIGHTS)
_CHANNELS, _CHANNEL_CUM = _cumulative(texts.CHANNEL_WEIGHTS)
_CRIME_P = {o: p * CRIME_FACTOR for o, p in texts.CRIME_PROBABILITY.items()}
_CLOSING_ASB = _cumulative(texts.CLOSING_NO_CRIME)
_CLOSING_OTHER = _cumulative({k: w for k, w in texts.CLOSING_NO_CRIME.items()
                              if k != "ASB_RESOLVED"})
_OFFENCES = {o: _cumulative({c: CODE_WEIGHTS[c] for c in codes})
             for o, codes in texts.OPENING_OFFENCES.items()}
_SECOND_CODES = _cumulative({c: CODE_WEIGHTS[c] for c in ("105A", "58A", "58D", "9A")})
_ONLINE = _cumulative({c: CODE_WEIGHTS[c] for c in texts.ONLINE_OFFENCES})
_DISPOSALS = {code: _cumulative(options) for code, options in texts.DISPOSAL_OPTIONS.items()}
_NO_CRIME_REASONS = _cumulative(texts.NO_CRIME_REASONS)
_CANCEL_REASONS = _cumulative(texts.CANCEL_REASONS)
_TRANSFER_REASONS = _cumulative(texts.TRANSFER_REASONS)
_RANKS = _cumulative(texts.AUTHORISING_RANKS)


_first = itemgetter(0)
_by_time = itemgetter(0, 1)  # (time, crime number): as the builder, time then crime id


def _draw(rng: random.Random, table: tuple[list, list[float]]):
    keys, cum = table
    return keys[bisect(cum, rng.random() * cum[-1])]


# --- one force ------------------------------------------------------------------------------

def _write_force(force: str, out_dir: Path, scale: float, seed: int, days: int,
                 report: Callable[[int], None]) -> tuple[dict[str, int], int]:
    stream = _ForceStream(NATIONAL_AREAS[force], out_dir / force, scale, seed, days)
    if force in FORCE_PROFILES:
        stream.audit_week(report)
    else:
        stream.start_fresh()
    stream.run(report)
    return stream.rows, stream.files


class _ForceStream:
    def __init__(self, area: ForceProfile | AreaProfile, folder: Path, scale: float,
                 seed: int, days: int):
        self.area = area
        self.folder = folder
        self.seed = seed
        self.days = days
        self.rng = random.Random(f"cdi-sample/{seed}/{area.force_id}/national")
        self.people = PeopleFactory(self.rng, area, max_known=MAX_KNOWN_PEOPLE)
        self.mean_daily = daily_incidents(scale)[area.force_id]
        last_local = (_FIRST_DAY + days - 1) * _DAY + 23 * _HOUR + 59 * _MINUTE
        self.window_end = _utc_of_local(last_local)
        self.first_day = 0
        self.next_incident = 0
        self.next_crime = 0
        # Buffers keyed by export day index: what is due in that day's files. Crimes wait as
        # (recorded, incident id, reported_at, code, victim) until they get their number;
        # corrections as (crime number, row); decisions and disposals as (time, number, row).
        self.crimes: dict[int, list[tuple]] = defaultdict(list)
        self.corrections: dict[int, list[tuple[int, list[str]]]] = defaultdict(list)
        self.decisions: dict[int, list[tuple[int, int, list[str]]]] = defaultdict(list)
        self.disposals: dict[int, list[tuple[int, int, list[str]]]] = defaultdict(list)
        self.rows: dict[str, int] = defaultdict(int)
        self.files = 0

    # ---- where the stream starts
    def start_fresh(self) -> None:
        rng = self.rng
        self.next_incident = round(self.mean_daily * 5) + rng.randint(1, 400)
        crimes_per_incident = NATIONAL_CRIMES_PER_YEAR / NATIONAL_INCIDENTS_PER_YEAR
        self.next_crime = round(self.mean_daily * crimes_per_incident * 5) + rng.randint(1, 150)

    def audit_week(self, report: Callable[[int], None]) -> None:
        """The first export days and the audit, by the calibrated builder of the sample."""
        profile = FORCE_PROFILES[self.area.force_id]
        daily = max(profile.daily_incidents, round(self.mean_daily))
        builder = _ForceBuilder(replace(profile, daily_incidents=daily), self.seed, AUDIT_DAYS)
        builder.build()
        for rel, kind, records in builder.tables():
            _write(self.folder / rel, kind, records, None, True)
            self.rows[kind] += len(records)
            self.files += 1
        self.next_incident = 1 + max(int(i.incident_id.rsplit("-", 1)[1])
                                     for i in builder.incidents)
        self.next_crime = 1 + max(int(c.crime_id.rsplit("-", 1)[1]) for c in builder.crimes)
        for incident, reported, recorded, code in builder.overflow:  # recorded after the week
            recorded_at = int(recorded.timestamp())
            if code is None:
                code = _draw(self.rng, _ONLINE)
            if recorded_at > self.window_end:
                continue
            caller = incident.caller if incident is not None else None
            self.crimes[_export_day(recorded_at)].append((
                recorded_at, incident.incident_id if incident is not None else "",
                _fmt(int(reported.timestamp())), code, self._victim(code, caller)))
        self.first_day = AUDIT_DAYS
        report(AUDIT_DAYS)

    # ---- the stream
    def run(self, report: Callable[[int], None]) -> None:
        for d in range(self.first_day, self.days):
            incidents = self._incidents(d)
            crimes = self._crimes_due(d)
            decisions = [row for _, _, row in sorted(self.decisions.pop(d, ()), key=_by_time)]
            disposals = [row for _, _, row in sorted(self.disposals.pop(d, ()), key=_by_time)]
            folder = self.folder / (FIRST_EXPORT_DAY + timedelta(days=d)).isoformat()
            folder.mkdir(parents=True, exist_ok=True)
            for kind, rows in (("incidents", incidents), ("crimes", crimes),
                               ("crime_decisions", decisions), ("disposals", disposals)):
                _write_csv(folder / f"{kind}.csv", EXPORT_COLUMNS[kind], rows)
                self.rows[kind] += len(rows)
                self.files += 1
            report(1)

    def _incidents(self, d: int) -> list[list[str]]:
        """The day's calls for service; their crimes go to the buffer of their export day."""
        rng, people = self.rng, self.people
        random_ = rng.random
        mean = self.mean_daily * rng.uniform(0.9, 1.1)
        count = int(mean + random_())  # unbiased rounding: tiny forces still get their share
        local_day = (_FIRST_DAY + d) * _DAY
        hours = rng.choices(_HOURS, cum_weights=_HOUR_CUM, k=count)
        received = sorted(_utc_of_local(local_day + h * _HOUR + rng.randrange(_HOUR))
                          for h in hours)
        openings = rng.choices(_OPENINGS, cum_weights=_OPENING_CUM, k=count)
        channels = rng.choices(_CHANNELS, cum_weights=_CHANNEL_CUM, k=count)
        prefix, window_end, crimes = f"{self.area.prefix}-I-14-", self.window_end, self.crimes
        summaries, crime_p = texts.SUMMARIES, _CRIME_P
        rows = []
        for at, opening, channel in zip(received, openings, channels):
            is_crime = random_() < crime_p[opening]
            if is_crime or random_() < 0.02:  # closed as a crime, none recorded: for screening
                closing = "CRIME_RECORDED"
            else:
                closing = _draw(rng, _CLOSING_ASB if opening == "ASB" else _CLOSING_OTHER)
            if opening == "SEXUAL" and channel == "online":
                channel = "101"
            caller: Person | None = people.person(min_age=18)
            if channel == "third_party":  # a neighbour or professional: partly known
                caller = Person(caller.name, "" if random_() < 0.5 else caller.dob,
                                "" if random_() < 0.3 else caller.address)
            elif random_() < 0.04:  # anonymous caller
                caller = None
            incident_id = f"{prefix}{self.next_incident:06d}"
            self.next_incident += 1
            received_at = _fmt(at)
            if caller is None:
                rows.append([incident_id, received_at, channel, opening, closing, "", "", "",
                             rng.choice(summaries[opening])])
            else:
                rows.append([incident_id, received_at, channel, opening, closing, caller.name,
                             caller.dob, caller.address, rng.choice(summaries[opening])])
            if not is_crime:
                continue
            codes = [_draw(rng, _OFFENCES[opening])]
            if random_() < SECOND_CODE_RATE:
                codes.append(_draw(rng, _SECOND_CODES))
            for code in codes:
                recorded = _after(at, background_delay(self.rng))
                if recorded <= window_end:  # later ones would land after the last export
                    crimes[_export_day(recorded)].append(
                        (recorded, incident_id, received_at, code, self._victim(code, caller)))
        # crimes reported online, straight to the crime register (no incident)
        online = int(self.mean_daily * ONLINE_CRIME_RATE * rng.uniform(0.7, 1.3) + random_())
        for _ in range(online):
            reported = _utc_of_local(local_day + rng.randrange(_DAY))
            recorded = _after(reported, rng.randint(_HOUR, 72 * _HOUR))
            code = _draw(rng, _ONLINE)
            if recorded <= window_end:
                crimes[_export_day(recorded)].append(
                    (recorded, "", _fmt(reported), code, self._victim(code, None)))
        return rows

    def _victim(self, code: str, caller: Person | None) -> Person:
        rng = self.rng
        if code in ("46", "30A") and rng.random() < 0.8:
            return self.people.business()
        if caller is not None and caller.dob and rng.random() < 0.7:
            return caller
        return self.people.person()

    def _crimes_due(self, d: int) -> list[list[str]]:
        """Crimes recorded on day ``d`` (numbered in recording order), then their fate."""
        rng, random_ = self.rng, self.rng.random
        out = self.corrections.pop(d, [])
        due = self.crimes.pop(d, [])
        due.sort(key=_first)
        prefix = f"{self.area.prefix}-C-14-"
        for recorded, incident_id, reported_at, code, victim in due:
            n = self.next_crime
            self.next_crime += 1
            crime_id = f"{prefix}{n:06d}"
            row = [crime_id, incident_id, reported_at, _fmt(recorded), code, victim.name,
                   victim.dob, victim.address]
            if random_() < PROVISIONAL_RATE and d + 1 < self.days:
                first = row.copy()
                first[4] = texts.MISCLASSIFIED_AS[code]
                out.append((n, first))
                self.corrections[min(d + rng.randint(1, 3), self.days - 1)].append((n, row))
                continue
            out.append((n, row))
            fate = random_()
            if fate < NO_CRIME_RATE:
                self._decide(recorded, n, crime_id, "NO_CRIME", _draw(rng, _NO_CRIME_REASONS),
                             random_() >= 0.05)
            elif fate < NO_CRIME_RATE + OTHER_DECISION_RATE:
                if random_() < 0.5:
                    self._decide(recorded, n, crime_id, "CANCELLED", _draw(rng, _CANCEL_REASONS), True)
                else:
                    self._decide(recorded, n, crime_id, "TRANSFERRED",
                                 _draw(rng, _TRANSFER_REASONS), True)
            elif code in _DISPOSALS and random_() < DISPOSAL_RATE:
                issued = _after(recorded, rng.randint(_HOUR, 96 * _HOUR))
                kind = _draw(rng, _DISPOSALS[code])
                if issued <= self.window_end:
                    self.disposals[_export_day(issued)].append(
                        (issued, n, [crime_id, kind, _fmt(issued)]))
        out.sort(key=_first)
        return [row for _, row in out]

    def _decide(self, recorded: int, n: int, crime_id: str, decision: str, reason: str,
                informed: bool) -> None:
        rng = self.rng
        decided = _after(recorded, rng.randint(30 * _MINUTE, 96 * _HOUR))
        by = f"{_draw(rng, _RANKS)} {rng.randint(1000, 9999)}"
        if decided <= self.window_end:
            self.decisions[_export_day(decided)].append((decided, n, [
                crime_id, _fmt(decided), decision, reason, by, "true" if informed else "false"]))


def _write_csv(path: Path, columns: tuple[str, ...], rows: list[list[str]]) -> None:
    """Canonical CSV, byte for byte as ``writers.write_table`` writes the canonical shape."""
    with path.open("w", encoding="utf-8", newline="", buffering=1 << 16) as handle:
        writer = csv.writer(handle, delimiter=",", quotechar='"', lineterminator="\n")
        writer.writerow(columns)
        writer.writerows(rows)
