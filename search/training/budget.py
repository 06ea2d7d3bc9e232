"""How much every trial of a study may train, counted in work so that it is the same anywhere.

Work is parameter-windows: the model's parameters times the training windows it passes over,
proportional to the arithmetic of a pass. A trial's budget of work becomes a whole number of
epochs over its training windows, at least the floor and at most the epoch cap: a small model
or a small series gets many passes, a large model on a large series few, for about the same
compute per trial, but never so few that the trials cannot be ranked. This replaces a
wall-clock limit, which gave the same time rather than the same work, and so different trials
on a laptop, a loaded server and an idle one. A time limit is only an opt-in safety valve: a
trial it stops is the only kind whose result depends on the machine.

An epoch is at most `epoch_windows` windows (the rest of the series is seen in the next epochs),
so that the floor, the cap, patience and the pruner's rungs, all counted in epochs, cost about
the same on a long series or a large panel as on a short one.
"""

from __future__ import annotations

import math
from dataclasses import dataclass


@dataclass(frozen=True)
class TrialBudget:
    """How long every trial of a study trains: work, epoch floor and cap per fold, patience,
    folds, an optional time limit and the most windows an epoch passes. `work` None means the
    epoch cap alone; `epoch_windows` None, whole epochs. No field has a default: a search's
    come from its options (run/options.py)."""

    work: float | None
    epochs: int
    patience: int
    folds: int
    trial_seconds: float | None
    min_epochs: int
    epoch_windows: int | None

    def epoch_size(self, train_windows: int) -> int:
        """The windows one epoch over `train_windows` training windows passes."""
        if self.epoch_windows is None:
            return train_windows
        return min(train_windows, self.epoch_windows)

    def epochs_for(self, parameters: int, train_windows: int) -> int:
        """Epochs over `train_windows` training windows (each of `epoch_size` windows) that
        spend the work budget on a model of `parameters` parameters, within [the floor, the
        epoch cap]."""
        if self.work is None:
            return self.epochs
        spent = math.ceil(self.work / (parameters * self.epoch_size(train_windows)))
        return min(self.epochs, max(self.min_epochs, spent, 1))
