"""A hand-written sector model for tests: a few words with known weights, so every score is predictable."""

from __future__ import annotations

from relay.tagging.model import SectorModel
from relay.tagging.sectors import SECTOR_IDS

PLANNING = SECTOR_IDS.index("planning-environment")
HOUSING = SECTOR_IDS.index("housing")


def flood_model(*, threshold: float = 0.9, floor: float | None = None) -> SectorModel:
    """'flood' (any form: the word pieces) pushes planning-environment up, 'tenancy' housing; everything else
    stays at the intercept (probability 0.007)."""
    features = {
        "w flood": (1.0, {PLANNING: 12.0}), "w floods": (1.0, {PLANNING: 12.0}),
        "w tenancy": (1.0, {HOUSING: 6.0}), "w river": (1.0, {PLANNING: 1.0}),
    }
    return SectorModel(list(SECTOR_IDS), [-5.0] * len(SECTOR_IDS), features,
                       thresholds={s: threshold for s in SECTOR_IDS}, floor=floor,
                       info={"trained_on": {"datasets": ["hand"], "items": 0, "sha256": "0" * 64}})
