"""Samplers with a fixed number of points to run, such as a grid."""

from __future__ import annotations

import abc
from collections.abc import Sequence
from typing import Any

from optuna.samplers import BaseSampler
from optuna.trial import FrozenTrial


class FiniteSampler(BaseSampler, abc.ABC):
    """A sampler that can run at most `capacity` trials, each point at most once.

    The study's target is capped at its capacity. The runner gives each new trial its point
    while it holds the study's lock, and stops with an error when no point is left before the
    study has its finished trials (as Optuna's GridSampler.is_exhausted).
    """

    @property
    @abc.abstractmethod
    def capacity(self) -> int:
        """The most trials this sampler can ever give."""

    @abc.abstractmethod
    def next_point(self, trials: Sequence[FrozenTrial]) -> dict[str, Any] | None:
        """System attributes that give a new trial the next free point, judged from every trial
        of the study (read under the study's lock, so no other worker takes the same point);
        None when no point is free."""
