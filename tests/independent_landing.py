"""An independently written landing folder and its oracle.

Three canonical forces (no contract in orchestration/force_contracts/), four nightly exports
(2014-03-03 .. 2014-03-06) and one inspection audit each. Written by hand, on purpose without
the project's sample generator, in shapes that generator never produces (column order, CRLF,
BOM, quoted commas and newlines, mixed timestamp styles, XLSX dates and numbers) so the
published accuracy figures can be checked against a computation that shares no code with the
pipeline. March 2014 is GMT throughout (BST starts 2014-03-30), so UK local time = UTC here.

Headline figures, counted by hand from the tables below (HAND_COUNTED holds them per offence
group; `expected_figures()` must agree):

    audit                    incidents  reported  recorded  correct code  on time
    surrey-2014-spring (72h)        22        26        19            16       18
    sussex-2014-spring (24h)        17        21        16            12       13
    north-wales-2014-spring (72h)   16        20        16            14       15

    no-crime reviews: surrey 6 (4 correct), sussex 7 (6 correct), north-wales 6 (4 correct)
    disposal reviews: surrey 5 (4 appropriate), sussex 4 (3), north-wales 4 (2)

Ambiguities kept out of the data (so the oracle does not depend on them): crimes with a
decision (NO_CRIME, CANCELLED, TRANSFERRED) are never linked to a reviewed incident; a
re-exported incident keeps its received_at; no expected crime can be paired two ways with
different outcomes (`expected_figures(tie_break_reversed=True)` gives the same figures).
"""

from __future__ import annotations

import csv
import io
import math
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from functools import cache
from pathlib import Path

FORCES = ("surrey", "sussex", "north-wales")
EXPORT_DATES = tuple(date(2014, 3, 3) + timedelta(days=n) for n in range(4))
Z95 = 1.959963984540054
SEED_FILE = Path(__file__).resolve().parent.parent / "dbt_project" / "seeds" / "offence_codes.csv"
AUDITORS = ("AUD-7", "AUD-9")

# Canonical columns, in the order DESIGN.md lists them.
COLUMNS = {
    "incidents": ("incident_id", "received_at", "channel", "opening_code", "closing_code",
                  "caller_name", "caller_dob", "caller_address", "summary"),
    "crimes": ("crime_id", "incident_id", "reported_at", "recorded_at", "offence_code",
               "victim_name", "victim_dob", "victim_address"),
    "crime_decisions": ("crime_id", "decided_at", "decision", "reason_code", "authorised_by",
                        "victim_informed"),
    "disposals": ("crime_id", "disposal_type", "issued_at"),
    "audit": ("audit_id", "force_id", "period_start", "period_end", "time_limit_hours", "inspector"),
    "incident_reviews": ("audit_id", "incident_id", "reviewed_at", "expected_offence_code", "auditor_ref"),
    "no_crime_reviews": ("audit_id", "crime_id", "reviewed_at", "verdict", "auditor_ref"),
    "disposal_reviews": ("audit_id", "crime_id", "reviewed_at", "verdict", "auditor_ref"),
}
EXPORT_KINDS = ("incidents", "crimes", "crime_decisions", "disposals")
AUDIT_KINDS = ("audit", "incident_reviews", "no_crime_reviews", "disposal_reviews")


@cache
def offence_codes() -> dict[str, tuple[str, bool]]:
    """offence_code -> (offence_group, is_rape), from the project's seed (the only shared input)."""
    with SEED_FILE.open(newline="", encoding="utf-8") as fh:
        return {r["offence_code"]: (r["offence_group"], r["is_rape"] == "true") for r in csv.DictReader(fh)}


def group_of(code: str) -> str:
    return offence_codes()[code][0]


# --------------------------------------------------------------------------------------------
# The data, as tables a reader can count by hand
# --------------------------------------------------------------------------------------------

def _at(text: str) -> datetime:
    """'03-05 14:10' or '03-05 14:10:30' -> that moment in March 2014 (UK local = GMT)."""
    return datetime.strptime("2014-" + text, "%Y-%m-%d %H:%M:%S" if text.count(":") == 2 else "%Y-%m-%d %H:%M")


def _day(text: str) -> date:
    """'03-05' -> 2014-03-05."""
    return _at(text + " 00:00").date()


def _elapsed(text: str) -> timedelta:
    """'72:00:01' or '0:10' (hours:minutes[:seconds]) -> timedelta."""
    parts = [int(p) for p in text.split(":")] + [0]
    return timedelta(hours=parts[0], minutes=parts[1], seconds=parts[2])


@dataclass(frozen=True)
class Rec:
    """A crime the force recorded for a reviewed incident."""

    code: str  # offence code of its latest version
    after: str  # incident received_at -> recorded_at, 'H:MM[:SS]'
    was: str | None = None  # first exported under this code, reclassified to `code` in a later export


@dataclass(frozen=True)
class Reviewed:
    """An incident in the audit sample: what the auditor expected, what the force recorded."""

    received: str
    expected: tuple[str, ...]
    recorded: tuple[Rec, ...] = ()


@dataclass(frozen=True)
class NoCrime:
    """A crime the force no-crimed (never linked to a reviewed incident)."""

    code: str
    recorded: str
    decided: str
    verdict: str | None  # None: not in the audit sample
    again: str | None = None  # 'MM-DD': the same NO_CRIME row exported again that day
    now_code: str | None = None  # reclassified to this code in a later export
    cancelled_first: bool = False  # a CANCELLED decision (another key) precedes the NO_CRIME


