"""The calendar of a series: its sampling frequency and the season that goes with it."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd

# Rows the frequency is read from: recent enough to follow a change of sampling.
FREQUENCY_ROWS = 50
# Season by pandas frequency: hourly data repeats daily, daily data weekly, business days over
# a working week, weekly, monthly and quarterly data yearly.
SEASON_BY_FREQUENCY = {"h": 24, "D": 7, "B": 5, "W": 52, "MS": 12, "ME": 12, "QS": 4, "QE": 4}
# Without a regular frequency (gaps, irregular stamps), the typical spacing in days decides.
SEASON_BY_SPACING = ((1 / 24, 24), (1, 7), (7, 52), (30.4, 12))
SPACING_TOLERANCE = 0.1


def frequency(time: pd.DatetimeIndex | None) -> str | None:
    """The pandas frequency of the most recent rows ('h', 'B', 'W-SAT', 'MS', ...), if regular."""
    if time is None or len(time) < 3:
        return None
    with warnings.catch_warnings():
        # pandas 3 announces that infer_freq will return an offset; its string is what we use.
        warnings.simplefilter("ignore", FutureWarning)
        warnings.simplefilter("ignore", DeprecationWarning)
        found = pd.infer_freq(time[-FREQUENCY_ROWS:])
    return None if found is None else getattr(found, "freqstr", found)


def infer_season(time: pd.DatetimeIndex | None) -> int | None:
    """Steps per season from the series' frequency, else its typical spacing; None if unknown."""
    found = frequency(time)
    if found is not None:
        base = found.split("-")[0].lstrip("0123456789")
        if found[0].isdigit():  # every 2 hours, 15 minutes...: no season of ours fits
            return None
        return SEASON_BY_FREQUENCY.get(base)
    if time is None or len(time) < 2:
        return None
    days = float(np.median((time[1:] - time[:-1]).total_seconds())) / 86_400
    for spacing, season in SEASON_BY_SPACING:
        if abs(days - spacing) <= SPACING_TOLERANCE * spacing:
            return season
    return None
