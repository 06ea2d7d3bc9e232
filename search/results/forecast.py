"""The forecast of the steps after the end of a study's series, by the model it hands out: what
`lstm-search predict` prints and `SearchResult.predict` returns."""

from __future__ import annotations

from dataclasses import dataclass

import optuna
import pandas as pd
from torch import nn

from search.data import Scaling, Series, frequency
from search.errors import ConfigError, DataError
from search.results.scores import handed_model, study_series
from search.training import Checkpoint, forecast_next, rebuild


@dataclass(frozen=True)
class Forecast:
    """A forecast (a row per step; for a panel, long format with the series id), the series it
    continues, which model made it, and a panel's series it could not forecast."""

    frame: pd.DataFrame
    series: Series
    what: str
    left_out: tuple[str, ...]


def forecast_study(
    study: optuna.Study,
    url: str,
    data: str | None = None,
    series_id: str | None = None,
    refit: bool = False,
) -> Forecast:
    """Forecast after the end of the study's series (read from `data` if given), of every
    series of a panel or only `series_id`, by the handed model (or its refit)."""
    _, checkpoint, what = handed_model(study, url, refit)
    series = study_series(study, data)
    parts = series.parts
    if series_id is not None:
        if not series.ids:
            raise ConfigError(
                f"study {study.study_name!r} was searched on one series, not a panel; drop --series"
            )
        checkpoint.series_scaling(series_id)  # refuses a series the model was not trained on
        parts = [part for part in parts if part[0] == series_id]
        if not parts:
            raise DataError(
                f"series {series_id!r} is not in the data; pass --data with a file that has it"
            )
    model = rebuild(checkpoint)
    frames, left_out = [], []
    trained_on = () if isinstance(checkpoint.scaling, Scaling) else checkpoint.scaling
    for name, start, stop in parts:
        if series.ids and name not in trained_on:
            left_out.append(name)  # left out of the search, so the model has no scaling for it
            continue
        frames.append(_forecast_frame(checkpoint, model, series, name, start, stop))
    return Forecast(pd.concat(frames), series, what, tuple(left_out))


def handed_module(study: optuna.Study, url: str, refit: bool = False) -> nn.Module:
    """The PyTorch module of the model the study hands out (see `handed_model`)."""
    return rebuild(handed_model(study, url, refit)[1])


def _forecast_frame(
    checkpoint: Checkpoint, model: nn.Module, series: Series, name: str, start: int, stop: int
) -> pd.DataFrame:
    """The forecast after one series' last row: a row per step, with its time where known and,
    for a panel, the series id (long format)."""
    values = series.values[start:stop]
    seq_len = checkpoint.seq_len
    if len(values) <= seq_len:
        where = f"series {name!r} has" if series.ids else "the data has"
        raise DataError(
            f"the model reads {seq_len + 1} rows but {where} {len(values)}; pass a longer --data "
            "file"
        )
    forecast = pd.DataFrame(
        {series.target: forecast_next(checkpoint, values, name if series.ids else None, model)}
    )
    forecast.index = pd.RangeIndex(1, len(forecast) + 1, name="step")
    if series.time is not None:
        forecast.insert(0, "time", future_times(series.time[start:stop], len(forecast)))
    if series.ids:
        forecast = forecast.reset_index()
        forecast.insert(0, str(series.id_col), name)
    return forecast


def future_times(time: pd.DatetimeIndex, steps: int) -> pd.DatetimeIndex:
    """The `steps` timestamps after the last one, at the series' own frequency."""
    step = frequency(time) or (time[-1] - time[-2])
    return pd.date_range(time[-1], periods=steps + 1, freq=step)[1:]