@dataclass(frozen=True)
class Disposal:
    """A crime dealt with out of court."""

    code: str
    recorded: str
    issued: str
    types: tuple[str, ...]  # two types: two offenders, two disposal rows, one review
    verdict: str | None  # None: not in the audit sample
    again: str | None = None  # 'MM-DD': the same disposal rows exported again that day


@dataclass(frozen=True)
class ForceSpec:
    force: str
    audit_id: str
    time_limit_hours: int
    inspector: str
    incident_ref: str  # str.format pattern: {n} running number, {t} received_at
    crime_ref: str  # str.format pattern: {n} running number
    reviewed: tuple[Reviewed, ...]
    no_crimes: tuple[NoCrime, ...]
    disposals: tuple[Disposal, ...]
    unlinked: tuple[str, ...]  # crimes with no incident (reported online); 1st CANCELLED, 2nd TRANSFERRED
    # File shapes: line ending, byte-order mark, column order per kind where it differs.
    newline: str = "\n"
    bom: bool = False
    order: dict[str, tuple[str, ...]] = field(default_factory=dict)


def R(code: str, after: str, was: str | None = None) -> Rec:
    return Rec(code, after, was)


def I(received: str, expected: str = "", *recorded: Rec) -> Reviewed:
    return Reviewed(received, tuple(expected.split()), recorded)


