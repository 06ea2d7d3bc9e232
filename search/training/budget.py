"""How much every trial of a study may train, counted in work so that it is the same anywhere.

A trial's budget is a number of training windows; it becomes a whole number of epochs over the
data (at least one, at most the epoch cap), so a small series gets many passes and a large one
few, for about the same work per trial. Pruners count their resource in those epochs. A time
limit is only an opt-in safety valve: a trial it stops is the only kind whose result depends on
the machine and its load.
"""

from __future__ import annotations

import math
from dataclasses import dataclass


@dataclass(frozen=True)
class TrialBudget:
    """How long every trial of a study trains: epochs per fold, patience, folds, time limit."""

    epochs: int
    patience: int
    folds: int
    trial_seconds: float | None


def budget_epochs(window_budget: int, train_windows: int, epoch_cap: int) -> int:
    """Epochs of `train_windows` windows that spend `window_budget`, within [1, epoch_cap]."""
    return max(1, min(epoch_cap, math.ceil(window_budget / train_windows)))
