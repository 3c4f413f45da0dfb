"""Calibration table and code lists for the synthetic sample.

Every figure here is fixed (not drawn at random) so that the warehouse reproduces the
reference figures of DESIGN.md whatever seed the generator is given:

* Hertfordshire exactly as the 2014 HMIC interim report: 224 incident records reviewed,
  181 crimes reported, 130 recorded, 4 misclassified, 4 recorded outside the 72-hour limit,
  75 no-crime decisions reviewed (71 correct, 4 incorrect);
* over the 13 forces, recorded / reported = 2136 / 2670 = 0.800 (one in five unrecorded);
* 14 unrecorded rapes across the 13 forces.
"""

from __future__ import annotations

from dataclasses import dataclass

# Home Office offence codes by inspectorate offence group: the single source for the sample.
# (dbt_project/seeds/offence_codes.csv carries the same mapping for the warehouse.)
OFFENCE_GROUPS: dict[str, tuple[str, ...]] = {
    "violence_against_the_person": ("8N", "105A", "8L"),
    "sexual_offences": ("19C", "19D", "19F", "17A", "20A"),
    "robbery": ("34A", "34B"),
    "burglary": ("28A", "28B", "30A"),
    "theft": ("39", "44", "45", "46", "48", "49"),
    "criminal_damage_and_arson": ("56B", "58A", "58C", "58D"),
    "public_order": ("9A",),
    "other": ("10D", "92D"),
}
OFFENCE_GROUP_OF: dict[str, str] = {
    code: group for group, codes in OFFENCE_GROUPS.items() for code in codes
}
RAPE_CODES: tuple[str, ...] = ("19C", "19D", "19F")

# Share of expected (should-have-been-recorded) crimes by group, and how strongly each group
# is under-recorded: relative weights spreading a force's unrecorded crimes over groups,
# tuned towards the 2014 national figures (violence 33%, sexual offences 26% under-recorded).
# With one in five unrecorded overall and violence at 45% of the mix, the sample comes out at
# violence ~31%, sexual offences ~25% and the other groups ~6-10% under-recorded.
GROUP_MIX: dict[str, float] = {
    "violence_against_the_person": 0.45,
    "sexual_offences": 0.08,
    "theft": 0.15,
    "criminal_damage_and_arson": 0.10,
    "burglary": 0.08,
    "robbery": 0.03,
    "public_order": 0.06,
    "other": 0.05,
}
GROUP_UNDER_RECORDING: dict[str, float] = {
    "violence_against_the_person": 0.40,
    "sexual_offences": 0.32,
    "theft": 0.10,
    "criminal_damage_and_arson": 0.12,
    "burglary": 0.08,
    "robbery": 0.09,
    "public_order": 0.12,
    "other": 0.10,
}
# Relative frequency of each code inside its group.
CODE_WEIGHTS: dict[str, float] = {
    "8N": 0.35, "105A": 0.45, "8L": 0.20,
    "19C": 0.25, "19D": 0.07, "19F": 0.05, "17A": 0.18, "20A": 0.45,
    "34A": 0.20, "34B": 0.80,
    "28A": 0.55, "28B": 0.15, "30A": 0.30,
    "39": 0.12, "44": 0.14, "45": 0.18, "46": 0.30, "48": 0.08, "49": 0.18,
    "56B": 0.10, "58A": 0.35, "58C": 0.35, "58D": 0.20,
    "9A": 1.0,
    "10D": 0.45, "92D": 0.55,
}


@dataclass(frozen=True)
class ForceProfile:
    """One force's fixed calibration row and its local colour."""

    force_id: str  # police.uk id
    prefix: str  # two letters used in incident and crime ids
    daily_incidents: int  # background calls for service per export day
    incidents_reviewed: int
    crimes_reported: int  # expected crimes (incident_review rows with a code)
    crimes_recorded: int  # expected crimes paired with a recorded crime
    misclassified: int  # recorded under another offence code
    recorded_late: int  # recorded more than 72 h after the incident (disjoint from the above)
    nocrime_reviewed: int
    nocrime_correct: int
    disposals_reviewed: int
    disposals_inappropriate: int
    unrecorded_rapes: int
    audit_team: int  # "HMIC CDI team <n>"
    towns: tuple[tuple[str, tuple[str, ...]], ...]  # (town, postcode districts)

    @property
    def crimes_unrecorded(self) -> int:
        return self.crimes_reported - self.crimes_recorded

    @property
    def crimes_correctly_classified(self) -> int:
        return self.crimes_recorded - self.misclassified

    @property
    def crimes_recorded_on_time(self) -> int:
        return self.crimes_recorded - self.recorded_late


