"""An option's value from its text: typed, or refused with the rule it breaks.

Each is an argparse `type`: SearchOptions declares it beside its field (run/options.py), so the
command line reads every option as the field's type. Moved whole from cli/parsing.py, which
run/ cannot import.
"""

from __future__ import annotations

import argparse
import math


def positive_int(text: str) -> int:
    """An integer of at least 1."""
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, but got {value}")
    return value


MAX_TRIALS = 1_000_000
"""The most trials a study may aim for: a million trials of the smallest model take weeks of
one machine, and a larger count is a typo (Optuna keeps every trial in its tables)."""


def trial_count(text: str) -> int:
    """A number of trials, from 1 to MAX_TRIALS."""
    value = positive_int(text)
    if value > MAX_TRIALS:
        raise argparse.ArgumentTypeError(
            f"must be at most {MAX_TRIALS:,}, but got {value}; ask for fewer trials (run the "
            "same command again with a larger --trials to go on later)"
        )
    return value


def windows_or_off(text: str) -> int | None:
    """A number of windows of at least 1; 0 turns the bound off (None)."""
    value = int(text)
    if value < 0:
        raise argparse.ArgumentTypeError(
            f"must be 0 (whole epochs) or a number of windows such as 2048, but got {value}"
        )
    return value or None


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


def column_list(text: str) -> tuple[str, ...]:
    """Comma-separated column names."""
    return tuple(name.strip() for name in text.split(",") if name.strip())


def fractions(text: str) -> tuple[float, float, float]:
    """Three comma-separated fractions."""
    parts = text.split(",")
    if len(parts) != 3:
        raise argparse.ArgumentTypeError(f"needs three fractions TRAIN,VAL,TEST, but got {text!r}")
    train, val, test = (float(p) for p in parts)
    if not all(math.isfinite(v) and v > 0 for v in (train, val, test)):
        raise argparse.ArgumentTypeError(
            f"needs three positive, finite fractions TRAIN,VAL,TEST, but got {text!r}"
        )
    return train, val, test