SPECS = {
    # 72-hour audit. CRLF everywhere (also inside quoted values); crimes and disposals columns
    # in another order. Per expected group (incidents, reported, recorded, correct code, on time):
    #   violence 7/10/8/6/8, sexual 3/3/1/1/1, robbery 1/1/1/0/1, burglary 2/2/2/2/2,
    #   theft 5/6/4/4/4, criminal damage 2/2/2/2/1, public order 1/1/0/0/0, other 1/1/1/1/1.
    "surrey": ForceSpec(
        force="surrey", audit_id="surrey-2014-spring", time_limit_hours=72,
        inspector="HMIC Crime Data Integrity team (Surrey)",
        incident_ref="SY/2014/{n:06d}", crime_ref="C-45-{n:04d}",
        reviewed=(
            I("03-03 09:15", "8N", R("8N", "2:00")),  # S1
            I("03-03 10:40", "105A 105A", R("105A", "5:00")),  # S2 two victims, one recorded
            I("03-03 13:05", "28E", R("28E", "3:00", was="49")),  # S3 first exported as theft
            I("03-03 16:20", "19C"),  # S4 rape, not recorded
            I("03-03 18:00"),  # S5 no crime expected
            I("03-03 20:30", "46", R("46", "72:00:00")),  # S6 exactly at the limit: on time
            I("03-03 21:10", "58C", R("58C", "72:00:01")),  # S7 one second over: late
            I("03-04 08:05", "8N", R("105A", "4:00")),  # S8 same group, wrong code
            I("03-04 11:30", "34B", R("49", "6:00")),  # S9 recorded as theft: misclassified
            I("03-04 14:45", "20A 8L", R("8L", "1:00")),  # S10 sexual assault not recorded
            I("03-04 19:00", "9A"),  # S11
            I("03-05 02:30", "28E 58A", R("58A", "30:00"), R("28E", "20:00")),  # S12
            I("03-05 09:00", "8N 8N 3B", R("8N", "2:00"), R("8N", "25:00")),  # S13 threat not recorded
            I("03-05 12:00", "45", R("45", "26:00")),  # S14
            I("03-05 15:30", "92D", R("92D", "1:00")),  # S15
            I("03-05 17:45"),  # S16 no crime expected
            I("03-06 07:20", "19F", R("19F", "3:00")),  # S17 rape, recorded
            I("03-06 09:50", "44"),  # S18
            I("03-06 13:10", "105A", R("8N", "2:00")),  # S19 same group, wrong code
            I("03-06 16:00", "37.2", R("37.2", "1:00")),  # S20 a dotted code
            I("03-06 18:30", "49 49", R("49", "0:30")),  # S21 two victims, one recorded
            I("03-04 22:00", "8R", R("8R", "5:00")),  # S22 listed out of date order
        ),
        no_crimes=(
            NoCrime("8N", "03-03 10:00", "03-04 09:30", "correct"),
            NoCrime("19C", "03-03 15:00", "03-04 11:00", "incorrect", again="03-05"),
            NoCrime("28E", "03-04 08:00", "03-05 10:00", "correct"),
            NoCrime("49", "03-04 12:00", "03-06 09:00", "correct", now_code="34B"),  # counts as robbery
            NoCrime("105A", "03-05 09:00", "03-06 14:00", "incorrect"),
            NoCrime("58D", "03-03 12:00", "03-05 16:00", "correct", cancelled_first=True),
            NoCrime("46", "03-04 16:00", "03-05 12:00", None),
        ),
        disposals=(
            Disposal("46", "03-03 11:00", "03-04 10:00", ("CAUTION",), "appropriate"),
            Disposal("105A", "03-03 14:00", "03-04 15:00", ("COMMUNITY_RESOLUTION",), "inappropriate", again="03-06"),
            Disposal("92E", "03-04 09:00", "03-04 17:00", ("CANNABIS_WARNING",), "appropriate"),
            Disposal("9A", "03-05 10:00", "03-05 18:00", ("PENALTY_NOTICE",), "appropriate"),
            Disposal("58D", "03-05 08:00", "03-06 10:00", ("COMMUNITY_RESOLUTION", "CAUTION"), "appropriate"),
            Disposal("49A", "03-04 20:00", "03-05 09:00", ("PENALTY_NOTICE",), None),
        ),
        unlinked=("8R", "49", "88E"),
        newline="\r\n",
        order={
            "crimes": ("offence_code", "crime_id", "recorded_at", "reported_at", "incident_id",
                       "victim_address", "victim_name", "victim_dob"),
            "disposals": ("issued_at", "disposal_type", "crime_id"),
        },
    ),
    # 24-hour audit. UTF-8 BOM on every file; decisions and incident_reviews in another order.
    #   violence 4/5/4/3/3, sexual 3/3/2/2/2, robbery 1/1/1/0/1, burglary 2/3/2/2/2,
    #   theft 3/5/4/3/3, criminal damage 1/1/1/0/1, public order 1/1/0/0/0, other 1/2/2/2/1.
    "sussex": ForceSpec(
        force="sussex", audit_id="sussex-2014-spring", time_limit_hours=24,
        inspector="Zoë Ashworth, HMIC",
        incident_ref="SX{t:%y%m%d}/{n:04d}", crime_ref="SXCR/14/{n:05d}",
        reviewed=(
            I("03-03 08:00", "8N", R("8N", "24:00:00")),  # X1 exactly 24 h: on time
            I("03-03 09:30", "105A", R("105A", "24:00:01")),  # X2 one second over: late
            I("03-03 11:00", "28E 28E", R("28E", "2:00")),  # X3 two victims, one recorded
            I("03-03 14:20"),  # X4 no crime expected
            I("03-03 17:45", "19C 8N", R("8N", "1:00")),  # X5 rape not recorded
            I("03-04 07:10", "46", R("46", "30:00")),  # X6 late
            I("03-04 10:00", "34A", R("34B", "3:00")),  # X7 same group, wrong code
            I("03-04 12:30", "58D", R("9A", "2:00")),  # X8 recorded as public order
            I("03-04 15:00", "20A", R("20A", "5:00", was="88E")),  # X9 reclassified to the right code
            I("03-04 20:00", "92D 10D", R("10D", "1:00"), R("92D", "48:00")),  # X10 one late
            I("03-05 09:15", "44 44 44", R("44", "2:00"), R("44", "3:00")),  # X11 three bikes, two recorded
            I("03-05 13:00", "9B"),  # X12
            I("03-05 16:40"),  # X13 no crime expected
            I("03-06 06:00", "19D", R("19D", "4:00")),  # X14 rape, recorded
            I("03-06 11:30", "8L 8Q", R("8R", "1:00")),  # X15 one recorded under a third code
            I("03-06 14:00", "30C", R("30C", "6:00")),  # X16
            I("03-05 19:00", "45", R("48", "2:00", was="45")),  # X17 reclassified away from the right code
        ),
        no_crimes=(
            NoCrime("8L", "03-03 09:00", "03-04 10:00", "correct"),
            NoCrime("20A", "03-03 13:00", "03-04 15:00", "correct", again="03-06"),
            NoCrime("46", "03-04 10:00", "03-05 09:00", "correct"),
            NoCrime("9A", "03-04 18:00", "03-05 12:00", "incorrect"),
            NoCrime("28E", "03-03 20:00", "03-05 18:00", "correct", cancelled_first=True),
            NoCrime("58D", "03-03 07:00", "03-06 10:00", "correct", now_code="58A"),
            NoCrime("92D", "03-05 11:00", "03-06 11:00", "correct"),
            NoCrime("105A", "03-05 14:00", "03-06 12:00", None),
        ),
        disposals=(
            Disposal("8N", "03-03 10:00", "03-04 11:00", ("COMMUNITY_RESOLUTION",), "inappropriate"),
            Disposal("46", "03-04 12:00", "03-04 18:00", ("PENALTY_NOTICE",), "appropriate", again="03-05"),
            Disposal("92D", "03-05 09:00", "03-05 16:00", ("CAUTION", "CONDITIONAL_CAUTION"), "appropriate"),
            Disposal("58C", "03-05 15:00", "03-06 09:00", ("COMMUNITY_RESOLUTION",), "appropriate"),
            Disposal("44", "03-03 18:00", "03-04 12:00", ("CAUTION",), None),
        ),
        unlinked=("8R", "45", "10D"),
        bom=True,
        order={
            "crime_decisions": ("decision", "crime_id", "decided_at", "authorised_by", "reason_code",
                                "victim_informed"),
            "incident_reviews": ("incident_id", "expected_offence_code", "auditor_ref", "reviewed_at",
                                 "audit_id"),
        },
    ),
    # 72-hour audit, the one usually delivered as XLSX. Plain LF; incidents in another order.
    #   violence 3/6/5/5/5, sexual 3/4/2/2/2, robbery 1/1/1/0/1, burglary 1/1/1/0/1,
    #   theft 3/4/3/3/3, criminal damage 1/1/1/1/0, public order 1/2/2/2/2, other 1/1/1/1/1.
    "north-wales": ForceSpec(
        force="north-wales", audit_id="north-wales-2014-spring", time_limit_hours=72,
        inspector="Siân Pritchard, HMIC",
        incident_ref="NWP-{t:%d%m%y}-{n:03d}", crime_ref="NWCR.14.{n:05d}",
        reviewed=(
            I("03-03 07:45", "8N 105A", R("105A", "1:00"), R("8N", "2:00")),  # W1
            I("03-03 10:15", "19F"),  # W2 rape, not recorded
            I("03-03 12:00", "28E", R("30C", "70:00")),  # W3 same group, wrong code
            I("03-03 15:30"),  # W4 no crime expected
            I("03-03 23:50", "46 46", R("46", "0:10")),  # W5 recorded after midnight; one of two
            I("03-03 06:00", "58A", R("58A", "74:00")),  # W6 late
            I("03-04 09:00", "34B", R("8N", "1:00")),  # W7 recorded as violence
            I("03-04 13:40", "8Q 8L 3B", R("8L", "2:00"), R("8Q", "2:00"), R("3B", "50:00")),  # W8
            I("03-04 18:00", "49", R("49", "4:00", was="58D")),  # W9 reclassified across groups
            I("03-05 10:00", "19C 20A", R("20A", "3:00")),  # W10 rape not recorded
            I("03-05 14:10", "37.2", R("37.2", "2:00")),  # W11
            I("03-05 20:00", "9A 9A", R("9A", "1:00"), R("9A", "1:30")),  # W12
            I("03-06 09:00", "10D", R("10D", "0:45")),  # W13
            I("03-06 12:30"),  # W14 no crime expected
            I("03-06 15:00", "8N"),  # W15
            I("03-06 17:20", "19C", R("19C", "2:00")),  # W16 rape, recorded
        ),
        no_crimes=(
            NoCrime("8N", "03-03 08:30", "03-04 09:00", "correct"),
            NoCrime("105A", "03-04 10:00", "03-05 10:30", "correct"),
            NoCrime("19F", "03-03 19:00", "03-04 16:00", "incorrect", again="03-05"),
            NoCrime("30C", "03-04 07:00", "03-05 15:00", "correct"),
            NoCrime("49", "03-03 11:00", "03-06 08:00", "correct", now_code="105A"),  # counts as violence
            NoCrime("58C", "03-05 13:00", "03-06 13:00", "incorrect"),
            NoCrime("44", "03-04 13:00", "03-05 08:00", None),
        ),
        disposals=(
            Disposal("20A", "03-03 16:00", "03-05 10:00", ("CAUTION",), "inappropriate"),
            Disposal("92E", "03-04 11:00", "03-04 15:00", ("CANNABIS_WARNING",), "appropriate", again="03-06"),
            Disposal("8N", "03-04 21:00", "03-05 11:00", ("CONDITIONAL_CAUTION",), "inappropriate"),
            Disposal("46", "03-05 12:00", "03-05 19:00", ("PENALTY_NOTICE", "COMMUNITY_RESOLUTION"), "appropriate"),
            Disposal("58D", "03-04 08:00", "03-04 20:00", ("COMMUNITY_RESOLUTION",), None),
        ),
        unlinked=("8R", "49", "19C"),
        order={
            "incidents": ("received_at", "incident_id", "summary", "channel", "closing_code",
                          "opening_code", "caller_address", "caller_dob", "caller_name"),
        },
    ),
}