def _p(force_id, prefix, daily, inc, rep, rec, mis, late, ncr, ncc, dr, di, rapes, team, towns):
    return ForceProfile(force_id, prefix, daily, inc, rep, rec, mis, late, ncr, ncc, dr, di,
                        rapes, team, towns)


# fmt: off
FORCE_PROFILES: dict[str, ForceProfile] = {p.force_id: p for p in (
    #  force                 pfx daily inc  rep  rec mis late  nc  ok disp bad rapes team
    _p("hertfordshire",      "HT", 120, 224, 181, 130, 4, 4,   75, 71, 30, 4, 2, 3, (
        ("Stevenage", ("SG1", "SG2")), ("Hitchin", ("SG4", "SG5")), ("Watford", ("WD17", "WD24")),
        ("St Albans", ("AL1", "AL3")), ("Hemel Hempstead", ("HP1", "HP2")), ("Hatfield", ("AL10",)),
        ("Welwyn Garden City", ("AL7", "AL8")), ("Hertford", ("SG14",)), ("Letchworth", ("SG6",)),
        ("Borehamwood", ("WD6",)), ("Cheshunt", ("EN8",)), ("Bishop's Stortford", ("CM23",)))),
    _p("kent",               "KT", 150, 262, 214, 182, 5, 3,   68, 55, 32, 5, 1, 1, (
        ("Maidstone", ("ME14", "ME15", "ME16")), ("Canterbury", ("CT1", "CT2")),
        ("Ashford", ("TN23", "TN24")), ("Dover", ("CT16", "CT17")), ("Folkestone", ("CT19", "CT20")),
        ("Margate", ("CT9",)), ("Gravesend", ("DA11", "DA12")), ("Dartford", ("DA1",)),
        ("Tunbridge Wells", ("TN1", "TN2")), ("Sevenoaks", ("TN13",)), ("Chatham", ("ME4", "ME5")))),
    _p("metropolitan",       "MP", 300, 318, 258, 203, 9, 7,   90, 66, 40, 9, 2, 1, (
        ("Croydon", ("CR0",)), ("Lewisham", ("SE13",)), ("Hackney", ("E8", "E9")),
        ("Brixton", ("SW2", "SW9")), ("Tottenham", ("N15", "N17")), ("Ealing", ("W5", "W13")),
        ("Romford", ("RM1", "RM7")), ("Ilford", ("IG1", "IG3")), ("Wembley", ("HA0", "HA9")),
        ("Stratford", ("E15",)), ("Peckham", ("SE15",)), ("Walthamstow", ("E17",)))),
    _p("greater-manchester", "GM", 220, 300, 246, 197, 7, 5,   84, 67, 36, 6, 2, 2, (
        ("Manchester", ("M4", "M8", "M13", "M14", "M40")), ("Salford", ("M5", "M6")),
        ("Bolton", ("BL1", "BL3")), ("Bury", ("BL9",)), ("Oldham", ("OL1", "OL8")),
        ("Rochdale", ("OL11", "OL16")), ("Stockport", ("SK1", "SK4")), ("Wigan", ("WN1", "WN5")),
        ("Sale", ("M33",)), ("Ashton-under-Lyne", ("OL6", "OL7")))),
    _p("west-yorkshire",     "WY", 180, 284, 232, 182, 6, 6,   80, 61, 34, 7, 1, 2, (
        ("Leeds", ("LS6", "LS8", "LS9", "LS11")), ("Bradford", ("BD3", "BD5", "BD8")),
        ("Wakefield", ("WF1", "WF2")), ("Huddersfield", ("HD1", "HD2")), ("Halifax", ("HX1", "HX3")),
        ("Dewsbury", ("WF12", "WF13")), ("Keighley", ("BD21",)), ("Castleford", ("WF10",)))),
    _p("avon-and-somerset",  "AS", 130, 240, 196, 159, 5, 4,   62, 50, 28, 4, 1, 4, (
        ("Bristol", ("BS2", "BS3", "BS5", "BS7", "BS16")), ("Bath", ("BA1", "BA2")),
        ("Weston-super-Mare", ("BS22", "BS23")), ("Taunton", ("TA1", "TA2")),
        ("Yeovil", ("BA20", "BA21")), ("Bridgwater", ("TA6",)), ("Frome", ("BA11",)))),
    _p("thames-valley",      "TV", 140, 250, 205, 167, 4, 3,   66, 54, 30, 3, 1, 4, (
        ("Reading", ("RG1", "RG2", "RG30")), ("Oxford", ("OX1", "OX3", "OX4")),
        ("Milton Keynes", ("MK3", "MK6", "MK9")), ("Slough", ("SL1", "SL2")),
        ("High Wycombe", ("HP11", "HP13")), ("Aylesbury", ("HP19", "HP21")), ("Banbury", ("OX16",)),
        ("Maidenhead", ("SL6",)), ("Bracknell", ("RG12",)))),
    _p("lancashire",         "LC", 100, 218, 178, 147, 3, 2,   55, 46, 25, 3, 0, 2, (
        ("Preston", ("PR1", "PR2")), ("Blackpool", ("FY1", "FY3", "FY4")),
        ("Blackburn", ("BB1", "BB2")), ("Burnley", ("BB10", "BB11")), ("Lancaster", ("LA1",)),
        ("Morecambe", ("LA3", "LA4")), ("Chorley", ("PR7",)), ("Accrington", ("BB5",)))),
    _p("devon-and-cornwall", "DC",  90, 212, 172, 137, 4, 4,   52, 41, 24, 4, 1, 3, (
        ("Plymouth", ("PL1", "PL4", "PL5")), ("Exeter", ("EX1", "EX2", "EX4")),
        ("Torquay", ("TQ1", "TQ2")), ("Paignton", ("TQ3", "TQ4")), ("Barnstaple", ("EX31", "EX32")),
        ("Truro", ("TR1",)), ("Newquay", ("TR7",)), ("Falmouth", ("TR11",)), ("Penzance", ("TR18",)))),
    _p("west-midlands",      "WM", 200, 296, 240, 187, 8, 6,   86, 65, 38, 8, 2, 1, (
        ("Birmingham", ("B6", "B10", "B11", "B21", "B23")), ("Coventry", ("CV1", "CV2", "CV6")),
        ("Wolverhampton", ("WV1", "WV10", "WV11")), ("Walsall", ("WS1", "WS2")),
        ("Dudley", ("DY1", "DY2")), ("West Bromwich", ("B70", "B71")), ("Solihull", ("B91", "B92")),
        ("Sutton Coldfield", ("B72", "B73")))),
    _p("essex",              "EX", 130, 244, 199, 158, 6, 5,   64, 50, 30, 5, 1, 3, (
        ("Chelmsford", ("CM1", "CM2")), ("Colchester", ("CO1", "CO2", "CO4")),
        ("Southend-on-Sea", ("SS1", "SS2")), ("Basildon", ("SS14", "SS15", "SS16")),
        ("Harlow", ("CM18", "CM20")), ("Brentwood", ("CM14", "CM15")),
        ("Clacton-on-Sea", ("CO15", "CO16")), ("Braintree", ("CM7",)), ("Grays", ("RM17", "RM20")))),
    _p("sussex",             "SX", 100, 228, 186, 150, 5, 4,   58, 46, 26, 4, 0, 4, (
        ("Brighton", ("BN1", "BN2")), ("Hove", ("BN3",)), ("Crawley", ("RH10", "RH11")),
        ("Worthing", ("BN11", "BN14")), ("Eastbourne", ("BN21", "BN22")),
        ("Hastings", ("TN34", "TN35")), ("Chichester", ("PO19",)), ("Horsham", ("RH12", "RH13")),
        ("Bognor Regis", ("PO21", "PO22")))),
    _p("northumbria",        "NB",  80, 200, 163, 137, 3, 2,   50, 42, 22, 2, 0, 2, (
        ("Newcastle upon Tyne", ("NE1", "NE4", "NE6", "NE15")), ("Sunderland", ("SR1", "SR4", "SR5")),
        ("Gateshead", ("NE8", "NE9", "NE10")), ("South Shields", ("NE33", "NE34")),
        ("North Shields", ("NE29", "NE30")), ("Blyth", ("NE24",)), ("Ashington", ("NE63",)),
        ("Washington", ("NE37", "NE38")))),
)}
# fmt: on

SAMPLE_FORCES: tuple[str, ...] = tuple(FORCE_PROFILES)
