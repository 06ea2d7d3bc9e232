"""Search strategies, each an Optuna sampler that reads its history from the storage."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from optuna.samplers import BaseSampler

from search.errors import ConfigError
from search.strategies.finite import FiniteSampler
from search.strategies.grid import CellGridSampler
from search.strategies.pruners import MIN_FOLDS, PER_FOLD, PRUNERS, make_pruner
from search.strategies.random import TrialSeededRandomSampler
from search.strategies.tpe import TrialSeededTPESampler
from spaces import Space, SpaceError

Cost = Callable[[Mapping[str, Any]], float]
"""What training a trial's parameters costs, for a strategy that weighs gain against cost."""

# Each maker takes the space, the study seed and the cost of a configuration (None: cost-blind).
# Samplers keep no private history, so a resumed study or a second worker needs nothing but the
# storage.
STRATEGIES: dict[str, Callable[[Space, int, Cost | None], BaseSampler]] = {
    "grid": lambda space, seed, cost: CellGridSampler(space.grid_cells(), seed=seed),
    "random": lambda space, seed, cost: TrialSeededRandomSampler(seed=seed),
    "bayes": lambda space, seed, cost: _bayes(seed, cost),
    "tpe": lambda space, seed, cost: TrialSeededTPESampler(seed=seed),
}
COST_AWARE = frozenset({"bayes"})
"""The strategies that use a configuration's cost."""


def _bayes(seed: int, cost: Cost | None) -> BaseSampler:
    """gp_minimize's defaults: GP, 10 random initial points, gp_hedge or, given the cost,
    expected improvement per unit of cost."""
    # skopt and the scikit-learn under it take about 2 s to import; only this strategy needs them.
    from search.strategies.bayes import SkoptGPSampler

    return SkoptGPSampler(seed=seed, cost=cost)


def make_sampler(strategy: str, space: Space, seed: int, cost: Cost | None = None) -> BaseSampler:
    """The sampler for `strategy` over `space`, weighing `cost` where the strategy can; a space
    it cannot use is a ConfigError."""
    try:
        return STRATEGIES[strategy](space, seed, cost)
    except SpaceError as error:  # e.g. a grid over a space without grid values
        raise ConfigError(str(error)) from error


__all__ = [
    "COST_AWARE",
    "MIN_FOLDS",
    "PER_FOLD",
    "PRUNERS",
    "STRATEGIES",
    "Cost",
    "FiniteSampler",
    "make_pruner",
    "make_sampler",
]
