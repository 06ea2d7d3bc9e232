"""The best model of a study, read once: its trial, its model file and its refit.

The end of a search, `best`, `export`, `predict` and `report` each read the best trial once and
pass this one value to the refit, the score and the summary; the model file is loaded when first
needed, and once.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property

import optuna
from optuna.trial import FrozenTrial

from search.errors import ConfigError
from search.store import RefitRecord, best_trial, load_file, read_refit
from search.training import Checkpoint, decode


@dataclass(frozen=True)
class BestModel:
    """The study's best trial, its stored refit (None until its configuration is refit) and
    its model file (`checkpoint`, loaded on first use)."""

    trial: FrozenTrial
    refit: RefitRecord | None
    load: Callable[[], Checkpoint] = field(repr=False, compare=False)

    @cached_property
    def checkpoint(self) -> Checkpoint:
        """The trial's model file."""
        return self.load()

    @property
    def value(self) -> float:
        """The trial's validation loss."""
        assert self.trial.value is not None  # a complete trial has its value
        return self.trial.value

    def with_refit(self, refit: RefitRecord) -> BestModel:
        """The same best model with its refit made (the model file is not loaded again)."""
        return BestModel(self.trial, refit, lambda: self.checkpoint)


def read_best(study: optuna.Study, url: str) -> BestModel | None:
    """The study's best model; None while no trial is complete."""
    trial = best_trial(study)
    if trial is None:
        return None
    refit = read_refit(study.user_attrs)
    if refit is not None and refit.trial != trial.number:
        refit = None  # the refit of a trial that was best before
    return BestModel(trial, refit, lambda: decode(load_file(url, trial)))


def require_best(study: optuna.Study, url: str) -> BestModel:
    """The study's best model; refused while no trial is complete."""
    best = read_best(study, url)
    if best is None:
        raise ConfigError(
            f"study {study.study_name!r} has no complete trial yet; run the search first"
        )
    return best
