"""Optuna's TPE, with random startup trials that a resume or a second worker does not replay."""

from __future__ import annotations

import optuna

from search.store import set_startup_sampler
from search.strategies.random import TrialSeededRandomSampler


class TrialSeededTPESampler(optuna.samplers.TPESampler):
    """Optuna's TPE whose random startup trials come from TrialSeededRandomSampler."""

    def __init__(self, seed: int = 0) -> None:
        # group=True: the `full` space's conditional learning rates form their own groups
        # instead of falling back to independent sampling; constant liar keeps workers apart.
        super().__init__(seed=seed, multivariate=True, group=True, constant_liar=True)
        set_startup_sampler(self, TrialSeededRandomSampler(seed))
