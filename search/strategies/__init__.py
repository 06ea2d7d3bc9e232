"""Search strategies, each an Optuna sampler that reads its history from the storage."""

from __future__ import annotations

from collections.abc import Callable

from optuna.samplers import BaseSampler

from search.errors import ConfigError
from search.strategies.finite import FiniteSampler
from search.strategies.grid import CellGridSampler
from search.strategies.pruners import MIN_FOLDS, PER_FOLD, PRUNERS, make_pruner
from search.strategies.random import TrialSeededRandomSampler
from search.strategies.tpe import TrialSeededTPESampler
from spaces import Space, SpaceError

# Each maker takes the space and the study seed. Samplers keep no private history, so a resumed
# study or a second worker needs nothing but the storage.
STRATEGIES: dict[str, Callable[[Space, int], BaseSampler]] = {
    "grid": lambda space, seed: CellGridSampler(space.grid_cells(), seed=seed),
    "random": lambda space, seed: TrialSeededRandomSampler(seed=seed),
    "bayes": lambda space, seed: _bayes(seed),
    "tpe": lambda space, seed: TrialSeededTPESampler(seed=seed),
}


def _bayes(seed: int) -> BaseSampler:
    """gp_minimize's defaults: GP, gp_hedge, 10 random initial points."""
    # skopt and the scikit-learn under it take about 2 s to import; only this strategy needs them.
    from search.strategies.bayes import SkoptGPSampler

    return SkoptGPSampler(seed=seed)


def make_sampler(strategy: str, space: Space, seed: int) -> BaseSampler:
    """The sampler for `strategy` over `space`; a space it cannot use is a ConfigError."""
    try:
        return STRATEGIES[strategy](space, seed)
    except SpaceError as error:  # e.g. a grid over a space without grid values
        raise ConfigError(str(error)) from error


__all__ = [
    "MIN_FOLDS",
    "PER_FOLD",
    "PRUNERS",
    "STRATEGIES",
    "FiniteSampler",
    "make_pruner",
    "make_sampler",
]
