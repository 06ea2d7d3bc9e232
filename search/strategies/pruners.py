"""Pruners: which trials stop early, judged on their per-epoch validation loss."""

from __future__ import annotations

from collections.abc import Callable

import optuna
from optuna.pruners import BasePruner

# Median: a trial stops when its epoch's validation loss is worse than the median of earlier
# trials at the same epoch; the first 5 trials and the first 3 epochs are never judged, since
# LSTM losses are noisy early on. Hyperband treats epochs as the resource.
PRUNERS: dict[str, Callable[[int], BasePruner]] = {
    "median": lambda epochs: optuna.pruners.MedianPruner(n_startup_trials=5, n_warmup_steps=3),
    "hyperband": lambda epochs: optuna.pruners.HyperbandPruner(
        min_resource=1, max_resource=epochs, reduction_factor=3
    ),
    "none": lambda epochs: optuna.pruners.NopPruner(),
}


def make_pruner(name: str, epochs: int) -> BasePruner:
    """The pruner `name` for trials of at most `epochs` epochs."""
    return PRUNERS[name](epochs)
