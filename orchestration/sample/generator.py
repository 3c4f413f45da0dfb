"""Deterministic generator of canonical force exports and HMIC audit sheets.

``generate(out_dir)`` writes, for each force of the sample, one folder per export day::

    <out>/<force_id>/<YYYY-MM-DD>/incidents.csv, crimes.csv, crime_decisions.csv, disposals.csv
    <out>/<force_id>/audits/<force_id>-2014/audit.csv, incident_reviews.csv,
                                           no_crime_reviews.csv, disposal_reviews.csv

The data is invented but calibrated (``profiles.FORCE_PROFILES``): matching the audit sheets
against the latest version of each crime, as the warehouse does, gives each force's fixed
figures exactly, whatever the seed. Same seed and arguments give byte-identical files.

How the figures are built, per force:

* the expected crimes (``crimes_reported``) are spread over offence groups by ``GROUP_MIX``,
  the unrecorded ones over groups in proportion to ``GROUP_UNDER_RECORDING`` (with exactly
  ``unrecorded_rapes`` of them rapes);
* they are packed into ``incidents_reviewed`` incidents: most with one expected crime, some
  with two or three, the rest with none;
* every recorded expected crime gets one crime linked to its incident. In incidents with
  several expected crimes the recorded crimes carry exactly the expected codes of the recorded
  ones, so same-code pairing decides which stay unrecorded; misclassified and late crimes are
  only in single-crime incidents, so any pairing gives the same counts;
* a few recorded crimes appear first with a provisional code or without their incident link
  and are corrected in a later export (the latest version is the calibrated one);
* no-crime decisions and disposals are placed on background crimes (not linked to reviewed
  incidents), so they never change the recording figures.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone
from pathlib import Path
from typing import Callable, Sequence
from zoneinfo import ZoneInfo

from orchestration.ingest.contracts import ForceContract, ReadSpec, load_contracts
from orchestration.ingest.kinds import KINDS_BY_NAME

from . import texts
from .people import PeopleFactory, Person
from .writers import write_table
from .profiles import (
    CODE_WEIGHTS,
    FORCE_PROFILES,
    GROUP_MIX,
    GROUP_UNDER_RECORDING,
    OFFENCE_GROUP_OF,
    OFFENCE_GROUPS,
    RAPE_CODES,
    SAMPLE_FORCES,
    ForceProfile,
)

UK = ZoneInfo("Europe/London")
FIRST_EXPORT_DAY = date(2014, 1, 6)
MIN_DAYS = 5
TIME_LIMIT_HOURS = 72
AUDIT_YEAR = 2014

EXPORT_COLUMNS: dict[str, tuple[str, ...]] = {
    "incidents": ("incident_id", "received_at", "channel", "opening_code", "closing_code",
                  "caller_name", "caller_dob", "caller_address", "summary"),
    "crimes": ("crime_id", "incident_id", "reported_at", "recorded_at", "offence_code",
               "victim_name", "victim_dob", "victim_address"),
    "crime_decisions": ("crime_id", "decided_at", "decision", "reason_code", "authorised_by",
                        "victim_informed"),
    "disposals": ("crime_id", "disposal_type", "issued_at"),
}
AUDIT_COLUMNS: dict[str, tuple[str, ...]] = {
    "audit": ("audit_id", "force_id", "period_start", "period_end", "time_limit_hours",
              "inspector"),
    "incident_reviews": ("audit_id", "incident_id", "reviewed_at", "expected_offence_code",
                         "auditor_ref"),
    "no_crime_reviews": ("audit_id", "crime_id", "reviewed_at", "verdict", "auditor_ref"),
    "disposal_reviews": ("audit_id", "crime_id", "reviewed_at", "verdict", "auditor_ref"),
}
KINDS: tuple[str, ...] = (*EXPORT_COLUMNS, *AUDIT_COLUMNS)
_PERSONAL_SUFFIXES = ("_name", "_dob", "_address")

_MINUTE = 60
_HOUR = 3600
# Margins keep every calibrated delay well clear of the 72-hour limit (and of a DST hour).
_ON_TIME_MAX = (TIME_LIMIT_HOURS - 2) * _HOUR
_LATE_MIN = (TIME_LIMIT_HOURS + 2) * _HOUR
_LATE_MAX = (TIME_LIMIT_HOURS + 38) * _HOUR

# Groups that tend to be reported together in one incident.
_COMPANIONS: dict[str, tuple[str, ...]] = {
    "violence_against_the_person": ("violence_against_the_person", "criminal_damage_and_arson",
                                    "public_order", "other"),
    "sexual_offences": ("violence_against_the_person",),
    "robbery": ("violence_against_the_person", "theft"),
    "burglary": ("criminal_damage_and_arson", "theft"),
    "theft": ("criminal_damage_and_arson", "public_order", "violence_against_the_person"),
    "criminal_damage_and_arson": ("violence_against_the_person", "public_order",
                                  "criminal_damage_and_arson"),
    "public_order": ("violence_against_the_person", "criminal_damage_and_arson"),
    "other": ("other", "violence_against_the_person", "public_order"),
}


@dataclass
class GenerationSummary:
    """What ``generate`` wrote."""

    out_dir: Path
    seed: int
    days: int
    forces: tuple[str, ...]
    files_written: int
    files: list[Path]  # every file written, in writing order
    rows_per_kind: dict[str, int]  # data rows (header excluded) per kind, over all forces
    # Every invented name, date of birth and address string written (to prove none of them
    # reaches the warehouse in clear).
    clear_text_values: set[str] = field(repr=False)

    @property
    def total_rows(self) -> int:
        return sum(self.rows_per_kind.values())


def generate(
    out_dir: Path,
    seed: int = 2014,
    forces: Sequence[str] | None = None,
    days: int = 7,
    progress: Callable[[str], None] | None = None,
    canonical: bool = False,
) -> GenerationSummary:
    """Write the sample landing tree under ``out_dir`` and return what was written.

    ``days`` export days are written from 2014-01-06 (at least 5: late crimes must still be
    recorded inside the audit period). ``forces`` defaults to all of ``SAMPLE_FORCES``.
    Existing files with the same names are overwritten; nothing else is touched.
    Forces with a contract in `orchestration/force_contracts/` are written in their own shape
    (and audit sheets as XLSX, as inspectors deliver them) unless ``canonical`` is true.
    """
    if isinstance(days, bool) or not isinstance(days, int):
        raise ValueError(f"days must be an integer of at least {MIN_DAYS}, got {days!r}")
    if days < MIN_DAYS:
        raise ValueError(
            f"days must be at least {MIN_DAYS} (crimes recorded outside the {TIME_LIMIT_HOURS}-hour "
            f"limit must still fall inside the export window), got {days}"
        )
    force_ids = _resolve_forces(forces)
    out_dir = Path(out_dir)
    files: list[Path] = []
    rows = {kind: 0 for kind in KINDS}
    clear: set[str] = set()
    contracts = {} if canonical else load_contracts()
    for force_id in force_ids:
        builder = _ForceBuilder(FORCE_PROFILES[force_id], seed, days)
        builder.build()
        tables = builder.tables()
        for rel, kind, records in tables:
            files.append(_write(out_dir / force_id / rel, kind, records, contracts.get(force_id), canonical))
            rows[kind] += len(records)
            _collect_personal(kind, records, clear)
        if progress is not None:
            progress(
                f"{force_id}: {len(builder.incidents)} incidents, {len(builder.crimes)} crimes, "
                f"{len(builder.decisions)} decisions, {len(builder.disposals)} disposals, "
                f"{len(builder.reviewed)} incidents reviewed"
            )
    return GenerationSummary(
        out_dir=out_dir,
        seed=seed,
        days=days,
        forces=force_ids,
        files_written=len(files),
        files=files,
        rows_per_kind=rows,
        clear_text_values=clear,
    )


def _resolve_forces(forces: Sequence[str] | None) -> tuple[str, ...]:
    if forces is None:
        return SAMPLE_FORCES
    if isinstance(forces, str):
        forces = [forces]
    unknown = [f for f in forces if f not in FORCE_PROFILES]
    if unknown:
        raise ValueError(
            f"unknown force id(s) {', '.join(map(repr, unknown))}; "
            f"the sample has: {', '.join(SAMPLE_FORCES)}"
        )
    chosen = tuple(dict.fromkeys(forces))
    if not chosen:
        raise ValueError("forces is empty; pass None for all sample forces")
    return chosen


def _write(folder: Path, kind: str, records: list[dict[str, str]],
           contract: ForceContract | None, canonical: bool) -> Path:
    columns = EXPORT_COLUMNS.get(kind) or AUDIT_COLUMNS[kind]
    export_kind = KINDS_BY_NAME[kind]
    if kind in AUDIT_COLUMNS:
        spec = ReadSpec.canonical(export_kind, "csv" if canonical else "xlsx")
        name = f"{kind}.{'csv' if canonical else 'xlsx'}"
    else:
        day = date.fromisoformat(folder.name)
        spec = contract.spec_for(export_kind, day) if contract else None
        name = spec.file_name(day) if spec else f"{kind}.csv"
        spec = spec or ReadSpec.canonical(export_kind)
    return write_table(folder, name, spec, columns, records)


def _collect_personal(kind: str, records: list[dict[str, str]], clear: set[str]) -> None:
    columns = EXPORT_COLUMNS.get(kind) or AUDIT_COLUMNS[kind]
    personal = [c for c in columns if c.endswith(_PERSONAL_SUFFIXES)]
    for record in records:
        for c in personal:
            if record.get(c):
                clear.add(record[c])


# --- time helpers ---------------------------------------------------------------------------

def _utc_at(day: date, seconds: int) -> datetime:
    """UK local wall time ``day`` + ``seconds`` as an aware UTC datetime."""
    local = datetime.combine(day, time()) + timedelta(seconds=seconds)
    return local.replace(tzinfo=UK).astimezone(timezone.utc)


def _local(ts: datetime) -> datetime:
    return ts.astimezone(UK).replace(tzinfo=None)


def _fmt(ts: datetime) -> str:
    return _local(ts).strftime("%Y-%m-%dT%H:%M:%S")


def _after(start: datetime, seconds: int) -> datetime:
    """``start`` + ``seconds``, never earlier than ``start`` on the local clock (autumn DST)."""
    ts = start + timedelta(seconds=seconds)
    if _local(ts) < _local(start):
        ts += timedelta(hours=1)
    return ts


def background_delay(rng: random.Random) -> int:
    """Seconds from a call to its crime's record, for background (unaudited) crimes."""
    bucket = rng.random()
    if bucket < 0.65:
        return rng.randint(10 * _MINUTE, 8 * _HOUR)
    if bucket < 0.90:
        return rng.randint(8 * _HOUR, 48 * _HOUR)
    if bucket < 0.98:
        return rng.randint(48 * _HOUR, 120 * _HOUR)
    return rng.randint(120 * _HOUR, 240 * _HOUR)


