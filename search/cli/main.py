"""The `lstm-search` command: run or resume a search, and read studies back.

`main(argv) -> int` turns the project's errors into one line on stderr and an exit code:
0 done, 2 bad usage/configuration/data (storage untouched), 130 interrupted, 1 unexpected.
"""

from __future__ import annotations

import difflib
import sys
from collections.abc import Callable, Sequence
from importlib.metadata import version

from search.cli import commands
from search.cli.compare import compare
from search.cli.dashboard import dashboard
from search.cli.options import search_options, search_parser
from search.cli.report import report
from search.cli.search import search_command
from search.cli.serve import serve
from search.errors import ConfigError
from search.run import guarded


def run_search_command(argv: Sequence[str]) -> int:
    """Run or resume a search."""
    description = (
        "Search LSTM forecasting hyperparameters; run the same command again to resume. "
        f"Commands: {', '.join(COMMANDS)} (lstm-search COMMAND --help for each)."
    )
    args = search_parser("lstm-search", description).parse_args(argv)
    return search_command(search_options(args))


COMMANDS: dict[str, Callable[[Sequence[str]], int]] = {
    "studies": commands.studies,
    "show": commands.show,
    "best": commands.best,
    "export": commands.export,
    "predict": commands.predict,
    "report": report,
    "compare": compare,
    "dashboard": dashboard,
    "serve": serve,
}


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the `lstm-search` console script."""
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv and argv[0] == "--version":
        print(f"lstm-search {version('lstm-search')}")
        return 0
    command = COMMANDS.get(argv[0], run_search_command) if argv else run_search_command
    if command is not run_search_command:
        argv = argv[1:]
    elif argv and not argv[0].startswith("-"):
        return guarded(lambda: _unknown_command(argv[0]))
    return guarded(lambda: command(argv), debug="--debug" in argv)


def _unknown_command(name: str) -> int:
    close = difflib.get_close_matches(name, COMMANDS, n=1)
    hint = f"did you mean {close[0]!r}? " if close else ""
    raise ConfigError(
        f"unknown command {name!r}; {hint}commands: {', '.join(COMMANDS)} (or search options "
        "only, see lstm-search --help)"
    )
