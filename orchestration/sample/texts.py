"""Force operational codes and free-text snippets for the sample (no names, no addresses)."""

from __future__ import annotations

CHANNEL_WEIGHTS: dict[str, float] = {
    "999": 0.30, "101": 0.45, "online": 0.10, "in_person": 0.08, "third_party": 0.07,
}

# Background calls for service by opening code, and how often each leads to a crime.
OPENING_WEIGHTS: dict[str, float] = {
    "ASB": 18, "CONCERN": 15, "SUSPICIOUS": 12, "THEFT": 14, "ASSAULT": 10, "DOMESTIC": 10,
    "DAMAGE": 8, "BURGLARY": 5, "SEXUAL": 2, "ROBBERY": 1,
}
CRIME_PROBABILITY: dict[str, float] = {
    "ASB": 0.08, "CONCERN": 0.05, "SUSPICIOUS": 0.15, "THEFT": 0.60, "ASSAULT": 0.60,
    "DOMESTIC": 0.50, "DAMAGE": 0.55, "BURGLARY": 0.75, "SEXUAL": 0.60, "ROBBERY": 0.80,
}
OPENING_OFFENCES: dict[str, tuple[str, ...]] = {
    "ASB": ("9A", "58D", "105A"),
    "CONCERN": ("8L", "105A"),
    "SUSPICIOUS": ("10D", "92D", "45", "49"),
    "THEFT": ("39", "44", "45", "46", "48", "49"),
    "ASSAULT": ("8N", "105A", "8L"),
    "DOMESTIC": ("105A", "8N", "8L", "58A"),
    "DAMAGE": ("56B", "58A", "58C", "58D"),
    "BURGLARY": ("28A", "28B", "30A"),
    "SEXUAL": ("19C", "19D", "19F", "17A", "20A"),
    "ROBBERY": ("34A", "34B"),
}
# Opening code an operator would give a call about a crime of this group.
GROUP_OPENINGS: dict[str, tuple[tuple[str, float], ...]] = {
    "violence_against_the_person": (("ASSAULT", 0.55), ("DOMESTIC", 0.45)),
    "sexual_offences": (("SEXUAL", 0.8), ("DOMESTIC", 0.2)),
    "robbery": (("ROBBERY", 1.0),),
    "burglary": (("BURGLARY", 1.0),),
    "theft": (("THEFT", 1.0),),
    "criminal_damage_and_arson": (("DAMAGE", 0.8), ("DOMESTIC", 0.2)),
    "public_order": (("ASB", 0.7), ("ASSAULT", 0.3)),
    "other": (("SUSPICIOUS", 1.0),),
}
# Openings of reviewed incidents the auditor judged not to be crimes.
NON_CRIME_OPENINGS: dict[str, float] = {
    "CONCERN": 30, "ASB": 25, "SUSPICIOUS": 20, "DOMESTIC": 12, "THEFT": 8, "DAMAGE": 5,
}

CLOSING_NO_CRIME: dict[str, float] = {
    "ADVICE_GIVEN": 30, "NFA": 30, "ASB_RESOLVED": 15, "REFERRED_PARTNER": 15, "DUPLICATE": 10,
}
# Reviewed incidents whose crimes all went unrecorded: mostly closed as non-crimes; the few
# closed CRIME_RECORDED with no crime are what the registrars' screening list catches.
CLOSING_UNRECORDED: dict[str, float] = {
    "ADVICE_GIVEN": 42, "NFA": 36, "REFERRED_PARTNER": 10, "CRIME_RECORDED": 8, "ASB_RESOLVED": 4,
}

# A lesser or neighbouring code a crime gets recorded under by mistake (or provisionally).
MISCLASSIFIED_AS: dict[str, str] = {
    "8N": "105A", "105A": "9A", "8L": "9A",
    "19C": "20A", "19D": "20A", "19F": "17A", "17A": "105A", "20A": "105A",
    "34A": "46", "34B": "39",
    "28A": "58A", "28B": "58A", "30A": "58D",
    "39": "49", "44": "49", "45": "58C", "46": "49", "48": "58C", "49": "46",
    "56B": "58D", "58A": "58D", "58C": "45", "58D": "9A",
    "9A": "105A",
    "10D": "9A", "92D": "9A",
}

