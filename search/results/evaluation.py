"""The honest score: trained models on the held-out test windows, beside baselines.

All forecast exactly the same windows: the selected model, the refit one, persistence (repeat
the last observed value), seasonal naive (the value one season before each target) and the
classical baselines. MASE divides the MAE by the training rows' in-sample seasonal-naive MAE
(one step back without a season). Errors are given in the data's units and on the scaled series
the model trains on (units / target_step_std).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any, cast

import numpy as np
import pandas as pd
import torch
from torch import nn

from search.data import ForecastDataset
from search.results.metrics import METRICS, SERIES_METRIC, SKILL_METRIC, Windows
from search.training import EVAL_BATCH


@dataclass(frozen=True)
class HeldOutForecasts:
    """Forecasts of every test window, each (N, horizon) in data units; in a panel, the windows
    of every series, stacked."""

    time: pd.DatetimeIndex | None  # (N,) time of each window's first forecast step
    anchors: np.ndarray  # (N,) rows of each window's last observed value
    actual: np.ndarray
    model: np.ndarray | None  # None before a model is scored (the test windows alone)
    persistence: np.ndarray
    seasonal: np.ndarray | None
    season: int | None
    scale: np.ndarray  # (S,) data units per unit of the scaled series, by series
    mase_scale: np.ndarray  # (S,) each series' training rows' one-season-back MAE
    series: np.ndarray  # (N,) position of each window's series (ascending: series by series)
    names: tuple[str, ...]  # the series' names; empty for a single series
    refit: np.ndarray | None = None  # the refit model's, once there is one


@torch.inference_mode()
def model_forecasts(model: nn.Module, dataset: ForecastDataset, seq_len: int) -> np.ndarray:
    """A model's forecasts of every test window, (N, horizon) in data units."""
    model.eval()
    split = dataset.windows(seq_len)["test"]
    changes = [
        model(split.batch(index)[0]).reshape(len(index), -1).double().cpu().numpy()
        for index in torch.arange(len(split), device=split.anchors.device).split(EVAL_BATCH)
    ]
    return dataset.to_units(np.concatenate(changes), split.anchors.cpu().numpy())


def held_out_forecasts(
    model: nn.Module, dataset: ForecastDataset, seq_len: int, season: int | None
) -> HeldOutForecasts:
    """The model's and both naive baselines' forecasts of the test windows."""
    return replace(
        held_out_windows(dataset, seq_len, season), model=model_forecasts(model, dataset, seq_len)
    )


