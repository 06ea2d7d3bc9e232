"""What a finished study tells its users: the best model's honest test score beside baselines."""

from __future__ import annotations

from search.results.best import BestModel, read_best, require_best
from search.results.evaluation import MODELS, HeldOutForecasts, errors
from search.results.forecast import Forecast, forecast_study, handed_module
from search.results.metrics import METRICS, SERIES_METRIC, Metric, Windows, aggregation
from search.results.note import write_note
from search.results.refit import refit_best
from search.results.score_rows import forecasters, score_rows, series_rows, skill_lines, step_rows
from search.results.scores import (
    best_held_out_forecasts,
    best_score,
    fit_baselines,
    handed_model,
    record_source,
    study_dataset,
    study_series,
)

__all__ = [
    "METRICS",
    "MODELS",
    "SERIES_METRIC",
    "BestModel",
    "Forecast",
    "HeldOutForecasts",
    "Metric",
    "Windows",
    "aggregation",
    "best_held_out_forecasts",
    "best_score",
    "errors",
    "fit_baselines",
    "forecast_study",
    "forecasters",
    "handed_model",
    "handed_module",
    "read_best",
    "record_source",
    "refit_best",
    "require_best",
    "score_rows",
    "series_rows",
    "skill_lines",
    "step_rows",
    "study_dataset",
    "study_series",
    "write_note",
]