# Hand counts (see the tables above). Recording per expected group:
# (incidents_reviewed, crimes_reported, crimes_recorded, correctly_classified, recorded_on_time).
HAND_COUNTED = {
    "surrey-2014-spring": {
        "recording": {
            "all": (22, 26, 19, 16, 18),
            "violence_against_the_person": (7, 10, 8, 6, 8),
            "sexual_offences": (3, 3, 1, 1, 1),
            "robbery": (1, 1, 1, 0, 1),
            "burglary": (2, 2, 2, 2, 2),
            "theft": (5, 6, 4, 4, 4),
            "criminal_damage_and_arson": (2, 2, 2, 2, 1),
            "public_order": (1, 1, 0, 0, 0),
            "other": (1, 1, 1, 1, 1),
        },
        # No-crime reviews per group of the crime's latest version: (reviewed, correct).
        "no_crime": {"all": (6, 4), "violence_against_the_person": (2, 1), "sexual_offences": (1, 0),
                     "robbery": (1, 1), "burglary": (1, 1), "criminal_damage_and_arson": (1, 1)},
        "disposal": (5, 4),  # reviewed, appropriate
    },
    "sussex-2014-spring": {
        "recording": {
            "all": (17, 21, 16, 12, 13),
            "violence_against_the_person": (4, 5, 4, 3, 3),
            "sexual_offences": (3, 3, 2, 2, 2),
            "robbery": (1, 1, 1, 0, 1),
            "burglary": (2, 3, 2, 2, 2),
            "theft": (3, 5, 4, 3, 3),
            "criminal_damage_and_arson": (1, 1, 1, 0, 1),
            "public_order": (1, 1, 0, 0, 0),
            "other": (1, 2, 2, 2, 1),
        },
        "no_crime": {"all": (7, 6), "violence_against_the_person": (1, 1), "sexual_offences": (1, 1),
                     "burglary": (1, 1), "theft": (1, 1), "criminal_damage_and_arson": (1, 1),
                     "public_order": (1, 0), "other": (1, 1)},
        "disposal": (4, 3),
    },
    "north-wales-2014-spring": {
        "recording": {
            "all": (16, 20, 16, 14, 15),
            "violence_against_the_person": (3, 6, 5, 5, 5),
            "sexual_offences": (3, 4, 2, 2, 2),
            "robbery": (1, 1, 1, 0, 1),
            "burglary": (1, 1, 1, 0, 1),
            "theft": (3, 4, 3, 3, 3),
            "criminal_damage_and_arson": (1, 1, 1, 1, 0),
            "public_order": (1, 2, 2, 2, 2),
            "other": (1, 1, 1, 1, 1),
        },
        "no_crime": {"all": (6, 4), "violence_against_the_person": (3, 3), "sexual_offences": (1, 0),
                     "burglary": (1, 1), "criminal_damage_and_arson": (1, 0)},
        "disposal": (4, 2),
    },
}


# --------------------------------------------------------------------------------------------
# Made-up people and texts (hashed at ingest; their content never reaches a figure)
# --------------------------------------------------------------------------------------------

_FIRST = ("Aled", "Bethan", "Connor", "Dilys", "Eamon", "Farah", "Gwen", "Hamish", "Ines", "Jac",
          "Keisha", "Llew", "Mared", "Nikhil", "Orla", "Priya", "Rhys", "Sorcha", "Tomasz", "Zoë")
