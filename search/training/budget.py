"""How much every trial of a study may train, counted in work so that it is the same anywhere.

Work is parameter-windows: the model's parameters times the training windows it passes over,
proportional to the arithmetic of a pass. A trial's budget of work becomes a whole number of
epochs over its training windows, at least the floor and at most the epoch cap: a small model
or a small series gets many passes, a large model on a large series few, for about the same
compute per trial, but never so few that the trials cannot be ranked. This replaces a
wall-clock limit, which gave the same time rather than the same work, and so different trials
on a laptop, a loaded server and an idle one. A time limit is only an opt-in safety valve: a
trial it stops is the only kind whose result depends on the machine.
"""

from __future__ import annotations

import math
from dataclasses import dataclass


@dataclass(frozen=True)
class TrialBudget:
    """How long every trial of a study trains: work, epoch floor and cap per fold, patience,
    folds, and an optional time limit. `work` None means the epoch cap alone. No field has a
    default: a search's come from its options (run/options.py)."""

    work: float | None
    epochs: int
    patience: int
    folds: int
    trial_seconds: float | None
    min_epochs: int

    def epochs_for(self, parameters: int, train_windows: int) -> int:
        """Epochs of `train_windows` windows that spend the work budget on a model of
        `parameters` parameters, within [the floor, the epoch cap]."""
        if self.work is None:
            return self.epochs
        spent = math.ceil(self.work / (parameters * train_windows))
        return min(self.epochs, max(self.min_epochs, spent, 1))
