"""Test scoring: the model and both baselines on the same held-out windows."""

import numpy as np
import pandas as pd
import pytest
import torch
from torch import nn

from search.data.calendar import infer_season
from search.data.series import Series
from search.data.windows import ForecastDataset
from search.results.evaluation import HeldOutForecasts, errors, held_out_forecasts, score
from search.training.train import evaluate


def make_series(values: np.ndarray, time: pd.DatetimeIndex | None = None) -> Series:
    return Series("s", values.reshape(-1, 1), ("y",), time, 0, 0, "f")


class Constant(nn.Module):
    """Forecasts the same scaled change for every window: a model with a known error."""

    def __init__(self, horizon: int, change: float) -> None:
        super().__init__()
        self.out = torch.full((1, horizon, 1), change)

    def forward(self, inputs: torch.Tensor) -> torch.Tensor:
        return self.out.expand(len(inputs), -1, -1)


@pytest.mark.parametrize(
    ("spacing", "season"),
    [("h", 24), ("D", 7), ("B", 5), ("W-SAT", 52), ("MS", 12), ("ME", 12), ("min", None)],
)
def test_season_follows_the_spacing_of_the_time_column(spacing: str, season: int | None) -> None:
    assert infer_season(pd.date_range("2020-01-01", periods=40, freq=spacing)) == season


def test_no_time_column_means_no_season() -> None:
    assert infer_season(None) is None


def test_seasonal_naive_is_exact_on_a_periodic_series_and_persistence_is_not() -> None:
    t = np.arange(300)
    ds = ForecastDataset(make_series(np.sin(2 * np.pi * t / 7)), horizon=3)
    forecasts = held_out_forecasts(Constant(3, 0.0), ds, seq_len=10, season=7)
    result = score(forecasts)
    assert result["seasonal_naive"]["mse"] == pytest.approx(0, abs=1e-20)
    assert result["persistence"]["mse"] > 0.1
    # A model that always forecasts no change is persistence, so it has no skill.
    assert result["model"]["mse"] == pytest.approx(result["persistence"]["mse"])
    assert result["model"]["skill"] == pytest.approx(0, abs=1e-12)
    # Seasonal naive is exact here: the best baseline, which no model can beat.
    assert result["best_baseline"] == "seasonal_naive"
    assert result["model"]["skill_vs_best_baseline"] < -1e6


def test_mase_divides_by_the_training_rows_seasonal_naive_error_and_skill_uses_the_best() -> None:
    rng = np.random.default_rng(3)
    t = np.arange(400)
    values = 10 * np.sin(2 * np.pi * t / 7) + np.cumsum(rng.normal(0, 1, 400))
    ds = ForecastDataset(make_series(values), horizon=2)
    forecasts = held_out_forecasts(Constant(2, 0.1), ds, seq_len=14, season=7)
    train = values[: ds.bounds.train[1]]
    np.testing.assert_allclose(forecasts.mase_scale, np.mean(np.abs(train[7:] - train[:-7])))
    step_std = ds.scaling.target_step_std
    classical = {
        "auto_ets": {"mse": 1e-3, "mae": 0.01, "mase": 0.001, "mse_scaled": 1e-3 / step_std**2}
    }
    result = score(forecasts, classical, {"mstl": "no season"})
    for name in ("model", "persistence", "seasonal_naive"):
        assert result[name]["mase"] == pytest.approx(result[name]["mae"] / forecasts.mase_scale[0])
    assert result["best_baseline"] == "auto_ets" and result["auto_ets"] == classical["auto_ets"]
    model = result["model"]
    assert model["skill_vs_best_baseline"] == pytest.approx(1 - model["mse"] / 1e-3)
    assert model["skill"] == pytest.approx(1 - model["mse"] / result["persistence"]["mse"])
    assert result["skipped"] == {"mstl": "no season"}


def test_errors_in_units_and_scaled_agree_with_the_training_loss() -> None:
    rng = np.random.default_rng(1)
    ds = ForecastDataset(make_series(np.cumsum(rng.normal(0.5, 2.0, 400))), horizon=2)
    model = Constant(2, 0.25)
    result = score(held_out_forecasts(model, ds, seq_len=12, season=None))
    step_std = ds.scaling.target_step_std
    assert result["model"]["mse_scaled"] == pytest.approx(result["model"]["mse"] / step_std**2)
    assert result["model"]["mae_scaled"] == pytest.approx(result["model"]["mae"] / step_std)
    # The scaled test MSE is the loss the trainer's own evaluation reports on the test split.
    assert result["model"]["mse_scaled"] == pytest.approx(
        evaluate(model, ds.windows(12)["test"]), rel=1e-5
    )
    assert "seasonal_naive" not in result and result["season"] is None
    assert result["windows"] == len(ds.windows(12)["test"])


