"""docs/options.md, made from the options as the parser declares them: `options_page()`.

Regenerate the page with `python -m search.cli.docs > docs/options.md`.
"""

from __future__ import annotations

import argparse
import html
import re
from dataclasses import MISSING, fields

from search.cli.main import COMMANDS
from search.cli.options import search_options
from search.cli.parsing import add_debug, add_option

REGENERATE = "python -m search.cli.docs > docs/options.md"
"""The command that writes the page; the page and its test name it."""

PER_MACHINE = "`nproc`"
"""Shown for a default made on each machine (the worker count), so the page is the same on all."""

_DEFAULT = re.compile(r"\s*\(default: (?P<default>[^()]*)\)$")
"""The "(default: ...)" ending a help text, which the page moves to its own column."""


def options_page() -> str:
    """The Markdown of docs/options.md: a row per search option, then the commands."""
    lines = [
        f"<!-- Generated from SearchOptions by `{REGENERATE}`; do not edit by hand. -->",
        "",
        "# Options",
        "",
        "`lstm-search [OPTIONS]` runs a search, or resumes it when run again.",
        "",
        "| option | value | default | meaning |",
        "|---|---|---|---|",
        *(_row(action) for action in _search_parser()._actions),
        "",
        "## Commands",
        "",
        "`lstm-search COMMAND --help` lists a command's own options.",
        "",
        "| command | what it does |",
        "|---|---|",
        *(
            f"| `{name}` | {_cell(_first_sentence(run.__doc__))} |"
            for name, run in COMMANDS.items()
        ),
    ]
    return "\n".join(lines) + "\n"


def _search_parser() -> argparse.ArgumentParser:
    """The search command's options with each default as declared, not as made on this machine."""
    parser = argparse.ArgumentParser(add_help=False)
    for spec in fields(search_options(argparse.Namespace())):
        add_option(parser, spec.name, PER_MACHINE if spec.default is MISSING else spec.default)
    add_debug(parser)
    return parser


def _row(action: argparse.Action) -> str:
    # argparse reads "%%" in a help text as "%"; no help text uses its other % fields.
    text = (action.help or "").replace("%%", "%")
    shown = _DEFAULT.search(text)
    if shown:
        text, default = text[: shown.start()], shown["default"]
    else:
        default = "off" if action.nargs == 0 else ""
    value = ""
    if action.nargs != 0:
        choices = "{" + ",".join(map(str, action.choices)) + "}" if action.choices else None
        value = f"`{action.metavar or choices or action.dest.upper()}`"
    flag = f"`{action.option_strings[0]}`"
    return f"| {flag} | {value} | {_cell(default)} | {_cell(text)} |"


def _first_sentence(doc: str | None) -> str:
    """A command's docstring (its parser's description) on one line, up to its first full stop."""
    return " ".join((doc or "").split()).split(". ")[0]


def _cell(text: str) -> str:
    """Text safe in a Markdown table cell: no HTML read into `<data>`, no column break at `|`."""
    return html.escape(text, quote=False).replace("|", "\\|")


if __name__ == "__main__":
    print(options_page(), end="")
