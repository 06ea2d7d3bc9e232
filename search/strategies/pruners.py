"""Pruners: which trials stop early, judged on their validation loss by epoch or by fold."""

from __future__ import annotations

from collections.abc import Callable

import optuna
from optuna.pruners import BasePruner

# Median: a trial stops when its epoch's validation loss is worse than the median of earlier
# trials at the same epoch; the first 5 trials and the first 3 epochs are never judged, since
# LSTM losses are noisy early on. Hyperband treats epochs as the resource (over all folds).
# Wilcoxon judges whole folds: a trial stops once a signed-rank test on its folds' losses says
# it is worse than the best trial's on the same folds (p < 0.1). Every fold but the last is
# judged, and the test cannot reach p < 0.1 on fewer than 4 pairs: it needs 5 folds or more.
PRUNERS: dict[str, Callable[[int], BasePruner]] = {
    "median": lambda steps: optuna.pruners.MedianPruner(n_startup_trials=5, n_warmup_steps=3),
    "hyperband": lambda steps: optuna.pruners.HyperbandPruner(
        min_resource=1, max_resource=steps, reduction_factor=3
    ),
    "wilcoxon": lambda steps: optuna.pruners.WilcoxonPruner(p_threshold=0.1),
    "none": lambda steps: optuna.pruners.NopPruner(),
}
PER_FOLD = frozenset({"wilcoxon"})
"""Pruners that judge one step per fold rather than one per epoch."""
MIN_FOLDS = {"wilcoxon": 5}
"""The fewest folds with which a pruner can stop anything."""


def make_pruner(name: str, epochs: int, folds: int) -> BasePruner:
    """The pruner `name` for trials of at most `epochs` epochs in each of `folds` folds."""
    return PRUNERS[name](folds if name in PER_FOLD else epochs * folds)
