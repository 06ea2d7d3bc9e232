"""The test score's metrics, one row each: the score, its tables, JSON and plots derive from it.

A metric is computed from forecasts and actual values (each (N, horizon) in data units) and, where
it needs them, the series' scales: the data units per unit of the scaled series the model trains
on, and MASE's denominator, the training rows' in-sample seasonal-naive MAE (one step back
without a season). In a panel, a pooled metric is computed once over every window of every series
(comparable only where the series share their units), and a series-mean one is the mean of the
series' own, so that each series counts alike. A stored score keeps each metric under its name:
renaming a row makes the scores stored before unreadable.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

import numpy as np

Aggregate = Literal["pooled", "series mean"]
Forecast = Literal["model", "refit", "persistence"]


@dataclass(frozen=True)
class Windows:
    """Forecasts of test windows beside their actual values: one series', or a panel's pooled."""

    predicted: np.ndarray  # (N, horizon) data units
    actual: np.ndarray  # (N, horizon) data units
    scale: float  # data units per unit of the scaled series; NaN when pooled over a panel
    naive_mae: float  # the training rows' seasonal-naive MAE; NaN when pooled over a panel

    @property
    def error(self) -> np.ndarray:
        """Forecast minus actual, (N, horizon)."""
        error: np.ndarray = self.predicted - self.actual
        return error


@dataclass(frozen=True)
class Metric:
    """One error measure of the test score, and how it is aggregated and shown."""

    name: str  # the key it is stored under in the test score
    function: Callable[[Windows], float]
    aggregate: Aggregate  # over a panel; pooled metrics never see a series' scale
    label: str
    unit: str  # "" for a ratio without units
    by_series: bool = False  # also kept for each series of a panel (`by_series`)
    drawn: tuple[Literal["series", "panel"], ...] = ()  # a bar chart in `report`, for which data
    studies: tuple[Forecast, ...] = ()  # columns of the `studies` table, by forecast

    def axis_label(self, panel: bool) -> str:
        """The metric's name on a plot of a test score; `panel` if it is a panel's."""
        notes = [self.unit] if self.unit else []
        if panel and self.aggregate == "series mean":
            notes.append("mean of the series'")
        return f"test {self.label}" + (f" ({', '.join(notes)})" if notes else "")


def _mse(windows: Windows) -> float:
    return float(np.mean(windows.error**2))


def _mae(windows: Windows) -> float:
    return float(np.mean(np.abs(windows.error)))


def _smape(windows: Windows) -> float:
    with np.errstate(invalid="ignore"):
        ratio = 200 * np.abs(windows.error) / (np.abs(windows.predicted) + np.abs(windows.actual))
    ratio[np.isnan(ratio)] = 0.0  # both zero: a perfect forecast
    return float(np.mean(ratio))


METRICS: dict[str, Metric] = {
    metric.name: metric
    for metric in (
        Metric("mse", _mse, "pooled", "MSE", "data units", drawn=("series",), studies=("model",)),
        Metric("mae", _mae, "pooled", "MAE", "data units", by_series=True),
        Metric(
            "mase",
            lambda w: _mae(w) / w.naive_mae,
            "series mean",
            "MASE",
            "",
            by_series=True,
            drawn=("series", "panel"),
            studies=("model", "refit", "persistence"),
        ),
        Metric("smape", _smape, "series mean", "sMAPE", "%", by_series=True),
        Metric(
            "mse_scaled",
            lambda w: _mse(w) / w.scale**2,
            "series mean",
            "MSE",
            "scaled",
            by_series=True,
            drawn=("panel",),
        ),
        Metric("mae_scaled", lambda w: _mae(w) / w.scale, "series mean", "MAE", "scaled"),
    )
}
"""Every metric of the test score, in the order tables show them."""

SKILL_METRIC = "mse_scaled"
"""Skill and the best baseline are judged on it: on the scaled series each series of a panel
counts alike, and for one series it ranks as the MSE in data units does."""

SERIES_METRIC = "mase"
"""A panel's series are compared on it: which the model beats, and which it forecasts worst."""


def aggregation() -> str:
    """Words saying how a panel's score aggregates each metric."""
    pooled = [m.name for m in METRICS.values() if m.aggregate == "pooled"]
    means = [m.name for m in METRICS.values() if m.aggregate == "series mean"]
    return (
        f"{', '.join(pooled)} pooled over every window; "
        f"{', '.join(means)} the mean of the series' own"
    )