def _pick(rng: random.Random, weights: dict[str, float] | tuple[tuple[str, float], ...]) -> str:
    items = list(weights.items()) if isinstance(weights, dict) else list(weights)
    return rng.choices([k for k, _ in items], weights=[w for _, w in items])[0]


def _closing(rng: random.Random, opening: str, weights: dict[str, float]) -> str:
    """A closing code; ASB_RESOLVED only closes calls opened as anti-social behaviour."""
    if opening != "ASB":
        weights = {k: w for k, w in weights.items() if k != "ASB_RESOLVED"}
    return _pick(rng, weights)


def _draw_code(rng: random.Random, codes: Sequence[str]) -> str:
    return rng.choices(list(codes), weights=[CODE_WEIGHTS[c] for c in codes])[0]


def _apportion(total: int, weights: dict[str, float]) -> dict[str, int]:
    """Largest-remainder split of ``total`` by ``weights`` (ties in key order)."""
    keys = list(weights)
    scale = sum(weights.values())
    raw = {k: total * weights[k] / scale if scale else 0.0 for k in keys}
    out = {k: math.floor(raw[k]) for k in keys}
    rest = total - sum(out.values())
    for k in sorted(keys, key=lambda k: (-(raw[k] - out[k]), keys.index(k)))[:rest]:
        out[k] += 1
    return out