_LAST = ("Ap Gwilym", "Bellingham", "Cartwright", "Dunmore", "Evans", "Fairweather", "Gallagher",
         "Hughes", "O'Brien", "Kowalski", "Lloyd-Jones", "Mistry", "Nwosu", "Pritchard")
_PLACES = {
    "surrey": (("Guildford", "GU1"), ("Woking", "GU21"), ("Epsom", "KT17"), ("Reigate", "RH2")),
    "sussex": (("Brighton", "BN1"), ("Hastings", "TN34"), ("Crawley", "RH10"), ("Worthing", "BN11")),
    "north-wales": (("Bangor", "LL57"), ("Wrexham", "LL11"), ("Rhyl", "LL18"), ("Llandudno", "LL30")),
}
_STREETS = ("Station Road", "Chapel Street", "Heol y Castell", "Acacia Avenue", "The Crescent")
_WHAT = {
    "violence_against_the_person": 'fight outside "The Red Lion", one male punched, bleeding',
    "sexual_offences": "caller discloses a sexual assault, suspect known to her",
    "robbery": "phone and wallet taken by force, suspects on bikes",
    "burglary": "back door forced, laptop, jewellery and car keys gone",
    "theft": "items taken, no force used, CCTV may be available",
    "criminal_damage_and_arson": "windows smashed, car tyres slashed",
    "public_order": "group shouting abuse, residents alarmed, distressed",
    "other": "male seen with a knife / drugs, stopped and searched",
    None: "concern for welfare, neighbour not seen for days, no offence disclosed",
}
_CHANNELS = ("999", "101", "online", "in_person", "third_party")


def _person(force: str, n: int) -> tuple[str, date, str]:
    """Name, date of birth and a multi-line address with commas."""
    town, district = _PLACES[force][n % 4]
    name = f"{_FIRST[n % len(_FIRST)]} {_LAST[(n * 7) % len(_LAST)]}"
    dob = date(1950 + (n * 13) % 50, 1 + n % 12, 1 + (n * 5) % 28)
    address = f"Flat {1 + n % 9}, {10 + n} {_STREETS[n % 5]},\n{town}, {district} {n % 9}AB"
    return name, dob, address


def _summary(group: str | None, n: int) -> str:
    return f"Caller reports {_WHAT[group]}.\nOfficer attended, log {n}; see \"notes\", item 2."


# --------------------------------------------------------------------------------------------
# Building the records (plain Python values; the writers format them, the oracle reads them)
# --------------------------------------------------------------------------------------------

@dataclass
class Landing:
    """Everything one force delivers: rows per export date and kind, and its audit sheets."""

    spec: ForceSpec
    exports: dict[date, dict[str, list[dict]]]
    audit: dict[str, list[dict]]


class _Builder:
    def __init__(self, spec: ForceSpec):
        self.spec = spec
        self.exports = {d: {k: [] for k in EXPORT_KINDS} for d in EXPORT_DATES}
        self.incidents = 0
        self.crimes = 0

    def put(self, kind: str, day: date, row: dict) -> None:
        assert day in self.exports, f"{self.spec.force}: {kind} exported on {day}, outside the exports"
        self.exports[day][kind].append(row)

    def incident(self, received: datetime, group: str | None, crime_expected: bool) -> str:
        self.incidents += 1
        n = self.incidents
        ref = self.spec.incident_ref.format(n=100 + n, t=received)
        name, dob, address = _person(self.spec.force, n)
        self.put("incidents", received.date(), {
            "incident_id": ref, "received_at": received, "channel": _CHANNELS[n % 5],
            "opening_code": f"OP{n % 7:02d}", "closing_code": "CR1" if crime_expected else "NC4",
            "caller_name": name, "caller_dob": dob, "caller_address": address, "summary": _summary(group, n),
        })
        return ref

    def crime(self, incident_id: str | None, reported: datetime, recorded: datetime, code: str,
              was: str | None = None) -> str:
        assert recorded >= reported, "every crime here is recorded at or after it was reported"
        for c in (code, was):
            assert c is None or c in offence_codes(), f"{c} is not in the offence code seed"
        self.crimes += 1
        ref = self.spec.crime_ref.format(n=self.crimes)
        name, dob, address = _person(self.spec.force, 50 + self.crimes)
        row = {"crime_id": ref, "incident_id": incident_id, "reported_at": reported, "recorded_at": recorded,
               "offence_code": was or code, "victim_name": name, "victim_dob": dob, "victim_address": address}
        self.put("crimes", recorded.date(), row)
        if was:  # reclassified: the same crime again, two exports later (at most the last one)
            later = min(recorded.date() + timedelta(days=2), EXPORT_DATES[-1])
            assert later > recorded.date(), f"{ref} cannot be reclassified after the last export"
            self.put("crimes", later, dict(row, offence_code=code))
        return ref

    def decision(self, crime_id: str, decided: datetime, decision: str, again: date | None = None) -> None:
        row = {"crime_id": crime_id, "decided_at": decided, "decision": decision,
               "reason_code": {"NO_CRIME": "NC-ADDITIONAL-VERIFIABLE-INFO", "CANCELLED": "C-DUPLICATE",
                               "TRANSFERRED": "T-OTHER-FORCE"}[decision],
               "authorised_by": "DS 4411", "victim_informed": decision != "TRANSFERRED"}
        self.put("crime_decisions", decided.date(), row)
        if again:  # repeated in a later export (same key); a changed non-key value, latest wins
            assert again > decided.date()
            self.put("crime_decisions", again, dict(row, authorised_by="DI 2093"))


