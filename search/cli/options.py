"""The options of a search run, shared by the search command and `compare`."""

from __future__ import annotations

from models import ARCHITECTURES
from search.cli.parsing import (
    OneLineParser,
    add_storage,
    column_list,
    fractions,
    positive_int,
    seconds,
    seconds_or_off,
    seed,
    work_or_off,
)
from search.run import SearchOptions
from search.strategies import PRUNERS, STRATEGIES
from search.training import DEVICES
from spaces import PRESETS


def search_parser(
    prog: str,
    description: str,
    with_strategy: bool = True,
    study_help: str = "study name (default: <data>-<strategy>)",
) -> OneLineParser:
    """The options of a search run (`lstm-search [OPTIONS]`); `compare` leaves out --strategy.

    Every default comes from SearchOptions.
    """
    defaults = SearchOptions()
    parser = OneLineParser(prog=prog, description=description)
    if with_strategy:
        parser.add_argument(
            "--strategy",
            choices=STRATEGIES,
            default=defaults.strategy,
            help=f"grid, random, bayes (scikit-optimize GP), tpe (default: {defaults.strategy})",
        )
    parser.add_argument(
        "--trials",
        type=positive_int,
        default=defaults.trials,
        help=f"finished trials the study should end with (default: {defaults.trials})",
    )
    parser.add_argument("--study", help=study_help)
    add_storage(parser)
    parser.add_argument(
        "--data",
        help="CSV file, or a bundled dataset: co2 (Mauna Loa CO2, the default) or births (weekly "
        "births in ten US states, a panel)",
    )
    parser.add_argument(
        "--id-col",
        help="series id column of a panel in long format (one row per series and time): one "
        "model is tuned across every series (default: none, one series)",
    )
    parser.add_argument("--target", help="column to forecast (default: the only numeric one)")
    parser.add_argument(
        "--features",
        type=column_list,
        default=defaults.features,
        help="extra input columns, comma-separated (default: none)",
    )
    parser.add_argument(
        "--time-col",
        help="time column (default: the first column whose values look like dates; integers "
        "in a column named here are Unix epoch seconds)",
    )
    parser.add_argument(
        "--date-format",
        metavar="FORMAT",
        help="strftime format of the time column, e.g. '%%d.%%m.%%Y', where its dates are "
        "neither ISO nor settled as day-first or month-first by their values (default: detected)",
    )
    parser.add_argument(
        "--horizon",
        type=positive_int,
        default=defaults.horizon,
        help=f"steps to forecast (default: {defaults.horizon})",
    )
    parser.add_argument(
        "--seq-len",
        type=positive_int,
        default=defaults.seq_len,
        help=f"input window length (default: {defaults.seq_len})",
    )
    parser.add_argument(
        "--split",
        type=fractions,
        default=defaults.split,
        help=f"train,val,test fractions (default: {','.join(map(str, defaults.split))})",
    )
    parser.add_argument(
        "--epochs",
        type=positive_int,
        default=defaults.epochs,
        help=f"epoch cap per trial and fold (default: {defaults.epochs})",
    )
    parser.add_argument(
        "--work-budget",
        type=work_or_off,
        default=defaults.work_budget,
        metavar="WORK",
        help="training work per trial and fold in parameter-windows (model parameters x "
        "training windows), spent in whole epochs within --epochs: the same on any machine; 0 "
        f"for the epoch cap alone (default: {defaults.work_budget:.0e})",
    )
    parser.add_argument(
        "--min-epochs",
        type=positive_int,
        default=defaults.min_epochs,
        help="the fewest epochs the work budget gives a trial (within --epochs), so that large "
        f"models on large series train enough to be ranked (default: {defaults.min_epochs}; "
        "studies made before it existed resume with --min-epochs 1)",
    )
    parser.add_argument(
        "--folds",
        type=positive_int,
        default=defaults.folds,
        help="rolling-origin validation: the validation windows in K consecutive blocks, each "
        "scored by a model trained on the rows before it; the value is their mean "
        f"(default: {defaults.folds})",
    )
    parser.add_argument(
        "--patience",
        type=positive_int,
        default=defaults.patience,
        help=f"epochs without improvement before stopping (default: {defaults.patience})",
    )
    parser.add_argument(
        "--trial-seconds",
        type=seconds_or_off,
        default=defaults.trial_seconds,
        help="an opt-in time limit per trial and fold: a fold past it stops after its current "
        "epoch and keeps its best epoch, and the value then depends on the machine "
        "(default: none)",
    )
    parser.add_argument(
        "--pruner",
        choices=PRUNERS,
        default=defaults.pruner,
        help="median, hyperband (by epoch), wilcoxon (by fold, for --folds 5 or more) or "
        f"none (default: {defaults.pruner})",
    )
    parser.add_argument(
        "--no-refit",
        dest="refit",
        action="store_false",
        help="skip the refit: by default the best configuration is also refit on train + "
        "validation and scored beside the selected model (export --refit writes it)",
    )
    parser.add_argument(
        "--space",
        default=defaults.space,
        help=f"preset ({', '.join(PRESETS)}) or a .toml file (default: {defaults.space})",
    )
    parser.add_argument(
        "--arch",
        choices=ARCHITECTURES,
        default=defaults.arch,
        help=f"model family when the space does not search it (default: {defaults.arch})",
    )
    parser.add_argument(
        "--seed", type=seed, default=defaults.seed, help=f"study seed (default: {defaults.seed})"
    )
    parser.add_argument(
        "--timeout", type=seconds, help="stop starting trials after SECONDS (default: none)"
    )
    parser.add_argument(
        "--device",
        choices=DEVICES,
        default=defaults.device,
        help=f"where to train (default: {defaults.device}: CUDA when a GPU is visible)",
    )
    parser.add_argument(
        "--workers",
        type=positive_int,
        default=defaults.workers,
        help="worker processes on this machine, one CPU thread each (default: one per core, "
        f"{defaults.workers} here)",
    )
    parser.add_argument(
        "--season",
        type=positive_int,
        help="steps per season for the seasonal-naive baseline (default: from the time column)",
    )
    parser.add_argument("--quiet", action="store_true", help="no progress bar or trial lines")
    parser.add_argument("--debug", action="store_true", help="tracebacks on errors")
    return parser
