"""The `lstm-search` command line: every subcommand, and everything that prints."""

from __future__ import annotations

from search.cli.main import main

__all__ = ["main"]
