"""The options of a search run, shared by the search command and `compare`."""

from __future__ import annotations

import argparse
from dataclasses import asdict

from search.cli.parsing import OPTIONS, OneLineParser, add_debug, add_option
from search.run import SearchOptions


def search_parser(
    prog: str,
    description: str,
    with_strategy: bool = True,
    study_help: str | None = None,
) -> OneLineParser:
    """The options of a search run (`lstm-search [OPTIONS]`), one per field of SearchOptions;
    `compare` leaves out --strategy and names --study differently."""
    parser = OneLineParser(prog=prog, description=description)
    for name, default in asdict(SearchOptions()).items():
        if name != "strategy" or with_strategy:
            add_option(parser, name, default, study_help if name == "study" else None)
    add_debug(parser)
    return parser


def search_options(args: argparse.Namespace) -> SearchOptions:
    """The SearchOptions of a parsed search command line (its other options left out)."""
    return SearchOptions(**{name: getattr(args, name) for name in OPTIONS if name in args})