# --- internal records -----------------------------------------------------------------------

@dataclass(eq=False)
class _Incident:
    received: datetime
    channel: str
    opening: str
    caller: Person | None
    summary: str
    closing: str = ""
    incident_id: str = ""


@dataclass(eq=False)
class _Crime:
    incident: _Incident | None
    reported: datetime
    recorded: datetime
    code: str
    victim: Person
    reviewed: bool  # linked to an incident of the audit sample
    correctly_classified: bool = False  # reviewed, and carrying the auditor's expected code
    provisional: tuple[str, str] | None = None  # ("code", code) or ("link", "")
    corrected_on: date | None = None
    crime_id: str = ""


@dataclass(eq=False)
class _Decision:
    crime: _Crime
    decided: datetime
    decision: str
    reason: str
    authorised_by: str
    victim_informed: bool
    verdict: str = ""  # correct|incorrect when the audit reviewed it


@dataclass(eq=False)
class _Disposal:
    crime: _Crime
    disposal_type: str
    issued: datetime
    verdict: str = ""  # appropriate|inappropriate when the audit reviewed it


@dataclass(eq=False)
class _Expected:
    code: str
    recorded: bool
    misclassified: bool = False
    late: bool = False

    @property
    def group(self) -> str:
        return OFFENCE_GROUP_OF[self.code]


