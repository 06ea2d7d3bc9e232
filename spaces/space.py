"""A search space: Optuna distributions plus grid values, declared once, read by all strategies."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass

from optuna.distributions import (
    BaseDistribution,
    CategoricalDistribution,
    FloatDistribution,
    IntDistribution,
    distribution_to_json,
)
from optuna.trial import BaseTrial

from spaces.errors import SpaceError


@dataclass(frozen=True)
class Param:
    """One Optuna parameter: the hyperparameter it sets, its distribution and grid values.

    `name` is the Optuna parameter name. It equals `key`, except for a conditional parameter,
    which gets one name per parent value (`learning_rate_adam`) so that each name keeps one
    distribution across trials, as Optuna requires.
    """

    key: str
    name: str
    distribution: BaseDistribution
    grid: tuple[object, ...] | None = None
    condition: tuple[str, object] | None = None  # (parent Optuna name, value it must take)

    def active(self, taken: Mapping[str, object]) -> bool:
        """Whether this parameter applies, given the values taken so far (by Optuna name)."""
        if self.condition is None:
            return True
        parent, value = self.condition
        return parent in taken and taken[parent] == value


@dataclass(frozen=True)
class Space:
    """A named, ordered set of parameters (parents before their conditional children)."""

    name: str
    params: tuple[Param, ...]

    def __post_init__(self) -> None:
        # Loaded spaces already hold these; this guards spaces built by hand (tests, callers).
        if not self.params:
            raise SpaceError(f"space {self.name!r}: it has no parameters; declare at least one")
        seen: set[str] = set()
        for param in self.params:
            if param.name in seen:
                raise SpaceError(
                    f"{param.name}: Optuna names must be unique, but got it twice in space "
                    f"{self.name!r}; rename one"
                )
            if param.condition is not None and param.condition[0] not in seen:
                raise SpaceError(
                    f"{param.name}: its parent must come before it, but got parent "
                    f"{param.condition[0]!r} later or missing in space {self.name!r}; reorder"
                )
            seen.add(param.name)

    @property
    def keys(self) -> frozenset[str]:
        """The canonical hyperparameter keys this space can set."""
        return frozenset(param.key for param in self.params)

    def suggest(self, trial: BaseTrial) -> dict[str, object]:
        """Ask `trial` for every active parameter; return {canonical key: value}."""
        taken: dict[str, object] = {}
        values: dict[str, object] = {}
        for param in self.params:
            if param.active(taken):
                taken[param.name] = values[param.key] = _suggest_one(trial, param)
        return values

    def resolve(self, params: Mapping[str, object]) -> dict[str, object]:
        """Map Optuna names (e.g. a trial's `params`) to canonical keys."""
        known = {param.name for param in self.params}
        unknown = sorted(name for name in params if name not in known)
        if unknown:
            raise SpaceError(
                f"{', '.join(unknown)}: expected parameters of space {self.name!r} "
                f"({', '.join(sorted(known))}), but got unknown names; the trial comes from "
                "another space, so load the space the study was created with"
            )
        values: dict[str, object] = {}
        for param in self.params:
            if param.name not in params:
                continue
            if param.condition is not None and not param.active(params):
                parent, value = param.condition
                raise SpaceError(
                    f"{param.name}: expected only when {parent}={value!r}, but got "
                    f"{parent}={params.get(parent)!r}; the trial's parameters are inconsistent "
                    "with the space"
                )
            values[param.key] = params[param.name]
        return values

    def grid_cells(self) -> list[dict[str, object]]:
        """Every grid cell ({Optuna name: value}), conditionals expanded, in a stable order.

        Earlier parameters vary slowest. A conditional parameter multiplies only the cells
        where its parent took its value.
        """
        cells: list[dict[str, object]] = [{}]
        missing: list[str] = []
        for param in self.params:
            if param.grid is None:
                # Only a parameter that some cell reaches needs grid values.
                if any(param.active(cell) for cell in cells):
                    missing.append(param.name)
                continue
            expanded: list[dict[str, object]] = []
            for cell in cells:
                if param.active(cell):
                    expanded.extend({**cell, param.name: value} for value in param.grid)
                else:
                    expanded.append(cell)
            cells = expanded
        if missing:
            verb = "has" if len(missing) == 1 else "have"
            raise SpaceError(
                f"{', '.join(missing)} {verb} no grid values in space {self.name!r}; "
                "add `grid = [...]` to use --strategy grid"
            )
        return cells

    def to_dict(self) -> dict[str, object]:
        """A JSON-safe description, for storing on a study and diffing configurations."""
        return {
            "name": self.name,
            "params": [
                {
                    "key": param.key,
                    "name": param.name,
                    "distribution": json.loads(distribution_to_json(param.distribution)),
                    "grid": None if param.grid is None else list(param.grid),
                    "condition": None if param.condition is None else list(param.condition),
                }
                for param in self.params
            ],
        }


def _suggest_one(trial: BaseTrial, param: Param) -> object:
    """Call the trial's suggest method that matches the parameter's distribution."""
    dist = param.distribution
    if isinstance(dist, IntDistribution):
        return trial.suggest_int(param.name, dist.low, dist.high, step=dist.step, log=dist.log)
    if isinstance(dist, FloatDistribution):
        return trial.suggest_float(param.name, dist.low, dist.high, step=dist.step, log=dist.log)
    if isinstance(dist, CategoricalDistribution):
        return trial.suggest_categorical(param.name, dist.choices)
    raise SpaceError(
        f"{param.name}: expected an Int, Float or Categorical distribution, but got "
        f"{type(dist).__name__}; use one of those three"
    )
