"""Samplers with a fixed number of points to run, such as a grid."""

from __future__ import annotations

import abc

import optuna
from optuna.samplers import BaseSampler


class FiniteSampler(BaseSampler, abc.ABC):
    """A sampler that can run at most `capacity` trials and can tell when it has run dry.

    The study's target is capped at its capacity, and the runner stops with an error when it is
    exhausted before the study has its finished trials (as Optuna's GridSampler.is_exhausted).
    """

    @property
    @abc.abstractmethod
    def capacity(self) -> int:
        """The most trials this sampler can ever give."""

    @abc.abstractmethod
    def is_exhausted(self, study: optuna.Study) -> bool:
        """Whether no new trial can be given, even after waiting for running ones."""