@dataclass(eq=False)
class _Reviewed:
    expected: list[_Expected]
    incident: _Incident | None = None


# --- one force ------------------------------------------------------------------------------

class _ForceBuilder:
    def __init__(self, profile: ForceProfile, seed: int, days: int):
        self.p = profile
        self.rng = random.Random(f"cdi-sample/{seed}/{profile.force_id}")
        self.days = days
        self.day_dates = [FIRST_EXPORT_DAY + timedelta(days=d) for d in range(days)]
        self.window_end = _utc_at(self.day_dates[-1], 23 * _HOUR + 59 * _MINUTE)
        self.people = PeopleFactory(self.rng, profile)
        self.incidents: list[_Incident] = []
        self.crimes: list[_Crime] = []
        self.decisions: list[_Decision] = []
        self.disposals: list[_Disposal] = []
        self.reviewed: list[_Reviewed] = []
        # Background crimes recorded after the last export day: (incident, reported,
        # recorded, code), code None for crimes reported online.
        self.overflow: list[tuple[_Incident | None, datetime, datetime, str | None]] = []
        self.audit_id = f"{profile.force_id}-{AUDIT_YEAR}"

    # ---- orchestration
    def build(self) -> None:
        self._plan_reviews()
        self._realise_reviews()
        self._background()
        self._corrections()
        self._decisions()
        self._disposals()
        self._assign_ids()

    # ---- the audit sample
    def _plan_reviews(self) -> None:
        p, rng = self.p, self.rng
        n_by_group = _apportion(p.crimes_reported, GROUP_MIX)
        u_by_group = _apportion(
            p.crimes_unrecorded,
            {g: n_by_group[g] * GROUP_UNDER_RECORDING[g] for g in n_by_group},
        )
        sexual, violence = "sexual_offences", "violence_against_the_person"
        shortfall = p.unrecorded_rapes - u_by_group[sexual]
        if shortfall > 0:
            u_by_group[sexual] += shortfall
            u_by_group[violence] -= shortfall
        for g in list(u_by_group):  # never more unrecorded than expected in a group
            excess = u_by_group[g] - n_by_group[g]
            if excess > 0:
                u_by_group[g] -= excess
                u_by_group[violence] += excess
        if (u_by_group[violence] > n_by_group[violence] or min(u_by_group.values()) < 0
                or u_by_group[sexual] < p.unrecorded_rapes):
            raise ValueError(f"{p.force_id}: calibration cannot be met ({u_by_group})")

        expected: list[_Expected] = []
        non_rape = tuple(c for c in OFFENCE_GROUPS[sexual] if c not in RAPE_CODES)
        for group, codes in OFFENCE_GROUPS.items():
            n, u = n_by_group[group], u_by_group[group]
            for i in range(n):
                unrecorded = i < u
                if group == sexual and unrecorded:
                    code = _draw_code(rng, RAPE_CODES if i < p.unrecorded_rapes else non_rape)
                else:
                    code = _draw_code(rng, codes)
                expected.append(_Expected(code, recorded=not unrecorded))
        rng.shuffle(expected)

        doubles = max(3, round(p.crimes_reported * 0.045))
        triples = max(2, round(p.crimes_reported * 0.015))
        singles = p.crimes_reported - 2 * doubles - 3 * triples
        empties = p.incidents_reviewed - singles - doubles - triples
        if singles < 0 or empties < 1:
            raise ValueError(f"{p.force_id}: incidents_reviewed too small for crimes_reported")

        pool = expected
        reviewed: list[_Reviewed] = []
        for size in [3] * triples + [2] * doubles:
            primary = pool.pop(rng.randrange(len(pool)))
            members = [primary]
            for _ in range(size - 1):
                fits = [i for i, e in enumerate(pool) if e.group in _COMPANIONS[primary.group]]
                members.append(pool.pop(rng.choice(fits) if fits else rng.randrange(len(pool))))
            reviewed.append(_Reviewed(members))
        reviewed.extend(_Reviewed([e]) for e in pool)
        reviewed.extend(_Reviewed([]) for _ in range(empties))

        candidates = [e for r in reviewed if len(r.expected) == 1
                      for e in r.expected if e.recorded]
        special = p.misclassified + p.recorded_late
        if special > len(candidates):
            raise ValueError(f"{p.force_id}: too many misclassified/late crimes")
        chosen = rng.sample(candidates, special)
        for e in chosen[: p.misclassified]:
            e.misclassified = True
        for e in chosen[p.misclassified:]:
            e.late = True
        rng.shuffle(reviewed)
        self.reviewed = reviewed

    def _realise_reviews(self) -> None:
        rng = self.rng
        late_days = range(0, self.days - 3)  # received there, recorded > 72 h later, in window
        for r in self.reviewed:
            if any(e.late for e in r.expected):
                day = self.day_dates[rng.choice(late_days)]
                hour = rng.randint(6, 20)
            else:
                day = self.day_dates[rng.randrange(self.days)]
                hour = rng.choices(range(23), weights=texts.HOUR_WEIGHTS[:23])[0]
            received = _utc_at(day, hour * _HOUR + rng.randrange(_HOUR))
            if r.expected:
                opening = _pick(rng, texts.GROUP_OPENINGS[r.expected[0].group])
                if any(e.recorded for e in r.expected):
                    closing = "CRIME_RECORDED"
                else:
                    closing = _closing(rng, opening, texts.CLOSING_UNRECORDED)
            else:
                opening = _pick(rng, texts.NON_CRIME_OPENINGS)
                closing = _closing(rng, opening, texts.CLOSING_NO_CRIME)
            incident = self._new_incident(received, opening, closing)
            r.incident = incident
            for e in r.expected:
                if not e.recorded:
                    continue
                if e.late:
                    room = int((self.window_end - received).total_seconds()) - 10 * _MINUTE
                    hi = min(_LATE_MAX, room)
                    if hi < _LATE_MIN:
                        raise AssertionError("late crime cannot fit in the export window")
                    delay = rng.randint(_LATE_MIN, hi)
                else:
                    delay = self._reviewed_delay(received)
                code = texts.MISCLASSIFIED_AS[e.code] if e.misclassified else e.code
                crime = self._new_crime(incident, received, _after(received, delay), code,
                                        reviewed=True)
                crime.correctly_classified = not e.misclassified

    def _reviewed_delay(self, received: datetime) -> int:
        rng = self.rng
        room = int((self.window_end - received).total_seconds()) - _MINUTE
        bucket = rng.random()
        if bucket < 0.55:
            delay = rng.randint(10 * _MINUTE, 6 * _HOUR)
        elif bucket < 0.85:
            delay = rng.randint(6 * _HOUR, 30 * _HOUR)
        else:
            delay = rng.randint(30 * _HOUR, _ON_TIME_MAX)
        return max(5 * _MINUTE, min(delay, room, _ON_TIME_MAX))

    # ---- background traffic
    def _background(self) -> None:
        rng, p = self.rng, self.p
        for day in self.day_dates:
            for _ in range(round(p.daily_incidents * rng.uniform(0.9, 1.1))):
                hour = rng.choices(range(24), weights=texts.HOUR_WEIGHTS)[0]
                received = _utc_at(day, hour * _HOUR + rng.randrange(_HOUR))
                opening = _pick(rng, texts.OPENING_WEIGHTS)
                crime = rng.random() < texts.CRIME_PROBABILITY[opening]
                if crime:
                    closing = "CRIME_RECORDED"
                elif rng.random() < 0.02:  # closed as a crime, none recorded: for screening
                    closing = "CRIME_RECORDED"
                else:
                    closing = _closing(rng, opening, texts.CLOSING_NO_CRIME)
                incident = self._new_incident(received, opening, closing)
                if not crime:
                    continue
                codes = [_draw_code(rng, texts.OPENING_OFFENCES[opening])]
                if rng.random() < 0.08:
                    codes.append(_draw_code(rng, ("105A", "58A", "58D", "9A")))
                for code in codes:
                    recorded = _after(received, background_delay(self.rng))
                    if recorded <= self.window_end:
                        self._new_crime(incident, received, recorded, code, reviewed=False)
                    else:  # lands in a later export (only the national stream writes those)
                        self.overflow.append((incident, received, recorded, code))
            # crimes reported online, straight to the crime register (no incident)
            for _ in range(round(p.daily_incidents * 0.035 * rng.uniform(0.7, 1.3))):
                reported = _utc_at(day, rng.randrange(24 * _HOUR))
                recorded = _after(reported, rng.randint(_HOUR, 72 * _HOUR))
                if recorded <= self.window_end:
                    code = _draw_code(rng, texts.ONLINE_OFFENCES)
                    self._new_crime(None, reported, recorded, code, reviewed=False)
                else:  # no code drawn here: the builder's draws stay those of the sample
                    self.overflow.append((None, reported, recorded, None))

    def _new_incident(self, received: datetime, opening: str, closing: str) -> _Incident:
        rng = self.rng
        channel = _pick(rng, texts.CHANNEL_WEIGHTS)
        if opening == "SEXUAL" and channel == "online":
            channel = "101"
        caller: Person | None = self.people.person(min_age=18)
        if channel == "third_party":  # a neighbour or professional: partly known
            caller = Person(caller.name, "" if rng.random() < 0.5 else caller.dob,
                            "" if rng.random() < 0.3 else caller.address)
        elif rng.random() < 0.04:  # anonymous caller
            caller = None
        incident = _Incident(received, channel, opening, caller,
                             rng.choice(texts.SUMMARIES[opening]), closing)
        self.incidents.append(incident)
        return incident

    def _new_crime(self, incident: _Incident | None, reported: datetime, recorded: datetime,
                   code: str, *, reviewed: bool) -> _Crime:
        rng = self.rng
        if code in ("46", "30A") and rng.random() < 0.8:
            victim = self.people.business()
        elif incident is not None and incident.caller and incident.caller.dob \
                and rng.random() < 0.7:
            victim = incident.caller
        else:
            victim = self.people.person()
        crime = _Crime(incident, reported, recorded, code, victim, reviewed)
        self.crimes.append(crime)
        return crime

    # ---- crimes corrected in a later export
    def _corrections(self) -> None:
        rng = self.rng
        last = self.day_dates[-1]
        early = [c for c in self.crimes if _local(c.recorded).date() < last]
        reviewed = [c for c in early if c.correctly_classified]
        picks = rng.sample(reviewed, min(len(reviewed), 3 + rng.randint(0, 2)))
        for i, crime in enumerate(picks):
            crime.provisional = ("link", "") if i == 0 else ("code", texts.MISCLASSIFIED_AS[crime.code])
        background = [c for c in early if not c.reviewed]
        for crime in rng.sample(background, max(2, len(background) // 100)):
            crime.provisional = ("code", texts.MISCLASSIFIED_AS[crime.code])
        for crime in self.crimes:
            if crime.provisional is not None:
                first = (_local(crime.recorded).date() - FIRST_EXPORT_DAY).days
                crime.corrected_on = self.day_dates[rng.randint(first + 1, min(first + 3, self.days - 1))]

    # ---- decisions and disposals on background crimes
    def _decisions(self) -> None:
        rng, p = self.rng, self.p
        candidates = [c for c in self.crimes if not c.reviewed and c.provisional is None
                      and c.recorded <= self.window_end - timedelta(hours=3)]
        n_no_crime = p.nocrime_reviewed + max(2, round(p.nocrime_reviewed * 0.1))
        n_other = max(2, round(len(candidates) * 0.012))
        needed = n_no_crime + n_other + p.disposals_reviewed * 2
        if len(candidates) < needed:
            raise ValueError(
                f"{p.force_id}: only {len(candidates)} background crimes for {needed} "
                "decisions and disposals; raise daily_incidents or days"
            )
        chosen = rng.sample(candidates, n_no_crime + n_other)
        no_crime = chosen[:n_no_crime]
        incorrect = set(map(id, rng.sample(no_crime[: p.nocrime_reviewed],
                                           p.nocrime_reviewed - p.nocrime_correct)))
        for i, crime in enumerate(no_crime):
            verdict = ""
            if i < p.nocrime_reviewed:
                verdict = "incorrect" if id(crime) in incorrect else "correct"
            informed = rng.random() >= (0.3 if verdict == "incorrect" else 0.05)
            self._decide(crime, "NO_CRIME", _pick(rng, texts.NO_CRIME_REASONS), informed, verdict)
        for i, crime in enumerate(chosen[n_no_crime:]):
            if i % 2 == 0:
                self._decide(crime, "CANCELLED", _pick(rng, texts.CANCEL_REASONS), True, "")
            else:
                self._decide(crime, "TRANSFERRED", _pick(rng, texts.TRANSFER_REASONS), True, "")

    def _decide(self, crime: _Crime, decision: str, reason: str, informed: bool,
                verdict: str) -> None:
        rng = self.rng
        room = int((self.window_end - crime.recorded).total_seconds())
        decided = _after(crime.recorded, rng.randint(30 * _MINUTE, min(96 * _HOUR, room)))
        rank = _pick(rng, texts.AUTHORISING_RANKS)
        self.decisions.append(_Decision(crime, decided, decision, reason,
                                        f"{rank} {rng.randint(1000, 9999)}", informed, verdict))

    def _disposals(self) -> None:
        rng, p = self.rng, self.p
        decided = set(id(d.crime) for d in self.decisions)
        candidates = [c for c in self.crimes if not c.reviewed and c.provisional is None
                      and id(c) not in decided and c.code in texts.DISPOSAL_OPTIONS
                      and c.recorded <= self.window_end - timedelta(hours=2)]
        n = p.disposals_reviewed + max(3, round(p.disposals_reviewed * 0.3))
        if len(candidates) < n:
            raise ValueError(f"{p.force_id}: only {len(candidates)} crimes for {n} disposals")
        chosen = rng.sample(candidates, n)
        bad = set(map(id, rng.sample(chosen[: p.disposals_reviewed], p.disposals_inappropriate)))
        for i, crime in enumerate(chosen):
            verdict = ""
            if i < p.disposals_reviewed:
                verdict = "inappropriate" if id(crime) in bad else "appropriate"
            room = int((self.window_end - crime.recorded).total_seconds())
            issued = _after(crime.recorded, rng.randint(_HOUR, min(96 * _HOUR, room)))
            self.disposals.append(
                _Disposal(crime, _pick(rng, texts.DISPOSAL_OPTIONS[crime.code]), issued, verdict))

    # ---- identifiers
    def _assign_ids(self) -> None:
        rng, p = self.rng, self.p
        start = p.daily_incidents * 5 + rng.randint(1, 400)
        for n, incident in enumerate(sorted(self.incidents, key=lambda i: i.received)):
            incident.incident_id = f"{p.prefix}-I-14-{start + n:06d}"
        start = round(p.daily_incidents * 0.35 * 5) + rng.randint(1, 150)
        for n, crime in enumerate(sorted(self.crimes, key=lambda c: c.recorded)):
            crime.crime_id = f"{p.prefix}-C-14-{start + n:06d}"

    # ---- output rows
    def tables(self) -> list[tuple[str, str, list[dict[str, str]]]]:
        """(folder relative to the force, kind, rows) for every file of this force."""
        per_day: dict[date, dict[str, list[tuple[tuple, dict[str, str]]]]] = {
            d: {kind: [] for kind in EXPORT_COLUMNS} for d in self.day_dates
        }
        for incident in self.incidents:
            per_day[_local(incident.received).date()]["incidents"].append(
                ((incident.incident_id,), self._incident_row(incident)))
        for crime in self.crimes:
            day = _local(crime.recorded).date()
            if crime.provisional is None:
                per_day[day]["crimes"].append(((crime.crime_id,), self._crime_row(crime)))
                continue
            kind, value = crime.provisional
            first = self._crime_row(crime)
            if kind == "code":
                first["offence_code"] = value
            else:
                first["incident_id"] = value
            per_day[day]["crimes"].append(((crime.crime_id,), first))
            per_day[crime.corrected_on]["crimes"].append(
                ((crime.crime_id,), self._crime_row(crime)))
        for d in self.decisions:
            per_day[_local(d.decided).date()]["crime_decisions"].append(
                ((d.decided, d.crime.crime_id), {
                    "crime_id": d.crime.crime_id, "decided_at": _fmt(d.decided),
                    "decision": d.decision, "reason_code": d.reason,
                    "authorised_by": d.authorised_by,
                    "victim_informed": "true" if d.victim_informed else "false",
                }))
        for d in self.disposals:
            per_day[_local(d.issued).date()]["disposals"].append(
                ((d.issued, d.crime.crime_id), {
                    "crime_id": d.crime.crime_id, "disposal_type": d.disposal_type,
                    "issued_at": _fmt(d.issued),
                }))
        out: list[tuple[str, str, list[dict[str, str]]]] = []
        for day in self.day_dates:
            for kind in EXPORT_COLUMNS:
                rows = [row for _, row in sorted(per_day[day][kind], key=lambda kv: kv[0])]
                out.append((day.isoformat(), kind, rows))
        audit_dir = f"audits/{self.audit_id}"
        for kind, rows in self._audit_rows().items():
            out.append((audit_dir, kind, rows))
        return out

    def _incident_row(self, incident: _Incident) -> dict[str, str]:
        caller = incident.caller or Person("", "", "")
        return {
            "incident_id": incident.incident_id, "received_at": _fmt(incident.received),
            "channel": incident.channel, "opening_code": incident.opening,
            "closing_code": incident.closing, "caller_name": caller.name,
            "caller_dob": caller.dob, "caller_address": caller.address,
            "summary": incident.summary,
        }

    def _crime_row(self, crime: _Crime) -> dict[str, str]:
        return {
            "crime_id": crime.crime_id,
            "incident_id": crime.incident.incident_id if crime.incident else "",
            "reported_at": _fmt(crime.reported), "recorded_at": _fmt(crime.recorded),
            "offence_code": crime.code, "victim_name": crime.victim.name,
            "victim_dob": crime.victim.dob, "victim_address": crime.victim.address,
        }

    def _audit_rows(self) -> dict[str, list[dict[str, str]]]:
        p, rng = self.p, self.rng
        refs = iter(range(1, 10_000))

        def ref() -> str:
            return f"{p.prefix}{AUDIT_YEAR % 100:02d}-R{next(refs):04d}"

        fieldwork = self.day_dates[-1] + timedelta(days=14)

        def reviewed_at() -> datetime:
            day = fieldwork + timedelta(days=rng.randint(0, 20))
            if day.weekday() >= 5:
                day += timedelta(days=7 - day.weekday())
            return _utc_at(day, rng.randint(9 * _HOUR, 17 * _HOUR))

        incident_reviews = []
        for r in sorted(self.reviewed, key=lambda r: r.incident.incident_id):
            at = reviewed_at()
            codes = sorted(e.code for e in r.expected) or [""]
            for n, code in enumerate(codes):
                incident_reviews.append({
                    "audit_id": self.audit_id, "incident_id": r.incident.incident_id,
                    "reviewed_at": _fmt(at + timedelta(minutes=2 * n)),
                    "expected_offence_code": code, "auditor_ref": ref(),
                })
        no_crime_reviews = [
            {"audit_id": self.audit_id, "crime_id": d.crime.crime_id,
             "reviewed_at": _fmt(reviewed_at()), "verdict": d.verdict, "auditor_ref": ref()}
            for d in sorted((d for d in self.decisions if d.verdict),
                            key=lambda d: d.crime.crime_id)
        ]
        disposal_reviews = [
            {"audit_id": self.audit_id, "crime_id": d.crime.crime_id,
             "reviewed_at": _fmt(reviewed_at()), "verdict": d.verdict, "auditor_ref": ref()}
            for d in sorted((d for d in self.disposals if d.verdict),
                            key=lambda d: d.crime.crime_id)
        ]
        audit = [{
            "audit_id": self.audit_id, "force_id": p.force_id,
            "period_start": self.day_dates[0].isoformat(),
            "period_end": self.day_dates[-1].isoformat(),
            "time_limit_hours": str(TIME_LIMIT_HOURS),
            "inspector": f"HMIC CDI team {p.audit_team}",
        }]
        return {"audit": audit, "incident_reviews": incident_reviews,
                "no_crime_reviews": no_crime_reviews, "disposal_reviews": disposal_reviews}
