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

from search import commands
from search.compare import compare
from search.dashboard import dashboard
from search.driver import SearchOptions, run_search
from search.errors import LstmSearchError
from search.options import search_parser
from search.report import report
from search.runner import SearchAborted


def run_search_command(argv: Sequence[str]) -> int:
    """Run or resume a search."""
    description = "Search LSTM forecasting hyperparameters; run again to resume. Commands: " + (
        ", ".join(f"{name} ({command.__doc__})" for name, command in COMMANDS.items())
    )
    args = search_parser("lstm-search", description).parse_args(argv)
    options = SearchOptions(**{k: v for k, v in vars(args).items() if k != "debug"})
    return run_search(options)


COMMANDS: dict[str, Callable[[Sequence[str]], int]] = {
    "studies": commands.studies,
    "show": commands.show,
    "best": commands.best,
    "export": commands.export,
    "predict": commands.predict,
    "report": report,
    "compare": compare,
    "dashboard": dashboard,
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
