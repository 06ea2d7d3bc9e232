"""Argument parsing shared by every command: one-line usage errors and typed options."""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import re
from collections.abc import Iterator
from pathlib import Path
from typing import NoReturn

import optuna

from search.errors import ConfigError
from search.run import SearchOptions, declared, positive_int
from search.store import load_named_study, storage_url

OPTIONS = dict(declared())


class OneLineParser(argparse.ArgumentParser):
    """Usage errors as one line naming the fix, exit code 2."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: error: {message}; see {self.prog} --help\n")


def add_option(
    parser: argparse.ArgumentParser, name: str, default: object, help: str | None = None
) -> None:
    """The option of SearchOptions' field `name` as the field declares it, with `default`
    shown in its help (`help` replaces the declared one)."""
    option = OPTIONS[name]
    flag = "--" + name.replace("_", "-")
    text = (help or option.help).format(default=_shown(default))
    if isinstance(default, bool):
        # A switch turns the default around: --quiet for False, --no-NAME for True.
        switch = f"--no-{flag[2:]}" if default else flag
        action = "store_false" if default else "store_true"
        parser.add_argument(switch, dest=name, action=action, help=text)
        return
    parser.add_argument(
        flag,
        type=option.type or str,
        choices=option.choices,
        metavar=option.metavar,
        default=default,
        help=text,
    )


def _shown(default: object) -> object:
    return ",".join(map(str, default)) if isinstance(default, tuple) else default


def add_debug(parser: argparse.ArgumentParser) -> None:
    """The --debug option every command has."""
    parser.add_argument("--debug", action="store_true", help="tracebacks on errors")


def command_parser(name: str, help_text: str | None) -> OneLineParser:
    """A subcommand's parser with the options every subcommand has: --storage and --debug."""
    parser = OneLineParser(prog=f"lstm-search {name}", description=help_text)
    add_option(parser, "storage", SearchOptions.storage)
    add_debug(parser)
    return parser


def study_parser(name: str, help_text: str | None) -> OneLineParser:
    """The parser of a subcommand that reads one study back: `lstm-search NAME STUDY`."""
    parser = command_parser(name, help_text)
    parser.add_argument("study")
    return parser


def open_named_study(args: argparse.Namespace) -> tuple[optuna.Study, str]:
    """The study `args.study` names in the storage of `args.storage`, and that storage's URL."""
    url = storage_url(args.storage)
    return load_named_study(args.study, url), url


def output_file(text: str) -> Path:
    """A file to write: its directory must exist and it must not be a directory itself."""
    path = Path(text)
    if path.is_dir():
        raise argparse.ArgumentTypeError(f"{text!r} is a directory; name a file in it")
    return _in_existing_directory(path)


def output_dir(text: str) -> Path:
    """A directory to write into: it may be created, but its parent must exist."""
    path = Path(text)
    if path.exists() and not path.is_dir():
        raise argparse.ArgumentTypeError(f"{text!r} is a file; name a directory")
    return _in_existing_directory(path)


def _in_existing_directory(path: Path) -> Path:
    if not path.parent.is_dir():
        raise argparse.ArgumentTypeError(
            f"directory {str(path.parent)!r} does not exist; create it or write elsewhere"
        )
    return path


MAX_FILE_NAME_CHARS = 100
"""Longest file name made from a study name: well under the usual 255-byte limit, with room for
a prefix and an extension."""


def file_name(study_name: str) -> str:
    """A study name made safe as a file name in the working directory (no path, no dots first,
    a long name cut and told apart from others by a digest of the whole)."""
    safe = re.sub(r"[^A-Za-z0-9._-]", "_", study_name).lstrip(".") or "study"
    if len(safe) <= MAX_FILE_NAME_CHARS:
        return safe
    digest = hashlib.sha256(study_name.encode()).hexdigest()[:12]
    return f"{safe[: MAX_FILE_NAME_CHARS - len(digest) - 1]}-{digest}"


@contextlib.contextmanager
def writing(path: Path, option: str) -> Iterator[None]:
    """Turn a failure to write `path` (the command's output) into a one-line error naming the
    option that sets it; a place that cannot be written is found only by writing there."""
    try:
        yield
    except OSError as error:
        raise ConfigError(
            f"cannot write {str(path)!r} ({error.strerror or error}); pass {option} a place "
            "you can write"
        ) from None


def add_data_options(parser: argparse.ArgumentParser, season: bool = False) -> None:
    """--data for commands that read a study's data again, and --season for those that score."""
    parser.add_argument("--data", help="CSV file (default: the file the study was searched on)")
    if season:
        parser.add_argument(
            "--season", type=positive_int, help="steps per season for the seasonal-naive baseline"
        )
