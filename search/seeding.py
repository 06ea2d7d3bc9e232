"""Seeds derived from the study seed, so each trial and each suggestion is reproducible alone."""

from __future__ import annotations

import numpy as np


def derived_seed(*entropy: int) -> int:
    """A seed that depends on every part of `entropy` and repeats for the same parts."""
    return int(np.random.SeedSequence(entropy).generate_state(1)[0])
