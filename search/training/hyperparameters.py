"""The hyperparameters the objective understands: name, type, value when unsearched, choices.

This table is the one home of that vocabulary. A space (spaces/) may search any of these names;
the objective fills the ones a space leaves out with their defaults; a categorical's choices are
the keys of the registry that builds it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from models import ARCHITECTURES
from search.errors import ConfigError
from search.training.train import OPTIMIZERS, SCHEDULERS
from spaces import Space, SpaceError, load_space


@dataclass(frozen=True)
class Hyperparameter:
    """One hyperparameter: the type of its values, its value when a space does not search it,
    and for a categorical one the values it may take."""

    type: type
    default: object
    choices: tuple[str, ...] | None = None
    bounds: tuple[float, float, bool] | None = None
    """(low, high, high included) for a number: a space reaching outside is refused."""

    def allows(self, value: object) -> bool:
        """Whether `value` is a value this hyperparameter can take."""
        if self.choices is not None:
            return value in self.choices
        if self.bounds is None or not isinstance(value, int | float):
            return True
        low, high, closed = self.bounds
        return low <= value and (value <= high if closed else value < high)

    def rule(self) -> str:
        """The allowed values, in words."""
        if self.choices is not None:
            return f"one of {', '.join(self.choices)}"
        if self.bounds is None:
            return "any value"
        low, high, closed = self.bounds
        return f"from {low:g} to {high:g}" + ("" if closed else " (excluded)")


# The defaults of the unsearched ones are a mid-sized, well-behaved LSTM.
# seq_len 52: one year of weekly values, so every input window of the bundled CO2 series holds a
# whole seasonal cycle. seq_len 26 against 52, one trial each on CO2 (1 thread, an earlier version,
# no script): validation MSE 0.79 vs 0.91 (64 units, 1 layer, batch 32), 0.87 vs 0.78 (128x2, batch
# 64), 0.85 vs 0.82 (32x1, batch 128), 0.83 vs 0.83 (200x3, batch 16), at 0.45-0.7x the time per
# epoch: no consistent gain, so the whole cycle stays.
HYPERPARAMETERS: dict[str, Hyperparameter] = {
    "hidden_size": Hyperparameter(int, 64, bounds=(1, 4096, True)),
    "num_layers": Hyperparameter(int, 1, bounds=(1, 16, True)),
    "dropout": Hyperparameter(float, 0.0, bounds=(0.0, 1.0, False)),
    "learning_rate": Hyperparameter(float, 1e-3, bounds=(1e-12, 10.0, True)),
    "batch_size": Hyperparameter(int, 64, bounds=(1, 65536, True)),
    "arch": Hyperparameter(str, "stacked", tuple(ARCHITECTURES)),
    "seq_len": Hyperparameter(int, 52, bounds=(1, 100_000, True)),
    "optimizer": Hyperparameter(str, "adam", tuple(OPTIMIZERS)),
    "scheduler": Hyperparameter(str, "none", tuple(SCHEDULERS)),
}

TYPES: dict[str, type] = {name: h.type for name, h in HYPERPARAMETERS.items()}
"""Name -> type, the vocabulary a space file is checked against."""


def with_defaults(searched: Mapping[str, object], fixed: Mapping[str, object]) -> dict[str, object]:
    """A trial's whole configuration: the defaults, then the study's `fixed` choices (such as
    --arch and --seq-len), then the values the space searched."""
    defaults = {name: h.default for name, h in HYPERPARAMETERS.items()}
    return {**defaults, **fixed, **searched}


def load_search_space(name_or_path: str | Path) -> Space:
    """A space preset or file, checked against this vocabulary and its choices."""
    try:
        space = load_space(name_or_path, TYPES)
    except SpaceError as error:
        raise ConfigError(str(error)) from error
    for param in space.params:
        hyperparameter = HYPERPARAMETERS[param.key]
        dist = param.distribution
        reached = [*getattr(dist, "choices", ()), *(param.grid or ())]
        reached += [getattr(dist, end) for end in ("low", "high") if hasattr(dist, end)]
        outside = [value for value in reached if not hyperparameter.allows(value)]
        if outside:
            raise ConfigError(
                f"{param.name}: expected {hyperparameter.rule()}, but got {outside[0]!r} in "
                f"space {space.name}; fix the space"
            )
    return space