def _reviewed_at(i: int) -> datetime:
    # Reviews happen after the period, before the clocks change on 2014-03-30.
    return datetime(2014, 3, 10 + i // 4, 9 + i % 4 * 2, (i * 7) % 60)


@cache
def build(force: str) -> Landing:
    """The records of one force (cached: writers and oracle see the very same rows)."""
    spec = SPECS[force]
    b = _Builder(spec)
    reviews: list[dict] = []

    for i, inc in enumerate(spec.reviewed):
        received = _at(inc.received)
        groups = [group_of(c) for c in inc.expected]
        incident_id = b.incident(received, groups[0] if groups else None, bool(inc.expected))
        if i == 0:  # the first incident is exported again the next day, closing code updated
            first = b.exports[received.date()]["incidents"][-1]
            b.put("incidents", received.date() + timedelta(days=1), dict(first, closing_code="CR2"))
        for rec in inc.recorded:
            recorded = received + _elapsed(rec.after)
            reported = received + min(timedelta(minutes=10), _elapsed(rec.after))
            b.crime(incident_id, reported, recorded, rec.code, rec.was)
        auditor = AUDITORS[i % 2]
        for j, code in enumerate(inc.expected or (None,)):
            reviews.append({"audit_id": spec.audit_id, "incident_id": incident_id,
                            "reviewed_at": _reviewed_at(i) + timedelta(minutes=j),
                            "expected_offence_code": code, "auditor_ref": auditor})
    # One auditor's rows, then the other's: an incident's rows are not where its number says.
    reviews.sort(key=lambda r: r["auditor_ref"])

    no_crime_reviews = []
    for i, nc in enumerate(spec.no_crimes):
        recorded = _at(nc.recorded)
        # Every other one comes from a (non-reviewed) incident, the rest have no incident.
        incident_id = b.incident(recorded - timedelta(minutes=90), group_of(nc.code), True) if i % 2 == 0 else None
        crime_id = b.crime(incident_id, recorded - timedelta(minutes=20), recorded,
                           nc.now_code or nc.code, nc.code if nc.now_code else None)
        if nc.cancelled_first:
            b.decision(crime_id, recorded + timedelta(hours=2), "CANCELLED")
        b.decision(crime_id, _at(nc.decided), "NO_CRIME", _day(nc.again) if nc.again else None)
        if nc.verdict:
            no_crime_reviews.append({"audit_id": spec.audit_id, "crime_id": crime_id,
                                     "reviewed_at": _reviewed_at(30 + i), "verdict": nc.verdict,
                                     "auditor_ref": AUDITORS[i % 2]})

    disposal_reviews = []
    for i, dp in enumerate(spec.disposals):
        recorded = _at(dp.recorded)
        incident_id = b.incident(recorded - timedelta(hours=1), group_of(dp.code), True) if i % 2 else None
        crime_id = b.crime(incident_id, recorded - timedelta(minutes=45), recorded, dp.code)
        issued = _at(dp.issued)
        for kind in dp.types:
            row = {"crime_id": crime_id, "disposal_type": kind, "issued_at": issued}
            b.put("disposals", issued.date(), row)
            if dp.again:
                b.put("disposals", _day(dp.again), dict(row))
        if dp.verdict:
            disposal_reviews.append({"audit_id": spec.audit_id, "crime_id": crime_id,
                                     "reviewed_at": _reviewed_at(40 + i), "verdict": dp.verdict,
                                     "auditor_ref": AUDITORS[(i + 1) % 2]})

    for i, code in enumerate(spec.unlinked):
        recorded = datetime.combine(EXPORT_DATES[i], datetime.min.time()) + timedelta(hours=10 + i)
        crime_id = b.crime(None, recorded - timedelta(hours=3), recorded, code)
        if i < 2:
            b.decision(crime_id, recorded + timedelta(hours=5), ("CANCELLED", "TRANSFERRED")[i])

    for i in range(3):  # calls that were never crimes, outside the audit sample
        b.incident(datetime.combine(EXPORT_DATES[i + 1], datetime.min.time()) + timedelta(hours=4, minutes=i),
                   None, False)

    audit = [{"audit_id": spec.audit_id, "force_id": spec.force, "period_start": EXPORT_DATES[0],
              "period_end": EXPORT_DATES[-1], "time_limit_hours": spec.time_limit_hours,
              "inspector": spec.inspector}]
    return Landing(spec, b.exports, {"audit": audit, "incident_reviews": reviews,
                                     "no_crime_reviews": no_crime_reviews, "disposal_reviews": disposal_reviews})


# --------------------------------------------------------------------------------------------
# Writers
# --------------------------------------------------------------------------------------------

# Timestamp styles, rotated cell by cell: all ISO 8601, some with an explicit (GMT) offset.
_TS_STYLES = ("%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%dT%H:%M:%S+00:00", "%Y-%m-%d %H:%M:%S+00:00")


def _text(value, style: int, newline: str) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime):
        return value.strftime(_TS_STYLES[style % len(_TS_STYLES)])
    if isinstance(value, date):
        return value.isoformat()
    # A Windows export has CRLF inside quoted values too.
    return str(value).replace("\n", newline)


def _columns(spec: ForceSpec, kind: str) -> tuple[str, ...]:
    return spec.order.get(kind, COLUMNS[kind])


def _write_csv(path: Path, spec: ForceSpec, kind: str, rows: list[dict]) -> None:
    columns = _columns(spec, kind)
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator=spec.newline)
    writer.writerow(columns)
    for r, row in enumerate(rows):
        writer.writerow([_text(row[c], r + k, spec.newline) for k, c in enumerate(columns)])
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes((b"\xef\xbb\xbf" if spec.bom else b"") + buffer.getvalue().encode("utf-8"))