def test_forecasts_in_units_are_changes_from_the_last_value() -> None:
    t = np.arange(200, dtype=float)
    ds = ForecastDataset(make_series(2 * t + np.sin(t)))
    forecasts = held_out_forecasts(Constant(1, 1.5), ds, seq_len=5, season=None)
    step_std = ds.scaling.target_step_std
    np.testing.assert_allclose(forecasts.model, forecasts.persistence + 1.5 * step_std)
    # Consecutive windows: each one's last observed value is the previous one's actual.
    np.testing.assert_allclose(forecasts.persistence[1:, 0], forecasts.actual[:-1, 0])
    assert forecasts.time is None


def test_a_panels_scores_are_each_series_own_and_their_mean() -> None:
    rng = np.random.default_rng(5)
    t = np.arange(300)
    time = pd.date_range("2024-01-01", periods=300, freq="D")
    walks = {
        name: size * (np.sin(2 * np.pi * t / 7) + np.cumsum(rng.normal(0, 0.5, 300)))
        for name, size in (("large", 1000.0), ("small", 0.01), ("mid", 3.0))
    }
    panel = Series(
        "p",
        np.concatenate(list(walks.values())).reshape(-1, 1),
        ("y",),
        time.append([time, time]),
        0,
        0,
        "f",
        ids=tuple(walks),
        starts=(0, 300, 600),
        id_col="id",
    )
    model = Constant(2, 0.3)
    result = score(held_out_forecasts(model, ForecastDataset(panel, horizon=2), 10, season=7))
    assert result["series"] == 3 and result["windows"] == 3 * 44
    alone = {
        name: score(
            held_out_forecasts(model, ForecastDataset(make_series(v, time), horizon=2), 10, 7)
        )
        for name, v in walks.items()
    }
    for method in ("model", "persistence", "seasonal_naive"):
        for key in ("mase", "smape", "mse_scaled"):
            own = [alone[name][method][key] for name in walks]
            by_series = [result[method]["by_series"][name][key] for name in walks]
            assert by_series == pytest.approx(own)
            assert result[method][key] == pytest.approx(np.mean(own))
        own_mae = [alone[name][method]["mae_scaled"] for name in walks]
        assert result[method]["mae_scaled"] == pytest.approx(np.mean(own_mae))
    # Pooled in data units, the large series is all there is; scaled, each counts alike.
    assert result["model"]["mse"] == pytest.approx(
        np.mean([a["model"]["mse"] for a in alone.values()])
    )
    beaten = np.mean([a["model"]["mase"] < a["persistence"]["mase"] for a in alone.values()])
    assert result["model"]["beats"]["persistence"] == pytest.approx(beaten)
    assert result["model"]["skill"] == pytest.approx(
        1 - result["model"]["mse_scaled"] / result["persistence"]["mse_scaled"]
    )


def panel_forecasts(model: np.ndarray | None = None, persistence: float = 0.0) -> HeldOutForecasts:
    """Two series, "a" with one test window and "b" with three, of a panel of zeros (series
    scales 1 and 2, MASE scales 1 and 4)."""
    actual = np.zeros((4, 1))
    return HeldOutForecasts(
        time=None,
        anchors=np.arange(4),
        actual=actual,
        model=model,
        persistence=actual + persistence,
        seasonal=None,
        season=None,
        scale=np.array([1.0, 2.0]),
        mase_scale=np.array([1.0, 4.0]),
        series=np.array([0, 1, 1, 1]),
        names=("a", "b"),
    )


def test_a_panels_scaled_errors_weigh_each_series_alike_whatever_its_windows() -> None:
    # Series "a" has one test window, "b" three: pooled over windows, "b" would count 3 times.
    result = errors(np.array([[1.0], [4.0], [4.0], [4.0]]), panel_forecasts())
    assert result["mae_scaled"] == pytest.approx((1 / 1 + 4 / 2) / 2)
    assert result["mse_scaled"] == pytest.approx((1 / 1 + 16 / 4) / 2)
    assert result["mase"] == pytest.approx((1 / 1 + 4 / 4) / 2)
    assert result["mae"] == pytest.approx(13 / 4)  # pooled in data units
