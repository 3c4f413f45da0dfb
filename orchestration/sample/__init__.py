"""Deterministic sample of canonical force exports and HMIC audit sheets.

    from orchestration.sample import generate, generate_national
    summary = generate(Path("data/landing"))          # 13 forces, 7 export days
    generate_national(Path("/tmp/landing"), scale=0.01)  # 43 forces, a year, canonical CSV

The figures the warehouse derives from it are fixed in ``profiles.FORCE_PROFILES``.
"""

from .generator import GenerationSummary, generate
from .national import NationalSummary, generate_national
from .profiles import FORCE_PROFILES, OFFENCE_GROUPS, SAMPLE_FORCES, ForceProfile

__all__ = [
    "FORCE_PROFILES",
    "OFFENCE_GROUPS",
    "SAMPLE_FORCES",
    "ForceProfile",
    "GenerationSummary",
    "NationalSummary",
    "generate",
    "generate_national",
]