def _write_xlsx(path: Path, spec: ForceSpec, kind: str, rows: list[dict]) -> None:
    """As an inspector's spreadsheet holds it: real dates and times, digit-only codes as numbers."""
    import xlsxwriter

    columns = _columns(spec, kind)
    path.parent.mkdir(parents=True, exist_ok=True)
    workbook = xlsxwriter.Workbook(str(path))
    try:
        sheet = workbook.add_worksheet(kind)
        day = workbook.add_format({"num_format": "yyyy-mm-dd"})
        moment = workbook.add_format({"num_format": "dd/mm/yyyy hh:mm:ss"})
        sheet.write_row(0, 0, columns)
        for r, row in enumerate(rows, start=1):
            for c, name in enumerate(columns):
                value = row[name]
                if value is None or value == "":
                    continue  # an empty cell
                if isinstance(value, datetime):
                    sheet.write_datetime(r, c, value, moment)
                elif isinstance(value, date):
                    sheet.write_datetime(r, c, datetime.combine(value, datetime.min.time()), day)
                elif isinstance(value, int) or (isinstance(value, str) and value.isdigit()):
                    sheet.write_number(r, c, int(value))
                else:
                    sheet.write_string(r, c, str(value))
    finally:
        workbook.close()


def write_exports(landing: Path) -> None:
    """landing/<force>/<YYYY-MM-DD>/<kind>.csv for every force, export date and kind."""
    for force in FORCES:
        data = build(force)
        for day, kinds in data.exports.items():
            for kind, rows in kinds.items():
                _write_csv(Path(landing) / force / day.isoformat() / f"{kind}.csv", data.spec, kind, rows)


def _audit_dir(landing: Path, force: str) -> Path:
    return Path(landing) / force / "audits" / SPECS[force].audit_id


def write_audits(landing: Path, xlsx_force: str = "north-wales") -> None:
    """landing/<force>/audits/<audit_id>/<kind>.<csv|xlsx>: XLSX for `xlsx_force`, CSV otherwise."""
    for force in FORCES:
        data = build(force)
        for kind in AUDIT_KINDS:
            ext = "xlsx" if force == xlsx_force else "csv"
            write = _write_xlsx if ext == "xlsx" else _write_csv
            write(_audit_dir(landing, force) / f"{kind}.{ext}", data.spec, kind, data.audit[kind])


# --------------------------------------------------------------------------------------------
# The oracle (DESIGN.md "Derivations", from the records above; no files, no DuckDB, no project code)
# --------------------------------------------------------------------------------------------

def wilson(successes: int, n: int, z: float = Z95) -> tuple[float | None, float | None]:
    """95% Wilson score interval of successes / n; (None, None) when n is 0."""
    if n == 0:
        return None, None
    p = successes / n
    denominator = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denominator
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denominator
    return centre - half, centre + half


def _latest(data: Landing, kind: str, key: str) -> dict[str, dict]:
    """Latest export wins: later export dates overwrite earlier rows with the same key."""
    latest: dict[str, dict] = {}
    for day in sorted(data.exports):
        for row in data.exports[day][kind]:
            latest[row[key]] = row
    return latest


def _pair(expected: list[str], recorded: list[dict], reverse: bool) -> list[dict | None]:
    """For each expected code the crime it pairs with (or None): same code, then same group,
    then any remaining crime of the incident; each crime pairs once."""
    free = sorted(recorded, key=lambda c: c["crime_id"], reverse=reverse)
    order = sorted(range(len(expected)), reverse=reverse)
    paired: list[dict | None] = [None] * len(expected)
    rules = (lambda code, crime: crime["offence_code"] == code,
             lambda code, crime: group_of(crime["offence_code"]) == group_of(code),
             lambda code, crime: True)
    for rule in rules:
        for i in order:
            if paired[i] is None:
                crime = next((c for c in free if rule(expected[i], c)), None)
                if crime is not None:
                    paired[i] = crime
                    free.remove(crime)
    return paired


def _rate(hits: int, n: int, prefix: str, rate_name: str) -> dict:
    low, high = wilson(hits, n)
    return {rate_name: hits / n if n else None, f"{prefix}_ci_low": low, f"{prefix}_ci_high": high}


