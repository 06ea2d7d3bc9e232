"""The options of a search run, shared by the search command and `compare`."""

from __future__ import annotations

import os

from models import ARCHITECTURES
from search.device import DEVICES
from search.parsing import (
    OneLineParser,
    add_storage,
    column_list,
    fractions,
    positive_int,
    seconds_or_off,
)
from search.strategies import STRATEGIES
from search.study import PRUNERS
from spaces import PRESETS

# Defaults for the bundled weekly CO2 series on a laptop-class CPU:
# seq_len 52: one year of weekly values, so every input window holds a whole seasonal cycle.
# epochs 30, patience 5: measured on CO2, good configurations reach their best validation loss
# within 5-20 epochs; 5 epochs without improvement almost never recover later.
# seq_len 26 against 52, one trial each on CO2 (1 thread): validation MSE 0.79 vs 0.91 (64
# units, 1 layer, batch 32), 0.87 vs 0.78 (128x2, batch 64), 0.85 vs 0.82 (32x1, batch 128),
# 0.83 vs 0.83 (200x3, batch 16), at 0.45-0.7x the time per epoch: no consistent gain, so
# the whole cycle stays.
# trial seconds 30: an epoch costs 0.1 s (32x1, batch 128) to about 10 s (200x3, batch 16); a
# limit stops the expensive corners after the epoch that passes it and keeps their best epoch,
# so they are judged on what they reach within the same time as the cheap ones.
# pruner hyperband: the default job with the median pruner (5 startup trials, 3 warm-up epochs)
# took 7 min 12 s to a best validation MSE of 0.750 (test 0.147); two runs with hyperband took
# 5 min 46 s to 0.714 (test 0.140) and 5 min 21 s to 0.770 (test 0.147).
DEFAULT_SEQ_LEN = 52
DEFAULT_EPOCHS = 30
DEFAULT_PATIENCE = 5
DEFAULT_TRIAL_SECONDS = 30.0


def default_workers() -> int:
    """One worker per core this process may run on: 2 workers on 2 cores ran the same
    trials 1.58x faster than 1 (benchmarks/workers.py)."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


def search_parser(
    prog: str,
    description: str,
    with_strategy: bool = True,
    study_help: str = "study name (default: <data>-<strategy>)",
) -> OneLineParser:
    """The options of a search run (`lstm-search [OPTIONS]`); `compare` leaves out --strategy."""
    parser = OneLineParser(prog=prog, description=description)
    if with_strategy:
        parser.add_argument(
            "--strategy",
            choices=STRATEGIES,
            default="bayes",
            help="grid, random, bayes (scikit-optimize GP), tpe (default: bayes)",
        )
    parser.add_argument(
        "--trials",
        type=positive_int,
        default=50,
        help="finished trials the study should end with (default: 50)",
    )
    parser.add_argument("--study", help=study_help)
    add_storage(parser)
    parser.add_argument("--data", help="CSV file (default: the bundled Mauna Loa CO2 series)")
    parser.add_argument("--target", help="column to forecast (default: the only numeric one)")
    parser.add_argument(
        "--features", type=column_list, default=(), help="extra input columns, comma-separated"
    )
    parser.add_argument("--time-col", help="time column (default: detected)")
    parser.add_argument("--horizon", type=positive_int, default=1, help="steps to forecast")
    parser.add_argument(
        "--seq-len",
        type=positive_int,
        default=DEFAULT_SEQ_LEN,
        help=f"input window length (default: {DEFAULT_SEQ_LEN})",
    )
    parser.add_argument(
        "--split",
        type=fractions,
        default=(0.7, 0.15, 0.15),
        help="train,val,test fractions (default: 0.7,0.15,0.15)",
    )
    parser.add_argument(
        "--epochs",
        type=positive_int,
        default=DEFAULT_EPOCHS,
        help=f"epoch cap per trial (default: {DEFAULT_EPOCHS})",
    )
    parser.add_argument(
        "--patience",
        type=positive_int,
        default=DEFAULT_PATIENCE,
        help=f"epochs without improvement before stopping (default: {DEFAULT_PATIENCE})",
    )
    parser.add_argument(
        "--trial-seconds",
        type=seconds_or_off,
        default=DEFAULT_TRIAL_SECONDS,
        help="training time per trial: a trial past it stops after its current epoch and keeps "
        f"its best epoch; 0 for no limit (default: {DEFAULT_TRIAL_SECONDS:g})",
    )
    parser.add_argument(
        "--pruner",
        choices=PRUNERS,
        default="hyperband",
        help="median, hyperband or none (default: hyperband)",
    )
    parser.add_argument(
        "--space",
        default="seed",
        help=f"preset ({', '.join(PRESETS)}) or a .toml file (default: seed)",
    )
    parser.add_argument(
        "--arch",
        choices=ARCHITECTURES,
        default="stacked",
        help="model family when the space does not search it (default: stacked)",
    )
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--timeout", type=float, help="stop starting trials after SECONDS")
    parser.add_argument("--device", choices=DEVICES, default="auto")
    parser.add_argument(
        "--workers",
        type=positive_int,
        default=default_workers(),
        help="worker processes on this machine, one CPU thread each (default: one per core, "
        f"{default_workers()} here)",
    )
    parser.add_argument(
        "--season",
        type=positive_int,
        help="steps per season for the seasonal-naive baseline (default: from the time column)",
    )
    parser.add_argument("--quiet", action="store_true", help="no progress bar or trial lines")
    parser.add_argument("--debug", action="store_true", help="tracebacks on errors")
    return parser
