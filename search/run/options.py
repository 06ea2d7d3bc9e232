"""What a search run is asked to do: `SearchOptions`, the only home of every default.

The command line's parser takes its defaults from here, so `SearchOptions()` is the search that
`lstm-search` with no options runs.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field

from search.training import HYPERPARAMETERS

# Defaults for the bundled weekly CO2 series on a laptop-class CPU:
# epochs 30, patience 5: measured on CO2, good configurations reach their best validation loss
# within 5-20 epochs; 5 epochs without improvement almost never recover later.
# work budget: see WORK_BUDGET below. No time limit by default: a trial it stops is the only
# kind whose value depends on the machine and its load (10 of 16 complete trials of the default
# job hit the former 30 s default, and every trial of a 14,400-row hourly series did).
# pruner hyperband: the default job with the median pruner (5 startup trials, 3 warm-up epochs)
# took 7 min 12 s to a best validation MSE of 0.750 (test 0.147); two runs with hyperband took
# 5 min 46 s to 0.714 (test 0.140) and 5 min 21 s to 0.770 (test 0.147).


WORK_BUDGET = 1e10
"""Parameter-windows per trial and fold (see training/budget.py). On CO2's 1,546 training
windows every model up to about 215,000 parameters (128 units x 2 layers) gets the 30-epoch cap,
and the seed space's largest (256 x 4, 1.8 M) gets 4, the same on every machine (the former 30 s
limit gave it as many as fitted in 30 s there). With a budget in windows alone (30 epochs for
every model) the default job had finished 27 of 50 trials after 12 minutes, beside other work,
its largest trials up to 275 s each. benchmarks/selection.py over 5 seeds: 1e10 handed a model
of the former defaults' median test skill (0.432 both); 5e9 lost skill (median 0.418 against
0.434) for no gain in time."""

MIN_EPOCHS = 5
"""The fewest epochs the work budget gives a trial: on a 10,000-row hourly series (horizon 24,
6,924 training windows) 1e10 alone gave the seed space's larger models 2-4 epochs, and
benchmarks/budget.py found their ranking after 2 and 3 epochs unrelated to the ranking after 8
(Spearman 0.20 and 0.49 over 6 configurations), after 5 close to it (0.89). On CO2 it changes
only models over about 430,000 parameters (4 epochs become 5)."""


def default_workers() -> int:
    """One worker per core this process may run on: 2 workers on 2 cores ran the same
    trials 1.2-1.6x faster than 1 (benchmarks/workers.py, README's Scaling out)."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


@dataclass(frozen=True)
class SearchOptions:
    """What `lstm-search [OPTIONS]` was asked to do; each field's default is the option's."""

    strategy: str = "bayes"
    trials: int = 50
    study: str | None = None
    storage: str | None = None
    data: str | None = None
    id_col: str | None = None
    target: str | None = None
    features: tuple[str, ...] = ()
    time_col: str | None = None
    date_format: str | None = None
    horizon: int = 1
    seq_len: int = HYPERPARAMETERS["seq_len"].default  # type: ignore[assignment]
    split: tuple[float, float, float] = (0.7, 0.15, 0.15)
    epochs: int = 30
    work_budget: float | None = WORK_BUDGET
    min_epochs: int = MIN_EPOCHS
    patience: int = 5
    folds: int = 1
    trial_seconds: float | None = None
    refit: bool = True
    pruner: str = "hyperband"
    space: str = "seed"
    arch: str = HYPERPARAMETERS["arch"].default  # type: ignore[assignment]
    seed: int = 0
    timeout: float | None = None
    device: str = "auto"
    workers: int = field(default_factory=default_workers)
    season: int | None = None
    quiet: bool = False