def held_out_windows(
    dataset: ForecastDataset, seq_len: int, season: int | None
) -> HeldOutForecasts:
    """The test windows, their actual values and both naive baselines' forecasts, before any
    model's."""
    values = dataset.series.values[:, 0]
    anchors = dataset.windows(seq_len)["test"].anchors.cpu().numpy()
    series = dataset.part_of(anchors)
    starts = np.array([part.start for part in dataset.parts])[series]
    steps = np.arange(1, dataset.horizon + 1)
    last = values[anchors]
    seasonal = None
    if season is not None:
        # The same point of the latest season that ended before the anchor: steps beyond one
        # season reach back whole seasons, as in Hyndman's seasonal naive method.
        back = season * ((steps - 1) // season + 1)
        rows = anchors[:, None] + steps[None, :] - back[None, :]
        seasonal = values[rows] if (rows >= starts[:, None]).all() else None
    time = dataset.series.time
    mase_scales = []
    for part in dataset.parts:
        train = values[slice(*part.bounds.train)]
        lag = season if season is not None and season < len(train) else 1
        mase_scales.append(float(np.mean(np.abs(train[lag:] - train[:-lag]))))
    return HeldOutForecasts(
        time=time[anchors + 1] if time is not None else None,
        anchors=anchors,
        actual=values[anchors[:, None] + steps[None, :]],
        model=None,
        persistence=np.repeat(last[:, None], dataset.horizon, axis=1),
        seasonal=seasonal,
        season=season if seasonal is not None else None,
        scale=np.array([part.scaling.target_step_std for part in dataset.parts]),
        mase_scale=np.array(mase_scales),
        series=series,
        names=tuple(part.name for part in dataset.parts) if dataset.is_panel else (),
    )


MODELS = ("model", "refit")
"""Forecasts made by trained LSTMs; every other forecast in a score is a baseline."""


def score(
    forecasts: HeldOutForecasts,
    classical: Mapping[str, Mapping[str, object]] | None = None,
    skipped: Mapping[str, str] | None = None,
) -> dict[str, object]:
    """Every metric of the models and each baseline over all windows and steps (see `errors`),
    and each model's skill over persistence and over the best baseline (1 - its SKILL_METRIC /
    theirs). In a panel, also each model's share of the series where its SERIES_METRIC beats
    each baseline's.

    `classical` holds the classical baselines' errors on the same windows (see `errors`), and
    `skipped` the ones left out with the reason.
    """
    methods = {
        "model": forecasts.model,
        "refit": forecasts.refit,
        "persistence": forecasts.persistence,
        "seasonal_naive": forecasts.seasonal,
    }
    # JSON on its way into the stored TestScore (store/records.py), hence Any.
    scored: dict[str, dict[str, Any]] = {
        name: errors(predicted, forecasts)
        for name, predicted in methods.items()
        if predicted is not None
    }
    scored.update({name: dict(own) for name, own in (classical or {}).items()})
    baselines = {name: float(e[SKILL_METRIC]) for name, e in scored.items() if name not in MODELS}
    best = min(baselines, key=baselines.__getitem__)
    for name in MODELS:
        if name in scored:
            error = float(scored[name][SKILL_METRIC])
            scored[name] = {
                **scored[name],
                "skill": _skill(error, baselines["persistence"]),
                "skill_vs_best_baseline": _skill(error, baselines[best]),
            }
            if forecasts.names:
                scored[name]["beats"] = {
                    baseline: _share_beaten(scored[name], scored[baseline])
                    for baseline in baselines
                }
    return {
        **scored,
        "best_baseline": best,
        "skipped": dict(skipped or {}),
        "season": forecasts.season,
        "windows": len(forecasts.actual),
        **({"series": len(forecasts.names)} if forecasts.names else {}),
    }


def _skill(error: float, baseline: float) -> float:
    """1 - error / baseline; a perfect baseline leaves no skill to have (-inf, or 0 if matched)."""
    if baseline > 0:
        return 1 - error / baseline
    return 0.0 if error == 0 else -math.inf


def _share_beaten(model: Mapping[str, object], baseline: Mapping[str, object]) -> float:
    """The share of series where the model's SERIES_METRIC is below the baseline's."""
    ours = cast(Mapping[str, Mapping[str, float]], model["by_series"])
    theirs = cast(Mapping[str, Mapping[str, float]], baseline["by_series"])
    wins = [ours[name][SERIES_METRIC] < theirs[name][SERIES_METRIC] for name in ours]
    return sum(wins) / len(wins)


def errors(predicted: np.ndarray, forecasts: HeldOutForecasts) -> dict[str, Any]:
    """The errors of `predicted` (N, horizon) against the test windows' actual values: each
    metric of METRICS over every window and step, and the MSE of each horizon step (data units).

    In a panel: each metric aggregated as its row says, the MSE by step pooled over every window
    in data units (comparable only where the series share their units), and each series' own
    errors under `by_series`.
    """
    # Each series' windows are consecutive rows.
    bounds = np.searchsorted(forecasts.series, np.arange(len(forecasts.scale) + 1))
    own = [
        _errors(Windows(predicted[start:stop], forecasts.actual[start:stop], scale, naive))
        for start, stop, scale, naive in zip(
            bounds[:-1],
            bounds[1:],
            forecasts.scale.tolist(),
            forecasts.mase_scale.tolist(),
            strict=True,
        )
    ]
    by_step = [float(v) for v in np.mean((predicted - forecasts.actual) ** 2, axis=0)]
    if not forecasts.names:
        return {**own[0], "mse_by_step": by_step}
    pooled = Windows(predicted, forecasts.actual, math.nan, math.nan)
    return {
        **{
            name: metric.function(pooled)
            if metric.aggregate == "pooled"
            else float(np.mean([o[name] for o in own]))
            for name, metric in METRICS.items()
        },
        "mse_by_step": by_step,
        "by_series": {
            name: {key: o[key] for key, metric in METRICS.items() if metric.by_series}
            for name, o in zip(forecasts.names, own, strict=True)
        },
    }


def _errors(windows: Windows) -> dict[str, float]:
    """Every metric of one series' windows."""
    return {name: metric.function(windows) for name, metric in METRICS.items()}
