"""What a search run is asked to do: `SearchOptions`, the only home of every option.

Each field declares its option once: default, help, value type, choices and metavar. The
command line's parser is built from the fields, so `SearchOptions()` is the search that
`lstm-search` with no options runs, and worker processes get the same options as JSON.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field, fields
from typing import Any, cast

from models import ARCHITECTURES
from search.data import HORIZON, SPLIT
from search.run.values import (
    column_list,
    fractions,
    positive_int,
    seconds,
    seconds_or_off,
    trial_count,
    windows_or_off,
    work_or_off,
)
from search.run.values import seed as seed_value
from search.store import DEFAULT_STORAGE, MOST_WARM_TRIALS, STORAGE_ENV, URL_EXAMPLES
from search.strategies import PRUNERS, STRATEGIES
from search.training import DEVICES, HYPERPARAMETERS
from spaces import PRESETS

# Defaults for the bundled weekly CO2 series on a laptop-class CPU:
# epochs 30, patience 5: measured on CO2, good configurations reach their best validation loss
# within 5-20 epochs; 5 epochs without improvement almost never recover later.
# work budget: see WORK_BUDGET below. No time limit by default: a trial it stops is the only
# kind whose value depends on the machine and its load (10 of 16 complete trials of the default
# job hit the former 30 s default, and every trial of a 14,400-row hourly series did).
# cost-aware: benchmarks/results/selection.txt (commit 5090d4d, 3 seeds of the default job, idle
# machine): with --cost-aware the job took a median 186 s (167-212 s) against 426 s (269-486 s)
# blind to cost, at a median test skill of the handed model of 0.422 (0.420-0.428) against 0.420
# (0.417-0.431).
# pruner hyperband: the default job with the median pruner (5 startup trials, 3 warm-up epochs)
# took 7 min 12 s to a best validation MSE of 0.750 (test 0.147); two runs with hyperband took
# 5 min 46 s to 0.714 (test 0.140) and 5 min 21 s to 0.770 (test 0.147).


WORK_BUDGET = 1e10
"""Parameter-windows per trial and fold (see training/budget.py). On CO2's 1,546 training windows
every model up to about 215,000 parameters (128 units x 2 layers) gets the 30-epoch cap, and the
seed space's largest (256 x 4, 1.8 M) gets MIN_EPOCHS' 5 (the budget alone gives 4), the same on
every machine (the former 30 s limit gave it as many as fitted in 30 s there). With a budget in
windows alone (30 epochs for every model) the default job had finished 27 of 50 trials after 12
minutes, beside other work, its largest trials up to 275 s each. benchmarks/selection.py over 5
seeds: 1e10 handed a model of the former defaults' median test skill (0.432 both); 5e9 lost skill
(median 0.418 against 0.434) for no gain in time."""

MIN_EPOCHS = 5
"""The fewest epochs the work budget gives a trial: on a 10,000-row hourly series (horizon 24,
6,924 training windows) 1e10 alone gave the seed space's larger models 2-4 epochs, and
benchmarks/budget.py found their ranking after 2 and 3 epochs unrelated to the ranking after 8
(Spearman 0.20 and 0.49 over 6 configurations), after 5 close to it (0.89). On CO2's 1,546
training windows it changes only models of 1,617,077 parameters or more, 1e10 / (4 x 1,546)
(4 epochs become 5)."""

EPOCH_WINDOWS = 2_048
"""The most training windows an epoch passes, so that a trial's cost (and the floor, cap, patience
and hyperband's rungs, all in epochs) no longer grows with the series. Above the bundled CO2's
1,546 training windows, and its 1,889 of train + validation (the refit's) and of its largest
fold, so the default job trains exactly as it did with whole epochs; a 14,400-row hourly series
at horizon 24 (about 10,000 training windows) trains epochs of 2,048, a trial there costing about
what it costs on CO2 instead of 5-6 whole epochs of 10,000 windows (10-20 minutes). A power of two
near CO2's size rather than a fraction of the series: the point is a cost that does not depend on
the series. benchmarks/budget.py measures the ranking it gives against longer training."""


def default_workers() -> int:
    """One worker per core this process may run on: 2 workers on 2 cores ran the same
    trials 1.2-1.6x faster than 1 (benchmarks/workers.py, docs/scaling.md)."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


@dataclass(frozen=True)
class Option:
    """How a field of SearchOptions reads on the command line: `--field-name`, or `--no-field-name`
    for a field that is True by default. "{default}" in the help shows the default."""

    help: str
    type: Callable[[str], Any] | None = None
    choices: tuple[str, ...] | None = None
    metavar: str | None = None


_OPTION = "option"
"""The key of a field's Option in its metadata."""


def _option(
    help: str,
    type: Callable[[str], Any] | None = None,
    choices: tuple[str, ...] | None = None,
    metavar: str | None = None,
) -> dict[str, Option]:
    return {_OPTION: Option(help, type, choices, metavar)}


@dataclass(frozen=True)
class SearchOptions:
    """What `lstm-search [OPTIONS]` was asked to do; each field's default is the option's."""

    strategy: str = field(
        default="bayes",
        metadata=_option(
            "grid, random, bayes (scikit-optimize GP), tpe (default: {default})",
            choices=tuple(STRATEGIES),
        ),
    )
    trials: int = field(
        default=50,
        metadata=_option(
            "finished trials the study should end with (default: {default})", trial_count
        ),
    )
    study: str | None = field(
        default=None, metadata=_option("study name (default: <data>-<strategy>)")
    )
    storage: str | None = field(
        default=None,
        metadata=_option(
            f"{URL_EXAMPLES} (`lstm-search serve` runs a gRPC proxy) (default: ${STORAGE_ENV} "
            f"or {DEFAULT_STORAGE})"
        ),
    )
    warm_start: str | None = field(
        default=None,
        metadata=_option(
            "start a new study with the best configurations of this earlier study over a "
            f"compatible space (a fifth of --trials, 1 to {MOST_WARM_TRIALS}), counted among its "
            "trials (default: none)",
            metavar="STUDY",
        ),
    )
    warm_start_storage: str | None = field(
        default=None,
        metadata=_option(
            "the storage URL of the --warm-start study (default: this study's storage)",
            metavar="URL",
        ),
    )
    data: str | None = field(
        default=None,
        metadata=_option(
            "CSV file, or a bundled dataset: co2 (Mauna Loa CO2, the default) or births (weekly "
            "births in ten US states, a panel)"
        ),
    )
    id_col: str | None = field(
        default=None,
        metadata=_option(
            "series id column of a panel in long format (one row per series and time): one "
            "model is tuned across every series (default: none, one series)"
        ),
    )
    target: str | None = field(
        default=None, metadata=_option("column to forecast (default: the only numeric one)")
    )
    features: tuple[str, ...] = field(
        default=(),
        metadata=_option("extra input columns, comma-separated (default: none)", column_list),
    )
    time_col: str | None = field(
        default=None,
        metadata=_option(
            "time column (default: the first column whose values look like dates; integers "
            "in a column named here are Unix epoch seconds)"
        ),
    )
    date_format: str | None = field(
        default=None,
        metadata=_option(
            "strftime format of the time column, e.g. '%%d.%%m.%%Y', where its dates are "
            "neither ISO nor settled as day-first or month-first by their values "
            "(default: detected)",
            metavar="FORMAT",
        ),
    )
    horizon: int = field(
        default=HORIZON,
        metadata=_option("steps to forecast (default: {default})", positive_int),
    )
    seq_len: int = field(
        default=cast(int, HYPERPARAMETERS["seq_len"].default),
        metadata=_option("input window length (default: {default})", positive_int),
    )
    split: tuple[float, float, float] = field(
        default=SPLIT,
        metadata=_option("train,val,test fractions (default: {default})", fractions),
    )
    epochs: int = field(
        default=30,
        metadata=_option("epoch cap per trial and fold (default: {default})", positive_int),
    )
    work_budget: float | None = field(
        default=WORK_BUDGET,
        metadata=_option(
            "training work per trial and fold in parameter-windows (model parameters x "
            "training windows per epoch, see --epoch-windows), spent in whole epochs within "
            "--epochs: the same on any machine; 0 for the epoch cap alone "
            "(default: {default:.0e})",
            work_or_off,
            metavar="WORK",
        ),
    )
    min_epochs: int = field(
        default=MIN_EPOCHS,
        metadata=_option(
            "the fewest epochs the work budget gives a trial (within --epochs), so that large "
            "models on large series train enough to be ranked (default: {default}; "
            "studies made before it existed resume with --min-epochs 1)",
            positive_int,
        ),
    )
    epoch_windows: int | None = field(
        default=EPOCH_WINDOWS,
        metadata=_option(
            "the most training windows an epoch passes: a longer series trains each epoch on "
            "the next N windows of a seeded permutation of all of them, so that the work "
            "budget, --min-epochs, --epochs, --patience and the pruner count bounded epochs; "
            "0 for whole epochs (default: {default}; studies made before it existed resume "
            "with --epoch-windows 0)",
            windows_or_off,
            metavar="N",
        ),
    )
    folds: int = field(
        default=1,
        metadata=_option(
            "rolling-origin validation: the validation windows in K consecutive blocks, each "
            "scored by a model trained on the rows before it; the value is their mean "
            "(default: {default})",
            positive_int,
        ),
    )
    patience: int = field(
        default=5,
        metadata=_option(
            "epochs without improvement before stopping (default: {default})", positive_int
        ),
    )
    trial_seconds: float | None = field(
        default=None,
        metadata=_option(
            "an opt-in time limit per trial and fold: a fold past it stops after its current "
            "epoch and keeps its best epoch, and the value then depends on the machine "
            "(default: none)",
            seconds_or_off,
        ),
    )
    pruner: str = field(
        default="hyperband",
        metadata=_option(
            "median, hyperband (by epoch), wilcoxon (by fold, for --folds 5 or more) or "
            "none (default: {default})",
            choices=tuple(PRUNERS),
        ),
    )
    refit: bool = field(
        default=False,
        metadata=_option(
            "also refit the best configuration on train + validation and score it beside the "
            "selected model (export --refit writes it); off by default because on CO2 it lost "
            "to the selected model on 9 of 10 seeds of benchmarks/selection.py and cost a "
            "fifth of the default job's time"
        ),
    )
    cost_aware: bool = field(
        default=True,
        metadata=_option(
            "bayes picks blind to cost (gp_hedge, as gp_minimize): by default it weighs what a "
            "configuration may gain against what it costs to train (expected improvement per "
            "unit of the work its budget gives it)"
        ),
    )
    space: str = field(
        default="seed",
        metadata=_option(f"preset ({', '.join(PRESETS)}) or a .toml file (default: {{default}})"),
    )
    arch: str = field(
        default=cast(str, HYPERPARAMETERS["arch"].default),
        metadata=_option(
            "model family when the space does not search it (default: {default})",
            choices=tuple(ARCHITECTURES),
        ),
    )
    seed: int = field(default=0, metadata=_option("study seed (default: {default})", seed_value))
    timeout: float | None = field(
        default=None,
        metadata=_option("stop starting trials after SECONDS (default: none)", seconds),
    )
    device: str = field(
        default="auto",
        metadata=_option(
            "where to train (default: {default}: CUDA when a GPU is visible)", choices=DEVICES
        ),
    )
    workers: int = field(
        default_factory=default_workers,
        metadata=_option(
            "worker processes on this machine, one CPU thread each (default: one per core, "
            "{default} here)",
            positive_int,
        ),
    )
    season: int | None = field(
        default=None,
        metadata=_option(
            "steps per season for the seasonal-naive baseline (default: from the time column)",
            positive_int,
        ),
    )
    quiet: bool = field(default=False, metadata=_option("no progress bar or trial lines"))

    def to_json(self) -> str:
        """These options as JSON, for a worker process."""
        return json.dumps(asdict(self))

    @classmethod
    def from_json(cls, text: str) -> SearchOptions:
        """The options `to_json` wrote (JSON has lists where the fields hold tuples)."""
        values: dict[str, Any] = {
            name: tuple(value) if isinstance(value, list) else value
            for name, value in json.loads(text).items()
        }
        return cls(**values)


def declared() -> Iterator[tuple[str, Option]]:
    """Each field of SearchOptions with its command-line option, in declaration order."""
    for spec in fields(SearchOptions):
        yield spec.name, spec.metadata[_OPTION]
