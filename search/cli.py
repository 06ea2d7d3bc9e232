"""The `lstm-search` command: run or resume a search, and read studies back.

`main(argv) -> int` turns the project's errors into one line on stderr and an exit code:
0 done, 2 bad usage/configuration/data (storage untouched), 130 interrupted, 1 unexpected.
"""

from __future__ import annotations

import logging
import os
import signal
import sys
import traceback
from collections.abc import Callable, Sequence

import optuna

from models import ARCHITECTURES
from search import commands
from search.device import DEVICES
from search.driver import SearchOptions, run_search
from search.errors import LstmSearchError
from search.parsing import OneLineParser, add_storage, column_list, fractions, positive_int
from search.runner import SearchAborted
from search.strategies import STRATEGIES
from search.study import PRUNERS
from spaces import PRESETS

# Defaults for the bundled weekly CO2 series on a laptop-class CPU:
# seq_len 52: one year of weekly values, so every input window holds a whole seasonal cycle.
# epochs 30, patience 5: measured on CO2, good configurations reach their best validation loss
# within 5-20 epochs; 5 epochs without improvement almost never recover later.
DEFAULT_SEQ_LEN = 52
DEFAULT_EPOCHS = 30
DEFAULT_PATIENCE = 5


def search_parser() -> OneLineParser:
    """The options of `lstm-search [OPTIONS]` (run or resume a search)."""
    parser = OneLineParser(
        prog="lstm-search",
        description="Search LSTM forecasting hyperparameters; run again to resume. Commands: "
        + ", ".join(f"{name} ({command.__doc__})" for name, command in COMMANDS.items()),
    )
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
    parser.add_argument("--study", help="study name (default: <data>-<strategy>)")
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
    parser.add_argument("--pruner", choices=PRUNERS, default="median")
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
        default=1,
        help="worker processes on this machine, one CPU thread each (default: 1)",
    )
    parser.add_argument("--quiet", action="store_true", help="no progress bar or trial lines")
    parser.add_argument("--debug", action="store_true", help="tracebacks on errors")
    return parser


def run_search_command(argv: Sequence[str]) -> int:
    """Run or resume a search."""
    args = search_parser().parse_args(argv)
    options = SearchOptions(**{k: v for k, v in vars(args).items() if k != "debug"})
    return run_search(options)


COMMANDS: dict[str, Callable[[Sequence[str]], int]] = {
    "studies": commands.studies,
    "show": commands.show,
    "best": commands.best,
}


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the `lstm-search` console script."""
    argv = list(sys.argv[1:] if argv is None else argv)
    command = COMMANDS.get(argv[0], run_search_command) if argv else run_search_command
    if command is not run_search_command:
        argv = argv[1:]
    return guarded(lambda: command(argv), debug="--debug" in argv)


INTERRUPTED = (
    "lstm-search: interrupted; the running trial was requeued. Run the same command "
    "again to resume."
)


def guarded(
    command: Callable[[], int], debug: bool = False, interrupted_message: str | None = INTERRUPTED
) -> int:
    """Run `command`, turning errors into one line on stderr and the documented exit code."""
    logging.basicConfig(level=logging.DEBUG if debug else logging.WARNING, format="%(message)s")
    optuna.logging.set_verbosity(optuna.logging.DEBUG if debug else optuna.logging.WARNING)
    signal.signal(signal.SIGTERM, _interrupt)
    try:
        return command()
    except BrokenPipeError:
        # Output piped into `head` and the like: the reader has all it wanted.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except KeyboardInterrupt:
        if interrupted_message:
            print(interrupted_message, file=sys.stderr)
        return 130
    except SearchAborted as error:
        _report(error, debug)
        return 1
    except LstmSearchError as error:
        _report(error, debug)
        return 2
    except Exception as error:
        _report(error, debug=True)
        return 1


def _report(error: BaseException, debug: bool) -> None:
    if debug:
        traceback.print_exception(error)
    print(f"lstm-search: error: {error}", file=sys.stderr)


def _interrupt(signum: int, frame: object) -> None:
    """SIGTERM (a scheduler stopping the job) ends the search like Ctrl-C."""
    raise KeyboardInterrupt
