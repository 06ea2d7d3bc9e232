"""What a search run is asked to do: `SearchOptions`, the only home of every default.

The command line's parser takes its defaults from here, so `SearchOptions()` is the search that
`lstm-search` with no options runs.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field

from search.training.hyperparameters import HYPERPARAMETERS

# Defaults for the bundled weekly CO2 series on a laptop-class CPU:
# epochs 30, patience 5: measured on CO2, good configurations reach their best validation loss
# within 5-20 epochs; 5 epochs without improvement almost never recover later.
# trial seconds 30: an epoch costs 0.1 s (32x1, batch 128) to about 10 s (200x3, batch 16); a
# limit stops the expensive corners after the epoch that passes it and keeps their best epoch,
# so they are judged on what they reach within the same time as the cheap ones.
# pruner hyperband: the default job with the median pruner (5 startup trials, 3 warm-up epochs)
# took 7 min 12 s to a best validation MSE of 0.750 (test 0.147); two runs with hyperband took
# 5 min 46 s to 0.714 (test 0.140) and 5 min 21 s to 0.770 (test 0.147).


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
    target: str | None = None
    features: tuple[str, ...] = ()
    time_col: str | None = None
    date_format: str | None = None
    horizon: int = 1
    seq_len: int = HYPERPARAMETERS["seq_len"].default  # type: ignore[assignment]
    split: tuple[float, float, float] = (0.7, 0.15, 0.15)
    epochs: int = 30
    patience: int = 5
    trial_seconds: float | None = 30.0
    pruner: str = "hyperband"
    space: str = "seed"
    arch: str = HYPERPARAMETERS["arch"].default  # type: ignore[assignment]
    seed: int = 0
    timeout: float | None = None
    device: str = "auto"
    workers: int = field(default_factory=default_workers)
    season: int | None = None
    quiet: bool = False
