"""The honest score: a trained model on the held-out test windows, beside two naive baselines.

All three forecast exactly the same windows: the model, persistence (repeat the last observed
value) and seasonal naive (the value one season before each target). Errors are given in the
data's units and on the scaled series the model trains on (units / target_step_std).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import torch
from torch import nn

from search.data.windows import ForecastDataset
from search.training.train import EVAL_BATCH


@dataclass(frozen=True)
class HeldOutForecasts:
    """Forecasts of every test window, each (N, horizon) in data units."""

    time: pd.DatetimeIndex | None  # (N,) time of each window's first forecast step
    actual: np.ndarray
    model: np.ndarray
    persistence: np.ndarray
    seasonal: np.ndarray | None
    season: int | None
    scale: float  # data units per unit of the scaled series


@torch.inference_mode()
def held_out_forecasts(
    model: nn.Module, dataset: ForecastDataset, seq_len: int, season: int | None
) -> HeldOutForecasts:
    """The model's and both baselines' forecasts of the test windows."""
    model.eval()
    split = dataset.windows(seq_len)["test"]
    values = dataset.series.values[:, 0]
    anchors = split.anchors.cpu().numpy()
    steps = np.arange(1, dataset.horizon + 1)
    changes = [
        model(split.batch(index)[0]).reshape(len(index), -1).double().cpu().numpy()
        for index in torch.arange(len(split), device=split.anchors.device).split(EVAL_BATCH)
    ]
    last = values[anchors]
    scaling = dataset.scaling
    seasonal = None
    if season is not None:
        # The same point of the latest season that ended before the anchor: steps beyond one
        # season reach back whole seasons, as in Hyndman's seasonal naive method.
        back = season * ((steps - 1) // season + 1)
        rows = anchors[:, None] + steps[None, :] - back[None, :]
        seasonal = values[rows] if rows.min() >= 0 else None
    time = dataset.series.time
    return HeldOutForecasts(
        time=time[anchors + 1] if time is not None else None,
        actual=values[anchors[:, None] + steps[None, :]],
        model=scaling.to_units(np.concatenate(changes), last),
        persistence=np.repeat(last[:, None], dataset.horizon, axis=1),
        seasonal=seasonal,
        season=season if seasonal is not None else None,
        scale=scaling.target_step_std,
    )


def score(forecasts: HeldOutForecasts) -> dict[str, object]:
    """MSE and MAE of the model and each baseline over all windows and steps, the MSE of each
    horizon step, and the model's skill over persistence."""
    methods = {
        "model": forecasts.model,
        "persistence": forecasts.persistence,
        "seasonal_naive": forecasts.seasonal,
    }
    errors = {
        name: _errors(predicted - forecasts.actual, forecasts.scale)
        for name, predicted in methods.items()
        if predicted is not None
    }
    return {
        **errors,
        "skill": 1 - errors["model"]["mse"] / errors["persistence"]["mse"],
        "season": forecasts.season,
        "windows": len(forecasts.actual),
    }


def _errors(error: np.ndarray, scale: float) -> dict[str, object]:
    """Errors over every window and step, and the MSE of each horizon step (data units)."""
    mse, mae = float(np.mean(error**2)), float(np.mean(np.abs(error)))
    by_step = [float(v) for v in np.mean(error**2, axis=0)]
    return {
        "mse": mse,
        "mae": mae,
        "mse_scaled": mse / scale**2,
        "mae_scaled": mae / scale,
        "mse_by_step": by_step,
    }
