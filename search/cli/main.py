"""The `lstm-search` command: run or resume a search, and read studies back.

`main(argv) -> int` turns the project's errors into one line on stderr and an exit code:
0 done, 2 bad usage/configuration/data (storage untouched), 130 interrupted, 1 unexpected.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Sequence

from search.cli import commands
from search.cli.compare import compare
from search.cli.dashboard import dashboard
from search.cli.options import search_parser
from search.cli.report import report
from search.cli.search import run_search
from search.run.options import SearchOptions
from search.run.process import guarded


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
