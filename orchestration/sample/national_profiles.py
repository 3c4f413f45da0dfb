"""The 43 territorial forces of England and Wales for the national-scale sample.

``cdi generate --scale S`` writes every territorial force of ``dbt_project/seeds/forces.csv``.
Its daily volume is ``S`` times the national volume below, split by each force's share of
recorded crime. The 13 audited forces keep their calibrated ``profiles.FORCE_PROFILES`` row
(prefix, towns and audit); the 30 others only need an id prefix and a few real towns of their
area, with plausible postcode districts, for the invented addresses.
"""

from __future__ import annotations

from dataclasses import dataclass

from .profiles import FORCE_PROFILES, ForceProfile

# One year of national traffic at scale 1.0 (England and Wales, 2014, rounded): calls for
# service (incidents) and crimes recorded, corrections not counted.
NATIONAL_INCIDENTS_PER_YEAR = 20_000_000
NATIONAL_CRIMES_PER_YEAR = 6_000_000

# APPROXIMATE police recorded crime by force, thousands, rounded from the 2013/14 figures
# (excluding fraud). Only the proportions matter: they set each force's share of the
# national volume (Metropolitan ~19%, Greater Manchester ~6%, West Midlands and West
# Yorkshire ~5%, small rural forces ~0.5-1%, the City of London ~0.15%).
RECORDED_CRIME_2014_THOUSANDS: dict[str, int] = {
    "metropolitan": 660, "greater-manchester": 200, "west-midlands": 170,
    "west-yorkshire": 165, "thames-valley": 130, "hampshire": 115, "south-yorkshire": 100,
    "avon-and-somerset": 98, "kent": 95, "merseyside": 95, "essex": 92, "lancashire": 85,
    "south-wales": 85, "sussex": 85, "devon-and-cornwall": 75, "nottinghamshire": 75,
    "humberside": 70, "northumbria": 70, "west-mercia": 66, "leicestershire": 60,
    "staffordshire": 57, "cheshire": 55, "derbyshire": 54, "hertfordshire": 52,
    "cambridgeshire": 46, "northamptonshire": 45, "surrey": 45, "norfolk": 42, "cleveland": 40,
    "lincolnshire": 37, "north-wales": 36, "bedfordshire": 35, "dorset": 35, "gwent": 35,
    "suffolk": 35, "durham": 31, "gloucestershire": 31, "wiltshire": 31, "north-yorkshire": 30,
    "warwickshire": 27, "cumbria": 20, "dyfed-powys": 17, "city-of-london": 5,
}
_TOTAL = sum(RECORDED_CRIME_2014_THOUSANDS.values())
FORCE_SHARES: dict[str, float] = {
    force: volume / _TOTAL for force, volume in RECORDED_CRIME_2014_THOUSANDS.items()
}


@dataclass(frozen=True)
class AreaProfile:
    """A force without an audit in the sample: what its invented exports need."""

    force_id: str  # police.uk id
    prefix: str  # two letters used in incident and crime ids
    towns: tuple[tuple[str, tuple[str, ...]], ...]  # (town, postcode districts)


def _a(force_id: str, prefix: str, *towns: tuple[str, tuple[str, ...]]) -> AreaProfile:
    return AreaProfile(force_id, prefix, towns)


