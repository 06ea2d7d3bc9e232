"""Random sampling that a resumed study or a second worker does not replay."""

from __future__ import annotations

import zlib
from typing import Any

import optuna
from optuna.distributions import BaseDistribution
from optuna.samplers import BaseSampler, RandomSampler
from optuna.trial import FrozenTrial

from search.seeding import derived_seed


class IndependentSampler(BaseSampler):
    """A sampler that draws each parameter on its own (no joint, relative sampling)."""

    def infer_relative_search_space(
        self, study: optuna.Study, trial: FrozenTrial
    ) -> dict[str, BaseDistribution]:
        return {}

    def sample_relative(
        self, study: optuna.Study, trial: FrozenTrial, search_space: dict[str, BaseDistribution]
    ) -> dict[str, Any]:
        return {}


class TrialSeededRandomSampler(IndependentSampler):
    """Independent uniform sampling where trial k's values depend only on (seed, k, name).

    Optuna's RandomSampler draws from one stream per process, so every new process (a resume,
    a second worker) would start the stream again and replay the first trials' points.
    """

    def __init__(self, seed: int = 0) -> None:
        self._seed = seed

    def sample_independent(
        self,
        study: optuna.Study,
        trial: FrozenTrial,
        param_name: str,
        param_distribution: BaseDistribution,
    ) -> Any:
        seed = derived_seed(self._seed, trial.number, zlib.crc32(param_name.encode()))
        return RandomSampler(seed=seed).sample_independent(
            study, trial, param_name, param_distribution
        )
