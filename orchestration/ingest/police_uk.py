"""police.uk street-level crime files: their name and their two known header layouts."""

from __future__ import annotations

import gzip
import re
from pathlib import Path

from orchestration.ingest.contracts import ReadSpec
from orchestration.ingest.kinds import POLICE_UK_STREET

FOLDER = "police_uk"
FILE_NAME = re.compile(r"^(?P<month>\d{4}-\d{2})-(?P<force_id>[a-z][a-z-]*[a-z])-street\.csv(\.gz)?$")

_CURRENT = {
    "crime_id": "Crime ID", "month": "Month", "reported_by": "Reported by", "falls_within": "Falls within",
    "longitude": "Longitude", "latitude": "Latitude", "location": "Location", "lsoa_code": "LSOA code",
    "lsoa_name": "LSOA name", "crime_type": "Crime type", "last_outcome_category": "Last outcome category",
    "context": "Context",
}
# The 2010-2012 files: British National Grid coordinates, no Crime ID, LSOA or outcome.
_EASTING_NORTHING = {
    "month": "Month", "reported_by": "Reported by", "falls_within": "Falls within", "easting": "Easting",
    "northing": "Northing", "location": "Location", "crime_type": "Crime type", "context": "Context",
}

LAYOUTS = {
    "current": ReadSpec(POLICE_UK_STREET, contract="police.uk layout 'current'", columns=_CURRENT,
                        required=frozenset({"month", "crime_type"})),
    "easting_northing": ReadSpec(POLICE_UK_STREET, contract="police.uk layout 'easting_northing' (2010-2012)",
                                 columns=_EASTING_NORTHING, required=frozenset({"month", "crime_type"})),
}


def layout_of(path: Path) -> str:
    """The layout a file's header announces; files matching neither are read as `current`
    and rejected by the header check, which names the missing and unexpected columns."""
    opener = gzip.open if path.name.endswith(".gz") else open
    with opener(path, "rb") as fh:
        first = fh.readline(4096)
    return "easting_northing" if b"Easting" in first and b"Northing" in first else "current"
