"""Grid search as an Optuna sampler: every cell at most once, in a seeded order.

Optuna's GridSampler cannot express conditional parameters and may repeat a cell when workers
race. Here the runner gives a new trial its cell inside the worker's slot lock (`next_point`),
from what the storage says is taken; so no cell runs twice, and a cell whose trial failed goes
back in line until it has failed MAX_FAILURES times.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from typing import Any

import numpy as np
import optuna
from optuna.distributions import BaseDistribution
from optuna.trial import FrozenTrial, TrialState

from search.store import all_trials, schema, set_system_attr
from search.strategies.finite import FiniteSampler
from search.strategies.random import IndependentSampler

MAX_FAILURES = 3


class CellGridSampler(IndependentSampler, FiniteSampler):
    """Runs the cells of a grid (dicts of parameter name -> value) each once, in seeded order."""

    def __init__(self, cells: list[dict[str, Any]], seed: int = 0) -> None:
        self._cells = cells
        self._order = [int(i) for i in np.random.default_rng(seed).permutation(len(cells))]

    @property
    def capacity(self) -> int:
        """The number of cells."""
        return len(self._cells)

    def next_point(self, trials: Sequence[FrozenTrial]) -> dict[str, Any] | None:
        """The first free cell for a new trial, given every trial of the study."""
        free = self._free_cells(trials)
        return {schema.GRID_CELL: free[0]} if free else None

    def _free_cells(self, trials: Sequence[FrozenTrial]) -> list[int]:
        """Cells, in run order, that no trial holds and that have not failed too often."""
        taken: set[int] = set()
        failures: Counter[int] = Counter()
        for trial in trials:
            cell = trial.system_attrs.get(schema.GRID_CELL)
            if cell is None:
                continue
            if trial.state == TrialState.FAIL:
                # An interrupt is not the cell's failure; its requeued trial holds the cell.
                if trial.user_attrs.get(schema.FAIL_REASON) != schema.INTERRUPTED:
                    failures[cell] += 1
            else:
                taken.add(cell)
        return [i for i in self._order if i not in taken and failures[i] < MAX_FAILURES]

    def before_trial(self, study: optuna.Study, trial: FrozenTrial) -> None:
        """Give a trial that has no cell (asked outside the runner, e.g. `Study.optimize`) the
        first free cell, reading every trial of the study: the study Optuna hands a sampler is
        filtered by the pruner (Hyperband shows a trial only its own bracket), and a cell held in
        another bracket is taken all the same."""
        if schema.GRID_CELL in trial.system_attrs:
            return
        point = self.next_point(all_trials(study))
        if point is not None:
            set_system_attr(study, trial, schema.GRID_CELL, point[schema.GRID_CELL])

    def sample_independent(
        self,
        study: optuna.Study,
        trial: FrozenTrial,
        param_name: str,
        param_distribution: BaseDistribution,
    ) -> Any:
        cell = self._cells[trial.system_attrs[schema.GRID_CELL]]
        if param_name not in cell:
            raise ValueError(
                f"parameter {param_name!r} is not in the grid; the space and the objective disagree"
            )
        return cell[param_name]
