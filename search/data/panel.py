"""A panel in long format: which rows of the table belong to which series, in time order.

The convention of statsforecast and NeuralForecast: one row per (series id, time), any number of
series stacked in any order. Each series is then read like a single one (`series.py`).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from search.errors import DataError


def panel_rows(
    ids: pd.Series, time: pd.DatetimeIndex, id_col: str, time_col: str
) -> list[tuple[str, np.ndarray]]:
    """Each series' name and its table rows in time order, series in order of first appearance.

    Refuses a row without an id and a (series, time) pair that appears twice: either would put
    a value in the wrong series or the wrong place.
    """
    names = ids.to_numpy(dtype=str)
    empty = np.flatnonzero(np.char.str_len(np.char.strip(names)) == 0)
    if len(empty):
        raise DataError(
            f"line {empty[0] + 2} has no series id in column {id_col!r}; fill it in or "
            "remove the row"
        )
    codes, uniques = pd.factorize(names)
    order = np.lexsort((time.asi8, codes))
    ordered_codes, ordered_time = codes[order], time.asi8[order]
    repeated = np.flatnonzero((np.diff(ordered_codes) == 0) & (np.diff(ordered_time) == 0))
    if len(repeated):
        first, second = sorted(order[repeated[0] : repeated[0] + 2])
        raise DataError(
            f"series {str(uniques[codes[first]])!r} has {time[first]} twice in {time_col!r} (lines "
            f"{first + 2} and {second + 2}): a duplicate ({id_col}, {time_col}) pair; remove or "
            "aggregate the repeated rows"
        )
    bounds = np.searchsorted(ordered_codes, np.arange(len(uniques) + 1))
    return [(str(name), order[bounds[i] : bounds[i + 1]]) for i, name in enumerate(uniques)]
