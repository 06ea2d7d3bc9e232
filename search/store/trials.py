"""Counting a study's trials and finding its best one: the questions every layer asks."""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import NamedTuple

import optuna
from optuna.trial import FrozenTrial, TrialState

FINISHED = (TrialState.COMPLETE, TrialState.PRUNED)
"""A finished trial fills one of the study's N slots; a failed one does not."""


class TrialCounts(NamedTuple):
    """Finished (complete or pruned) and running trials of a study."""

    finished: int
    running: int


def counts(study: optuna.Study) -> TrialCounts:
    """How many of the study's trials are finished and how many are running."""
    return count(study.get_trials(deepcopy=False, states=(*FINISHED, TrialState.RUNNING)))


def count(trials: list[FrozenTrial]) -> TrialCounts:
    """How many of `trials` are finished and how many are running."""
    finished = sum(t.state in FINISHED for t in trials)
    return TrialCounts(finished, sum(t.state == TrialState.RUNNING for t in trials))


def ranked(trials: Iterable[FrozenTrial]) -> list[FrozenTrial]:
    """The COMPLETE trials among `trials`, best (lowest value) first."""
    complete = [t for t in trials if t.state == TrialState.COMPLETE and t.value is not None]
    return sorted(complete, key=lambda t: t.value if t.value is not None else math.inf)


def best_trial(study: optuna.Study) -> FrozenTrial | None:
    """The best COMPLETE trial, or None while there is none."""
    try:
        return study.best_trial
    except ValueError:
        return None