# fmt: off
UNAUDITED_AREAS: dict[str, AreaProfile] = {a.force_id: a for a in (
    _a("bedfordshire", "BF", ("Luton", ("LU1", "LU2", "LU3")), ("Bedford", ("MK40", "MK41", "MK42")),
       ("Dunstable", ("LU5", "LU6")), ("Leighton Buzzard", ("LU7",)), ("Biggleswade", ("SG18",))),
    _a("cambridgeshire", "CB", ("Cambridge", ("CB1", "CB4")), ("Peterborough", ("PE1", "PE2", "PE4")),
       ("Huntingdon", ("PE29",)), ("Wisbech", ("PE13",)), ("St Neots", ("PE19",)), ("Ely", ("CB7",))),
    _a("cheshire", "CH", ("Chester", ("CH1", "CH2", "CH3")), ("Warrington", ("WA1", "WA2", "WA5")),
       ("Crewe", ("CW1", "CW2")), ("Macclesfield", ("SK10", "SK11")), ("Ellesmere Port", ("CH65",)),
       ("Widnes", ("WA8",)), ("Northwich", ("CW9",))),
    _a("city-of-london", "CL", ("Barbican", ("EC2Y", "EC1A")), ("Moorgate", ("EC2M", "EC2R")),
       ("Aldgate", ("EC3A", "EC3N")), ("Bank", ("EC3V", "EC2V")), ("Fleet Street", ("EC4A", "EC4Y"))),
    _a("cleveland", "CE", ("Middlesbrough", ("TS1", "TS3", "TS5")), ("Hartlepool", ("TS24", "TS25", "TS26")),
       ("Stockton-on-Tees", ("TS18", "TS19")), ("Redcar", ("TS10",)), ("Guisborough", ("TS14",))),
    _a("cumbria", "CU", ("Carlisle", ("CA1", "CA2", "CA3")), ("Barrow-in-Furness", ("LA13", "LA14")),
       ("Workington", ("CA14",)), ("Whitehaven", ("CA28",)), ("Kendal", ("LA9",)), ("Penrith", ("CA11",))),
    _a("derbyshire", "DB", ("Derby", ("DE1", "DE21", "DE22", "DE23", "DE24")),
       ("Chesterfield", ("S40", "S41")), ("Ilkeston", ("DE7",)), ("Buxton", ("SK17",)),
       ("Glossop", ("SK13",)), ("Swadlincote", ("DE11",))),
    _a("dorset", "DO", ("Bournemouth", ("BH1", "BH7", "BH8")), ("Poole", ("BH12", "BH14", "BH15")),
       ("Weymouth", ("DT3", "DT4")), ("Dorchester", ("DT1",)), ("Christchurch", ("BH23",)),
       ("Bridport", ("DT6",))),
    _a("durham", "DU", ("Durham", ("DH1",)), ("Darlington", ("DL1", "DL3")),
       ("Chester-le-Street", ("DH2", "DH3")), ("Consett", ("DH8",)), ("Bishop Auckland", ("DL14",)),
       ("Peterlee", ("SR8",)), ("Newton Aycliffe", ("DL5",))),
    _a("dyfed-powys", "DP", ("Carmarthen", ("SA31",)), ("Llanelli", ("SA14", "SA15")),
       ("Aberystwyth", ("SY23",)), ("Haverfordwest", ("SA61", "SA62")), ("Newtown", ("SY16",)),
       ("Brecon", ("LD3",)), ("Llandrindod Wells", ("LD1",))),
    _a("gloucestershire", "GL", ("Gloucester", ("GL1", "GL2", "GL4")),
       ("Cheltenham", ("GL50", "GL51", "GL52")), ("Stroud", ("GL5",)), ("Tewkesbury", ("GL20",)),
       ("Cirencester", ("GL7",))),
    _a("gwent", "GW", ("Newport", ("NP19", "NP20")), ("Cwmbran", ("NP44",)), ("Pontypool", ("NP4",)),
       ("Abergavenny", ("NP7",)), ("Ebbw Vale", ("NP23",)), ("Caerphilly", ("CF83",)),
       ("Blackwood", ("NP12",))),
    _a("hampshire", "HM", ("Southampton", ("SO14", "SO15", "SO16", "SO17")),
       ("Portsmouth", ("PO1", "PO2", "PO4")), ("Basingstoke", ("RG21", "RG22", "RG24")),
       ("Winchester", ("SO22", "SO23")), ("Aldershot", ("GU11", "GU12")), ("Gosport", ("PO12",)),
       ("Newport", ("PO30",)), ("Andover", ("SP10",)), ("Fareham", ("PO14", "PO16"))),
    _a("humberside", "HB", ("Hull", ("HU1", "HU3", "HU5", "HU8", "HU9")),
       ("Grimsby", ("DN31", "DN32", "DN34")), ("Scunthorpe", ("DN15", "DN16", "DN17")),
       ("Bridlington", ("YO15", "YO16")), ("Goole", ("DN14",)), ("Beverley", ("HU17",))),
    _a("leicestershire", "LR", ("Leicester", ("LE1", "LE2", "LE3", "LE4", "LE5")),
       ("Loughborough", ("LE11",)), ("Hinckley", ("LE10",)), ("Melton Mowbray", ("LE13",)),
       ("Coalville", ("LE67",)), ("Oakham", ("LE15",)), ("Market Harborough", ("LE16",))),
    _a("lincolnshire", "LN", ("Lincoln", ("LN1", "LN2", "LN5", "LN6")), ("Boston", ("PE21",)),
       ("Grantham", ("NG31",)), ("Skegness", ("PE25",)), ("Spalding", ("PE11",)),
       ("Gainsborough", ("DN21",)), ("Louth", ("LN11",))),
    _a("merseyside", "MS", ("Liverpool", ("L1", "L4", "L6", "L8", "L11")),
       ("Birkenhead", ("CH41", "CH42")), ("St Helens", ("WA9", "WA10")), ("Southport", ("PR8", "PR9")),
       ("Bootle", ("L20",)), ("Wallasey", ("CH44", "CH45")), ("Kirkby", ("L32", "L33")),
       ("Huyton", ("L36",))),
    _a("norfolk", "NF", ("Norwich", ("NR1", "NR2", "NR3", "NR5")), ("Great Yarmouth", ("NR30", "NR31")),
       ("King's Lynn", ("PE30",)), ("Thetford", ("IP24",)), ("Dereham", ("NR19",)), ("Cromer", ("NR27",))),
    _a("north-wales", "NW", ("Wrexham", ("LL11", "LL13")), ("Rhyl", ("LL18",)), ("Bangor", ("LL57",)),
       ("Colwyn Bay", ("LL29",)), ("Llandudno", ("LL30",)), ("Caernarfon", ("LL55",)),
       ("Mold", ("CH7",)), ("Holyhead", ("LL65",))),
    _a("north-yorkshire", "NY", ("York", ("YO1", "YO10", "YO24", "YO31")),
       ("Scarborough", ("YO11", "YO12")), ("Harrogate", ("HG1", "HG2")), ("Selby", ("YO8",)),
       ("Northallerton", ("DL6", "DL7")), ("Whitby", ("YO21",)), ("Skipton", ("BD23",))),
    _a("northamptonshire", "NH", ("Northampton", ("NN1", "NN2", "NN3", "NN5")),
       ("Kettering", ("NN15", "NN16")), ("Corby", ("NN17", "NN18")), ("Wellingborough", ("NN8",)),
       ("Daventry", ("NN11",)), ("Rushden", ("NN10",))),
    _a("nottinghamshire", "NT", ("Nottingham", ("NG1", "NG3", "NG5", "NG7", "NG8")),
       ("Mansfield", ("NG18", "NG19")), ("Worksop", ("S80", "S81")), ("Newark", ("NG24",)),
       ("Beeston", ("NG9",)), ("Hucknall", ("NG15",))),
    _a("south-wales", "SW", ("Cardiff", ("CF5", "CF10", "CF11", "CF24")),
       ("Swansea", ("SA1", "SA2", "SA6")), ("Merthyr Tydfil", ("CF47", "CF48")),
       ("Bridgend", ("CF31",)), ("Barry", ("CF62", "CF63")), ("Pontypridd", ("CF37",)),
       ("Neath", ("SA11",)), ("Port Talbot", ("SA12", "SA13"))),
    _a("south-yorkshire", "SY", ("Sheffield", ("S1", "S2", "S3", "S5", "S8", "S9")),
       ("Doncaster", ("DN1", "DN2", "DN4")), ("Rotherham", ("S60", "S65")),
       ("Barnsley", ("S70", "S71", "S75"))),
    _a("staffordshire", "ST", ("Stoke-on-Trent", ("ST1", "ST3", "ST4", "ST6")),
       ("Stafford", ("ST16", "ST17")), ("Newcastle-under-Lyme", ("ST5",)),
       ("Tamworth", ("B77", "B78", "B79")), ("Burton upon Trent", ("DE13", "DE14", "DE15")),
       ("Cannock", ("WS11", "WS12")), ("Lichfield", ("WS13", "WS14"))),
    _a("suffolk", "SF", ("Ipswich", ("IP1", "IP2", "IP3", "IP4")), ("Bury St Edmunds", ("IP32", "IP33")),
       ("Lowestoft", ("NR32", "NR33")), ("Felixstowe", ("IP11",)), ("Haverhill", ("CB9",)),
       ("Newmarket", ("CB8",)), ("Sudbury", ("CO10",))),
    _a("surrey", "SR", ("Guildford", ("GU1", "GU2")), ("Woking", ("GU21", "GU22")), ("Redhill", ("RH1",)),
       ("Epsom", ("KT17", "KT18", "KT19")), ("Staines", ("TW18", "TW19")), ("Camberley", ("GU15",)),
       ("Farnham", ("GU9",)), ("Weybridge", ("KT13",))),
    _a("warwickshire", "WW", ("Nuneaton", ("CV10", "CV11")), ("Rugby", ("CV21", "CV22")),
       ("Leamington Spa", ("CV31", "CV32")), ("Warwick", ("CV34",)), ("Stratford-upon-Avon", ("CV37",)),
       ("Bedworth", ("CV12",))),
    _a("west-mercia", "WC", ("Worcester", ("WR1", "WR2", "WR4", "WR5")), ("Hereford", ("HR1", "HR2", "HR4")),
       ("Telford", ("TF1", "TF2", "TF3", "TF7")), ("Shrewsbury", ("SY1", "SY2", "SY3")),
       ("Kidderminster", ("DY10", "DY11")), ("Redditch", ("B97", "B98")), ("Bromsgrove", ("B60", "B61"))),
    _a("wiltshire", "WL", ("Swindon", ("SN1", "SN2", "SN3", "SN5")), ("Salisbury", ("SP1", "SP2")),
       ("Chippenham", ("SN14", "SN15")), ("Trowbridge", ("BA14",)), ("Devizes", ("SN10",)),
       ("Warminster", ("BA12",))),
)}
# fmt: on

# Every territorial force, largest first: the audited ones with their calibrated profile.
NATIONAL_AREAS: dict[str, ForceProfile | AreaProfile] = {
    force: FORCE_PROFILES.get(force) or UNAUDITED_AREAS[force]
    for force in sorted(FORCE_SHARES, key=lambda f: (-FORCE_SHARES[f], f))
}
