"""CSV to a validated series, and the series to split, scaled model windows."""

from __future__ import annotations

from search.data.calendar import frequency
from search.data.csvfile import clipped
from search.data.series import Series, bundled_name, data_name, load_series
from search.data.windows import (
    HORIZON,
    SPLIT,
    ForecastDataset,
    ModelScaling,
    Scaling,
    WindowSplit,
)

__all__ = [
    "HORIZON",
    "SPLIT",
    "ForecastDataset",
    "ModelScaling",
    "Scaling",
    "Series",
    "WindowSplit",
    "bundled_name",
    "clipped",
    "data_name",
    "frequency",
    "load_series",
]
