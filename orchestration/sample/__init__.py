"""Deterministic sample of canonical force exports and HMIC audit sheets.

    from orchestration.sample import generate
    summary = generate(Path("data/landing"))          # 13 forces, 7 export days

The figures the warehouse derives from it are fixed in ``profiles.FORCE_PROFILES``.
"""

from .generator import GenerationSummary, generate
from .profiles import FORCE_PROFILES, OFFENCE_GROUPS, SAMPLE_FORCES, ForceProfile

__all__ = [
    "FORCE_PROFILES",
    "OFFENCE_GROUPS",
    "SAMPLE_FORCES",
    "ForceProfile",
    "GenerationSummary",
    "generate",
]
