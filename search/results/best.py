"""The best model of a study, read once: its trial, its model file and its refit.

The end of a search, `best`, `export`, `predict` and `report` each read the best trial once and
pass this one value to the refit, the score and the summary; the model file is loaded when first
needed, and once.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import optuna
from optuna.trial import FrozenTrial

from search.errors import ConfigError
from search.store import RefitRecord, best_trial, load_artifact, load_file, read_refit
from search.training import Checkpoint, decode


@dataclass(frozen=True)
class BestModel:
    """The study's best trial and its stored refit (None until its configuration is refit),
    with their model files, each loaded on first use."""

    trial: FrozenTrial
    refit: RefitRecord | None
    url: str

    @property
    def value(self) -> float:
        """The trial's validation loss."""
        assert self.trial.value is not None  # a complete trial has its value
        return self.trial.value

    @cached_property
    def checkpoint(self) -> Checkpoint:
        """The trial's model file."""
        return decode(load_file(self.url, self.trial))

    @cached_property
    def refit_checkpoint(self) -> Checkpoint | None:
        """The refit's model file; None without a refit."""
        if self.refit is None:
            return None
        what = f"the refit model of trial {self.refit.trial}"
        return decode(load_artifact(self.url, self.refit.checkpoint, what))

    def with_refit(self, refit: RefitRecord, made: Checkpoint) -> BestModel:
        """The same best model with the refit just `made`: no model file is read again."""
        best = BestModel(self.trial, refit, self.url)
        # What cached_property would have stored on first use.
        best.__dict__.update(checkpoint=self.checkpoint, refit_checkpoint=made)
        return best


def read_best(study: optuna.Study, url: str) -> BestModel | None:
    """The study's best model; None while no trial is complete."""
    trial = best_trial(study)
    if trial is None:
        return None
    refit = read_refit(study.user_attrs)
    if refit is not None and refit.trial != trial.number:
        refit = None  # the refit of a trial that was best before
    return BestModel(trial, refit, url)


def require_best(study: optuna.Study, url: str) -> BestModel:
    """The study's best model; refused while no trial is complete."""
    best = read_best(study, url)
    if best is None:
        raise ConfigError(
            f"study {study.study_name!r} has no complete trial yet; run the search first"
        )
    return best
