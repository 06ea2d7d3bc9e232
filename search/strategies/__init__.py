"""Search strategies, each an Optuna sampler that reads its history from the storage."""

from __future__ import annotations

from collections.abc import Callable

from optuna.samplers import BaseSampler

from search.strategies.bayes import SkoptGPSampler
from search.strategies.grid import CellGridSampler
from search.strategies.random import TrialSeededRandomSampler, TrialSeededTPESampler
from spaces import Space

# Each maker takes the space and the study seed. Samplers keep no private history, so a resumed
# study or a second worker needs nothing but the storage.
STRATEGIES: dict[str, Callable[[Space, int], BaseSampler]] = {
    "grid": lambda space, seed: CellGridSampler(space.grid_cells(), seed=seed),
    "random": lambda space, seed: TrialSeededRandomSampler(seed=seed),
    # gp_minimize's defaults: GP, gp_hedge, 10 random initial points.
    "bayes": lambda space, seed: SkoptGPSampler(seed=seed),
    "tpe": lambda space, seed: TrialSeededTPESampler(seed=seed),
}


def make_sampler(strategy: str, space: Space, seed: int) -> BaseSampler:
    """The sampler for `strategy` over `space`."""
    return STRATEGIES[strategy](space, seed)