def expected_figures(tie_break_reversed: bool = False) -> dict:
    """{"recording": {(audit_id, group): {...}}, "no_crime": {(audit_id, group): {...}},
    "disposal": {audit_id: {...}}}; group is 'all' on the total rows.

    tie_break_reversed pairs candidates in the opposite order: the figures must not change
    (the data leave no tie whose resolution matters)."""
    recording, no_crime, disposal = {}, {}, {}
    for force in FORCES:
        data = build(force)
        audit = data.audit["audit"][0]
        audit_id, limit = audit["audit_id"], audit["time_limit_hours"] * 3600
        incidents = _latest(data, "incidents", "incident_id")
        crimes = _latest(data, "crimes", "crime_id")
        crimes_of = defaultdict(list)
        for crime in crimes.values():
            if crime["incident_id"]:
                crimes_of[crime["incident_id"]].append(crime)

        expected_of: dict[str, list[str]] = defaultdict(list)  # reviewed incident -> expected codes
        for row in data.audit["incident_reviews"]:
            expected_of[row["incident_id"]]  # an incident with no expected crime is still reviewed
            if row["expected_offence_code"]:
                expected_of[row["incident_id"]].append(row["expected_offence_code"])

        counts = defaultdict(lambda: {"incidents": set(), "reported": 0, "recorded": 0, "correct": 0, "on_time": 0})
        for incident_id, expected in expected_of.items():
            counts["all"]["incidents"].add(incident_id)
            received = incidents[incident_id]["received_at"]
            for code, crime in zip(expected, _pair(expected, crimes_of[incident_id], tie_break_reversed)):
                for group in (group_of(code), "all"):
                    c = counts[group]
                    c["incidents"].add(incident_id)
                    c["reported"] += 1
                    if crime is not None:
                        c["recorded"] += 1
                        c["correct"] += crime["offence_code"] == code
                        c["on_time"] += (crime["recorded_at"] - received).total_seconds() <= limit
        for group, c in counts.items():
            recording[(audit_id, group)] = {
                "force_id": force, "incidents_reviewed": len(c["incidents"]),
                "crimes_reported": c["reported"], "crimes_recorded": c["recorded"],
                "crimes_unrecorded": c["reported"] - c["recorded"],
                "crimes_correctly_classified": c["correct"], "crimes_recorded_on_time": c["on_time"],
                **_rate(c["recorded"], c["reported"], "rate", "recording_rate"),
            }

        verdicts = defaultdict(lambda: [0, 0])  # group -> [reviewed, correct]
        for row in data.audit["no_crime_reviews"]:
            for group in (group_of(crimes[row["crime_id"]]["offence_code"]), "all"):
                verdicts[group][0] += 1
                verdicts[group][1] += row["verdict"] == "correct"
        for group, (reviewed, correct) in verdicts.items():
            no_crime[(audit_id, group)] = {
                "force_id": force, "decisions_reviewed": reviewed, "decisions_correct": correct,
                "decisions_incorrect": reviewed - correct,
                **_rate(correct, reviewed, "accuracy", "accuracy_rate"),
            }

        rows = data.audit["disposal_reviews"]
        appropriate = sum(r["verdict"] == "appropriate" for r in rows)
        disposal[audit_id] = {"force_id": force, "disposals_reviewed": len(rows), "appropriate": appropriate,
                              "inappropriate": len(rows) - appropriate}
    return {"recording": recording, "no_crime": no_crime, "disposal": disposal}


# --------------------------------------------------------------------------------------------
# Variants for scenarios (they change an already written landing folder)
# --------------------------------------------------------------------------------------------

def corrupt_incident_reviews(landing: Path, force: str = "surrey") -> dict:
    """Re-deliver the force's incident_reviews (same path, CSV or XLSX as written) with one
    row's incident_id (a required column) empty; every other row as before."""
    folder = _audit_dir(landing, force)
    (path,) = [p for p in folder.iterdir() if p.stem == "incident_reviews"]
    data = build(force)
    row_number = 5  # 1-based data row: the first row after the header is 1
    rows = [dict(r) for r in data.audit["incident_reviews"]]
    rows[row_number - 1]["incident_id"] = None
    (_write_xlsx if path.suffix == ".xlsx" else _write_csv)(path, data.spec, "incident_reviews", rows)
    return {"audit_id": data.spec.audit_id, "file": path.relative_to(landing).as_posix(), "row": row_number}


def _bad_day_rows(force: str, day: date, broken: bool) -> tuple[list[dict], list[dict]]:
    """Six incidents of `day`, two crimes each; when broken, 4 of the 12 crimes (33%) have
    recorded_at before reported_at."""
    spec = SPECS[force]
    incidents, crimes = [], []
    for i in range(6):
        received = datetime.combine(day, datetime.min.time()) + timedelta(hours=8 + 2 * i)
        n = 900 + i
        name, dob, address = _person(force, n)
        incident_id = spec.incident_ref.format(n=n, t=received)
        incidents.append({"incident_id": incident_id, "received_at": received, "channel": _CHANNELS[i % 5],
                          "opening_code": "OP01", "closing_code": "CR1", "caller_name": name,
                          "caller_dob": dob, "caller_address": address, "summary": _summary("theft", n)})
        for j in range(2):
            k = 2 * i + j
            reported = received + timedelta(minutes=15)
            recorded = reported + timedelta(hours=3)
            if broken and k % 3 == 0:  # crimes 0, 3, 6, 9: recorded before they were reported
                recorded = reported - timedelta(hours=2)
            crimes.append({"crime_id": spec.crime_ref.format(n=900 + k), "incident_id": incident_id,
                           "reported_at": reported, "recorded_at": recorded,
                           "offence_code": ("46", "8N", "58C")[k % 3], "victim_name": name,
                           "victim_dob": dob, "victim_address": address})
    return incidents, crimes


def write_bad_crimes_day(landing: Path, force: str = "sussex", day: date = date(2014, 3, 7)) -> str:
    """A new export day whose crimes fail recorded_at >= reported_at for 4 of 12 rows (blocking
    downstream). Its incidents are not reviewed: the oracle's figures do not change."""
    incidents, crimes = _bad_day_rows(force, day, broken=True)
    folder = Path(landing) / force / day.isoformat()
    _write_csv(folder / "incidents.csv", SPECS[force], "incidents", incidents)
    _write_csv(folder / "crimes.csv", SPECS[force], "crimes", crimes)
    return (folder / "crimes.csv").relative_to(landing).as_posix()


def fix_bad_crimes_day(landing: Path, force: str = "sussex", day: date = date(2014, 3, 7)) -> str:
    """Re-deliver that crimes file with every crime recorded after it was reported."""
    _, crimes = _bad_day_rows(force, day, broken=False)
    path = Path(landing) / force / day.isoformat() / "crimes.csv"
    _write_csv(path, SPECS[force], "crimes", crimes)
    return path.relative_to(landing).as_posix()
