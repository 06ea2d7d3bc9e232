"""Argument parsing shared by every command: one-line usage errors and typed options."""

from __future__ import annotations

import argparse
import math
import re
from pathlib import Path

from search.store import DEFAULT_STORAGE, STORAGE_ENV


class OneLineParser(argparse.ArgumentParser):
    """Usage errors as one line naming the fix, exit code 2."""

    def error(self, message: str) -> None:  # type: ignore[override]
        self.exit(2, f"{self.prog}: error: {message}; see {self.prog} --help\n")


def add_storage(parser: argparse.ArgumentParser) -> None:
    """The --storage option every command shares."""
    parser.add_argument(
        "--storage", help=f"SQLAlchemy URL (default: ${STORAGE_ENV} or {DEFAULT_STORAGE})"
    )


def command_parser(name: str, help_text: str | None) -> OneLineParser:
    """A subcommand's parser with the options every subcommand has: --storage and --debug."""
    parser = OneLineParser(prog=f"lstm-search {name}", description=help_text)
    add_storage(parser)
    parser.add_argument("--debug", action="store_true", help="tracebacks on errors")
    return parser


def positive_int(text: str) -> int:
    """An integer of at least 1."""
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, but got {value}")
    return value


def seconds_or_off(text: str) -> float | None:
    """A time limit in seconds; 0 turns it off (None)."""
    value = float(text)
    if not math.isfinite(value) or value < 0:
        raise argparse.ArgumentTypeError(
            f"must be 0 (no limit) or a finite number of seconds, but got {text!r}"
        )
    return value or None


def work_or_off(text: str) -> float | None:
    """A work budget in parameter-windows (e.g. 1e10); 0 turns it off (None)."""
    value = float(text)
    if not math.isfinite(value) or value < 0:
        raise argparse.ArgumentTypeError(
            f"must be 0 (the epoch cap alone) or a finite number of parameter-windows such as "
            f"1e10, but got {text!r}"
        )
    return value or None


def seconds(text: str) -> float:
    """A finite, non-negative number of seconds."""
    value = float(text)
    if not math.isfinite(value) or value < 0:
        raise argparse.ArgumentTypeError(
            f"must be a finite number of seconds >= 0, but got {text!r}"
        )
    return value


def seed(text: str) -> int:
    """A seed NumPy and PyTorch both accept: 0 <= seed < 2**32."""
    value = int(text)
    if not 0 <= value < 2**32:
        raise argparse.ArgumentTypeError(f"must be in [0, 2**32), but got {value}")
    return value


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


def file_name(study_name: str) -> str:
    """A study name made safe as a file name in the working directory (no path, no dots first)."""
    safe = re.sub(r"[^A-Za-z0-9._-]", "_", study_name).lstrip(".")
    return safe or "study"


def column_list(text: str) -> tuple[str, ...]:
    """Comma-separated column names."""
    return tuple(name.strip() for name in text.split(",") if name.strip())


def fractions(text: str) -> tuple[float, float, float]:
    """Three comma-separated fractions."""
    parts = text.split(",")
    if len(parts) != 3:
        raise argparse.ArgumentTypeError(f"needs three fractions TRAIN,VAL,TEST, but got {text!r}")
    values = tuple(float(p) for p in parts)
    if not all(math.isfinite(v) and v > 0 for v in values):
        raise argparse.ArgumentTypeError(
            f"needs three positive, finite fractions TRAIN,VAL,TEST, but got {text!r}"
        )
    return values  # type: ignore[return-value]


def add_data_options(parser: argparse.ArgumentParser, season: bool = False) -> None:
    """--data for commands that read a study's data again, and --season for those that score."""
    parser.add_argument("--data", help="CSV file (default: the file the study was searched on)")
    if season:
        parser.add_argument(
            "--season", type=positive_int, help="steps per season for the seasonal-naive baseline"
        )