DISPOSAL_OPTIONS: dict[str, tuple[tuple[str, float], ...]] = {
    "92D": (("CANNABIS_WARNING", 0.7), ("PENALTY_NOTICE", 0.2), ("CAUTION", 0.1)),
    "46": (("PENALTY_NOTICE", 0.4), ("CAUTION", 0.3), ("COMMUNITY_RESOLUTION", 0.3)),
    "9A": (("PENALTY_NOTICE", 0.6), ("CAUTION", 0.4)),
    "8N": (("CAUTION", 0.6), ("CONDITIONAL_CAUTION", 0.4)),
    "105A": (("CAUTION", 0.4), ("CONDITIONAL_CAUTION", 0.3), ("COMMUNITY_RESOLUTION", 0.3)),
    "8L": (("CAUTION", 0.5), ("CONDITIONAL_CAUTION", 0.5)),
    "10D": (("CAUTION", 0.7), ("CONDITIONAL_CAUTION", 0.3)),
    "39": (("CAUTION", 0.5), ("COMMUNITY_RESOLUTION", 0.5)),
    "44": (("COMMUNITY_RESOLUTION", 0.6), ("CAUTION", 0.4)),
    "45": (("CAUTION", 0.5), ("CONDITIONAL_CAUTION", 0.5)),
    "49": (("COMMUNITY_RESOLUTION", 0.5), ("CAUTION", 0.5)),
    "56B": (("CONDITIONAL_CAUTION", 0.6), ("CAUTION", 0.4)),
    "58A": (("COMMUNITY_RESOLUTION", 0.5), ("CAUTION", 0.5)),
    "58C": (("COMMUNITY_RESOLUTION", 0.6), ("CAUTION", 0.4)),
    "58D": (("COMMUNITY_RESOLUTION", 0.7), ("CAUTION", 0.3)),
}

NO_CRIME_REASONS: dict[str, float] = {
    "ADDITIONAL_VERIFIABLE_INFO": 55, "DUPLICATE_RECORD": 20, "PART_OF_ANOTHER_CRIME": 15,
    "OUTSIDE_JURISDICTION": 10,
}
CANCEL_REASONS: dict[str, float] = {"RECORDED_IN_ERROR": 70, "TEST_RECORD": 30}
TRANSFER_REASONS: dict[str, float] = {"OTHER_FORCE_AREA": 80, "BTP_JURISDICTION": 20}
# Who authorises: a rank and collar number, never a name.
AUTHORISING_RANKS: dict[str, float] = {"DI": 45, "DCI": 20, "FCR": 25, "DS": 10}

SUMMARIES: dict[str, tuple[str, ...]] = {
    "ASSAULT": (
        "Male assaulted outside licensed premises, facial injury.",
        "Caller punched during argument in street, declined ambulance.",
        "Fight reported in car park, one party with cut to head.",
        "Assault at bus stop, suspect left on foot.",
        "Door staff report customer headbutted, minor injury.",
        "Caller kicked by neighbour during dispute over parking.",
    ),
    "DOMESTIC": (
        "Verbal argument with partner, caller frightened.",
        "Ex-partner attended address and pushed caller.",
        "Third party reports shouting and banging from neighbouring flat.",
        "Partner threw phone at caller, minor injury to arm.",
        "Ongoing abusive messages from former partner.",
        "Caller's adult son damaged door during argument.",
    ),
    "SEXUAL": (
        "Caller reports being sexually assaulted after night out.",
        "Historic sexual abuse disclosed to school staff.",
        "Female reports unwanted touching on train.",
        "Report of rape by known male, victim now at friend's house.",
        "Teenager disclosed assault by older male to parent.",
    ),
    "BURGLARY": (
        "Rear door forced overnight, jewellery and laptop taken.",
        "Shed broken into, tools missing.",
        "Attempted break in, scratch marks on lock.",
        "Business premises entered through roof, cash taken.",
        "Caller disturbed intruder in kitchen, suspect ran off.",
    ),
    "THEFT": (
        "Bicycle stolen from outside station.",
        "Shoplifter detained by store security.",
        "Purse taken from handbag in town centre.",
        "Items stolen from unlocked vehicle overnight.",
        "Car taken from driveway, keys missing.",
        "Parcel taken from doorstep after delivery.",
    ),
    "ROBBERY": (
        "Phone snatched by two youths with threats.",
        "Shop staff threatened with knife, till cash taken.",
        "Caller pushed to ground and bag taken.",
    ),
    "DAMAGE": (
        "Car windows smashed overnight.",
        "Graffiti sprayed on front wall.",
        "Wheelie bin set alight in alleyway.",
        "Front window broken by thrown stone.",
        "Tyres slashed on vehicle parked in street.",
    ),
    "ASB": (
        "Group of youths causing nuisance in park.",
        "Noise complaint, loud music late at night.",
        "Drunk male shouting abuse at passers-by.",
        "Motorbikes riding on footpath.",
        "Youths throwing eggs at houses.",
    ),
    "CONCERN": (
        "Concern for welfare of elderly neighbour, not seen for days.",
        "Missing teenager, returned home later.",
        "Caller worried about friend after messages.",
        "Vulnerable adult wandering in road.",
        "Child heard crying for long period next door.",
    ),
    "SUSPICIOUS": (
        "Suspicious males trying car door handles.",
        "Person seen with knife in waistband.",
        "Smell of cannabis from flat, people coming and going.",
        "Unknown van parked outside school for hours.",
        "Male acting suspiciously near cash machine.",
    ),
}
ONLINE_OFFENCES: tuple[str, ...] = ("49", "44", "45", "58C", "8L", "39")

# Relative call volume by local hour of day.
HOUR_WEIGHTS: tuple[float, ...] = (
    3.0, 2.5, 2.0, 1.5, 1.0, 1.0, 1.5, 2.5, 3.5, 4.0, 4.5, 4.5,
    5.0, 5.0, 5.0, 5.5, 6.0, 6.5, 6.5, 6.5, 6.0, 5.5, 5.0, 4.0,
)
