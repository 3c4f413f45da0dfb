"""Invented people, businesses and addresses for the sample exports.

Every value looks real (first and last names, a street, a town of the force's area and a
postcode-shaped string) but is a random combination: none of them belongs to anyone.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, timedelta

from .national_profiles import AreaProfile
from .profiles import ForceProfile

FIRST_NAMES = (
    "Aaliyah", "Adam", "Aisha", "Alan", "Alice", "Amelia", "Amir", "Andrew", "Anna", "Ben",
    "Bethany", "Callum", "Carl", "Charlotte", "Chloe", "Chris", "Claire", "Connor", "Craig",
    "Daniel", "Danielle", "David", "Dean", "Demi", "Eleanor", "Ellie", "Emily", "Emma", "Ethan",
    "Fatima", "Gary", "Gemma", "George", "Grace", "Hannah", "Harry", "Hayley", "Imran", "Isla",
    "Jack", "Jade", "James", "Jamie", "Jason", "Jessica", "Joanne", "Jordan", "Joshua", "Karen",
    "Kayleigh", "Kelly", "Kieran", "Laura", "Lauren", "Leanne", "Lee", "Liam", "Lisa", "Lucy",
    "Luke", "Mark", "Martin", "Megan", "Michael", "Mohammed", "Molly", "Natalie", "Nathan",
    "Neil", "Nicola", "Olivia", "Oliver", "Paul", "Priya", "Rachel", "Rebecca", "Rhys", "Ryan",
    "Samantha", "Sarah", "Scott", "Shannon", "Sophie", "Stacey", "Stephen", "Stuart", "Tariq",
    "Thomas", "Tom", "Tracey", "Tyler", "Victoria", "Wayne", "Yasmin", "Zoe",
)
LAST_NAMES = (
    "Ahmed", "Ali", "Allen", "Atkinson", "Bailey", "Baker", "Barker", "Bell", "Bennett", "Brooks",
    "Brown", "Butler", "Campbell", "Carter", "Chapman", "Clarke", "Cole", "Collins", "Cook",
    "Cooper", "Cox", "Davies", "Dixon", "Edwards", "Ellis", "Evans", "Fisher", "Fletcher",
    "Foster", "Gibson", "Graham", "Gray", "Green", "Griffiths", "Hall", "Harris", "Harrison",
    "Hill", "Holmes", "Hughes", "Hunt", "Hussain", "Jackson", "James", "Johnson", "Jones", "Kaur",
    "Kelly", "Khan", "King", "Knight", "Lee", "Lewis", "Lloyd", "Marshall", "Martin", "Mason",
    "Matthews", "Mills", "Mitchell", "Moore", "Morgan", "Morris", "Murphy", "Murray", "Owen",
    "Palmer", "Parker", "Patel", "Pearson", "Phillips", "Price", "Reid", "Richards", "Roberts",
    "Robinson", "Rogers", "Russell", "Scott", "Shaw", "Simpson", "Singh", "Smith", "Stevens",
    "Stewart", "Taylor", "Thomas", "Thompson", "Turner", "Walker", "Ward", "Watson", "Webb",
    "White", "Wilkinson", "Williams", "Wilson", "Wood", "Wright", "Young",
)
STREETS = (
    "Station Road", "High Street", "Church Lane", "Victoria Road", "Park Avenue", "Mill Lane",
    "Queens Road", "The Crescent", "Manor Way", "Kingsway", "Albert Street", "York Road",
    "Grange Close", "Orchard Way", "Beech Grove", "Chestnut Avenue", "Meadow View",
    "Windsor Drive", "Springfield Road", "Highfield Road", "North Street", "London Road",
    "Green Lane", "School Lane", "Alexandra Road", "Cromwell Road", "Poplar Close",
    "Willow Walk", "Hawthorn Drive", "Elm Road", "Nelson Street", "Clarence Road",
    "Stanley Road", "Bridge Street", "Market Street", "Moor Lane", "Hollybush Lane",
    "Cedar Court", "Larch Rise", "Oakfield Road", "Rectory Lane", "Shakespeare Road",
    "Tennyson Avenue", "Wellington Street", "Westfield Road", "Brook Street",
)
SHOP_KINDS = (
    "Convenience Store", "Pharmacy", "Mini Market", "Off Licence", "Garden Centre",
    "Hardware", "Fashion", "Phone Repairs", "Superstore", "Newsagents",
)
SHOP_WORDS = (
    "Parkside", "Hillside", "Riverside", "Corner", "Village", "Central", "Northgate", "Westway",
    "Meadow", "Oakwood", "Crown", "Market", "Station", "Greenway", "Beacon",
)
# Letters that appear in the inward part of real postcodes.
_INWARD = "ABDEFGHJLNPQRSTUWXYZ"


@dataclass(frozen=True)
class Person:
    """A caller or victim; dob is empty for businesses and unknown callers."""

    name: str
    dob: str
    address: str


class PeopleFactory:
    """Draws invented people living in one force's area, with some repeat contacts."""

    def __init__(self, rng: random.Random, profile: ForceProfile | AreaProfile,
                 max_known: int | None = None):
        self._rng = rng
        self._towns = profile.towns
        self._known: list[Person] = []
        # A year of national traffic would remember millions of people: past ``max_known``
        # the oldest repeat contact is forgotten (None: remember everyone).
        self._max_known = max_known
        self._added = 0

    def address(self) -> str:
        rng = self._rng
        town, districts = rng.choice(self._towns)
        postcode = f"{rng.choice(districts)} {rng.randint(1, 9)}{rng.choice(_INWARD)}{rng.choice(_INWARD)}"
        number = rng.randint(1, 180)
        street = rng.choice(STREETS)
        if rng.random() < 0.15:
            return f"Flat {rng.randint(1, 24)}, {number} {street}, {town}, {postcode}"
        return f"{number} {street}, {town}, {postcode}"

    def person(self, min_age: int = 16, max_age: int = 88) -> Person:
        """A new person, or (about 6% of the time) someone already in contact with the force."""
        rng = self._rng
        if self._known and rng.random() < 0.06:
            return rng.choice(self._known)
        name = f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}"
        age_days = rng.randint(min_age * 365 + 1, max_age * 365)
        dob = (date(2014, 1, 1) - timedelta(days=age_days)).isoformat()
        person = Person(name, dob, self.address())
        if self._max_known is None or len(self._known) < self._max_known:
            self._known.append(person)
        else:
            self._known[self._added % self._max_known] = person
        self._added += 1
        return person

    def business(self) -> Person:
        rng = self._rng
        return Person(f"{rng.choice(SHOP_WORDS)} {rng.choice(SHOP_KINDS)}", "", self.address())
