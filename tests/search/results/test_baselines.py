"""Test the classical baselines: real statsforecast fits, in real worker processes."""

import multiprocessing
import os
import sys
from pathlib import Path

import numpy as np
import pytest
from statsforecast.models import MSTL, AutoETS, AutoTheta

from search.data.calendar import infer_season
from search.data.series import load_series
from search.data.windows import ForecastDataset
from search.results.baselines import CLASSICAL, LABELS, Classical, classical_forecasts, label

SEASON, HORIZON = 7, 3
ANCHORS = np.arange(254, 300 - HORIZON)  # the evaluation's test windows of 300 rows (last 15%)
STEPS = np.arange(1, HORIZON + 1)


def seasonal_series() -> np.ndarray:
    """300 rows: a rising trend times a weekly season, plus a little noise.

    Seasonal naive misses by a week's growth (about 3.5) and persistence by the season's swing;
    every model here estimates both, so each must beat both naive methods by far.
    """
    t = np.arange(300)
    noise = np.random.default_rng(0).normal(0, 0.2, 300)
    return (100 + 0.5 * t) * (1 + 0.05 * np.sin(2 * np.pi * t / SEASON)) + noise


def mse(forecasts: np.ndarray, values: np.ndarray, anchors: np.ndarray = ANCHORS) -> float:
    steps = np.arange(1, forecasts.shape[1] + 1)
    return float(np.mean((forecasts - values[anchors[:, None] + steps]) ** 2))


def statsforecast_models() -> dict[str, object]:
    """The models as the docstring of classical_forecasts describes them, built here again."""
    return {
        "auto_ets": AutoETS(season_length=SEASON),
        "auto_theta": AutoTheta(season_length=SEASON),
        "mstl": MSTL(season_length=SEASON, trend_forecaster=AutoETS(model="ZZN")),
    }


def child_pids() -> set[int]:
    """Processes whose parent is this one, zombies included, from /proc."""
    found = set()
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            state_and_parent = stat.read_text().rsplit(")", 1)[1].split()[:2]
            command = (stat.parent / "cmdline").read_bytes()
        except OSError:
            continue  # it ended while we looked
        # multiprocessing's resource tracker: one per parent, shared, ends with it.
        if int(state_and_parent[1]) == os.getpid() and b"resource_tracker" not in command:
            found.add(int(stat.parent.name))
    return found


@pytest.fixture(scope="module")
def series() -> np.ndarray:
    return seasonal_series()


@pytest.fixture(scope="module")
def classical(series: np.ndarray) -> Classical:
    return classical_forecasts([(series, ANCHORS)], HORIZON, SEASON)


def test_labels_name_the_season() -> None:
    assert tuple(LABELS) == CLASSICAL
    assert label("auto_ets", 52) == "AutoETS (season 52)"
    assert label("mstl", None) == "MSTL"


def test_each_model_forecasts_every_window_and_beats_both_naive_methods(
    series: np.ndarray, classical: Classical
) -> None:
    assert classical.skipped == {}
    assert tuple(classical.forecasts) == CLASSICAL
    seasonal_naive = mse(series[ANCHORS[:, None] + STEPS - SEASON], series)
    persistence = mse(np.repeat(series[ANCHORS, None], HORIZON, axis=1), series)
    for key, forecasts in classical.forecasts.items():
        assert forecasts.shape == (len(ANCHORS), HORIZON)
        assert forecasts.dtype == np.float64
        assert np.isfinite(forecasts).all()
        assert mse(forecasts, series) < 0.1 * min(seasonal_naive, persistence), key


def test_the_fit_sees_no_row_after_the_first_anchor(
    series: np.ndarray, classical: Classical
) -> None:
    changed = series.copy()
    changed[ANCHORS[0] + 1 :] += np.random.default_rng(1).normal(0, 5, len(series) - ANCHORS[0] - 1)
    moved = classical_forecasts([(changed, ANCHORS)], HORIZON, SEASON)
    for key in CLASSICAL:
        np.testing.assert_array_equal(moved.forecasts[key][0], classical.forecasts[key][0])
        assert not np.allclose(moved.forecasts[key][1:], classical.forecasts[key][1:]), key


def test_a_later_row_moves_its_window_through_the_fitted_model_without_a_refit(
    series: np.ndarray, classical: Classical
) -> None:
    changed = series.copy()
    changed[ANCHORS[1]] += 10  # the one row the second window sees and the first does not
    moved = classical_forecasts([(changed, ANCHORS)], HORIZON, SEASON)
    for key, model in statsforecast_models().items():
        second = moved.forecasts[key][1]
        assert not np.allclose(second, classical.forecasts[key][1]), key
        # The second window is the model fitted on the unchanged rows up to the first anchor,
        # run forward over the changed rows, and not a model fitted again on them.
        model.fit(series[: ANCHORS[0] + 1])
        forward = model.forward(y=changed[: ANCHORS[1] + 1], h=HORIZON)["mean"]
        np.testing.assert_allclose(second, forward, rtol=1e-12)
        refitted = statsforecast_models()[key].fit(changed[: ANCHORS[1] + 1])
        assert np.abs(second - refitted.predict(h=HORIZON)["mean"]).max() > 1e-3, key


def test_without_a_season_mstl_is_skipped(series: np.ndarray) -> None:
    classical = classical_forecasts([(series, ANCHORS)], HORIZON, None)
    assert classical.skipped == {"mstl": "no season"}
    assert tuple(classical.forecasts) == ("auto_ets", "auto_theta")


def test_short_fits_and_library_errors_become_skip_reasons() -> None:
    values = np.arange(20.0) + np.sin(np.arange(20))
    classical = classical_forecasts([(values, np.arange(4, 8))], 2, SEASON)
    # Five rows are under two weeks: no MSTL, and AutoETS refuses them itself.
    assert classical.skipped == {
        "mstl": "series too short for season 7 (5 rows before the test)",
        "auto_ets": "NotImplementedError: tiny datasets",
    }
    assert classical.forecasts["auto_theta"].shape == (4, 2)


def test_a_model_over_its_time_is_killed_and_no_process_is_left(series: np.ndarray) -> None:
    before = child_pids() if sys.platform == "linux" else set()
    classical = classical_forecasts([(series, ANCHORS)], HORIZON, SEASON, seconds=0.01)
    assert classical.forecasts == {}
    assert classical.skipped == {key: "took over 0.01 s" for key in CLASSICAL}
    assert multiprocessing.active_children() == []
    if sys.platform == "linux":
        assert child_pids() <= before


@pytest.mark.slow
def test_co2_errors_are_as_measured() -> None:
    series = load_series()
    dataset = ForecastDataset(series, horizon=1)
    anchors = dataset.windows(52)["test"].anchors.numpy()
    values = series.values[:, 0]
    classical = classical_forecasts([(values, anchors)], 1, infer_season(series.time))
    assert classical.skipped == {}
    errors = {key: mse(f, values, anchors) for key, f in classical.forecasts.items()}
    measured = {"auto_ets": 0.214, "auto_theta": 0.204, "mstl": 0.164}
    assert errors == pytest.approx(measured, rel=0.05)
