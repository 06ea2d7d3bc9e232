"""Split, scaling, trend and windows: what the model sees is what SPEC section 6 promises."""

from pathlib import Path

import numpy as np
import pytest
import torch

from search.data.series import load_series
from search.data.windows import ForecastDataset, split_bounds
from search.errors import DataError


def series_from(tmp_path: Path, values: np.ndarray, features: np.ndarray | None = None):
    lines = ["y" + (",x" if features is not None else "")]
    for i, v in enumerate(values):
        lines.append(f"{v}" + (f",{features[i]}" if features is not None else ""))
    path = tmp_path / "s.csv"
    path.write_text("\n".join(lines) + "\n")
    return load_series(path, target="y", features=("x",) if features is not None else ())


def test_split_is_chronological_and_covers_every_row() -> None:
    bounds = split_bounds(100, (0.7, 0.15, 0.15))
    assert (bounds.train, bounds.val, bounds.test) == ((0, 70), (70, 85), (85, 100))


@pytest.mark.parametrize("split", [(0.5, 0.5), (0.8, 0.3, 0.1), (0.7, 0.3, 0.0)])
def test_bad_split_is_refused(split: tuple) -> None:
    with pytest.raises(DataError, match="--split"):
        split_bounds(100, split)


def test_scaling_uses_training_rows_only(tmp_path: Path) -> None:
    # Steps of 1 in training, then a jump of 100 in the test rows: training statistics must not
    # see the jump.
    values = np.concatenate([np.arange(70) + np.tile([0, 0.5], 35), 1000 + np.arange(30)])
    features = np.concatenate([np.zeros(35), np.ones(35), np.full(30, 50.0)])
    dataset = ForecastDataset(series_from(tmp_path, values, features))
    train = values[:70]
    assert dataset.scaling.target_step_std == pytest.approx(np.std(np.diff(train)))
    assert dataset.scaling.feature_mean == pytest.approx((0.5,))
    assert dataset.scaling.feature_std == pytest.approx((0.5,))


def test_windows_hold_changes_and_round_trip_to_units(tmp_path: Path) -> None:
    values = np.cumsum(np.random.default_rng(0).normal(1.0, 1.0, 200)) + 400
    dataset = ForecastDataset(series_from(tmp_path, values), horizon=3)
    windows = dataset.windows(10)
    split = windows["test"]
    x, y = split.batch(torch.arange(len(split)))
    assert x.shape == (len(split), 10, 1) and y.shape == (len(split), 3, 1)
    anchors = split.anchors.numpy()
    std = dataset.scaling.target_step_std
    # Inputs are the last 10 one-step changes ending at the anchor row.
    expected_inputs = values[anchors[0] - 9 : anchors[0] + 1] - values[anchors[0] - 10 : anchors[0]]
    np.testing.assert_allclose(x[0, :, 0].numpy(), expected_inputs / std, rtol=1e-5)
    # Targets turned back into units are the next three values.
    forecast = dataset.scaling.to_units(y[:, :, 0].double().numpy(), values[anchors])
    truth = np.stack([values[anchors + h] for h in (1, 2, 3)], axis=1)
    np.testing.assert_allclose(forecast, truth, rtol=1e-6)


def test_targets_stay_inside_their_split_and_inputs_may_reach_back(tmp_path: Path) -> None:
    dataset = ForecastDataset(series_from(tmp_path, np.arange(100.0) ** 1.5), horizon=2)
    windows = dataset.windows(8)
    for name, (start, stop) in zip(
        ("train", "val", "test"),
        (dataset.bounds.train, dataset.bounds.val, dataset.bounds.test),
        strict=True,
    ):
        anchors = windows[name].anchors
        assert int(anchors.min()) + 1 >= start and int(anchors.max()) + 2 <= stop - 1 + 1
        assert int(anchors.min()) - 8 >= 0  # every input row has a previous row
    # Validation and test start right at their split, using earlier rows as inputs.
    assert int(windows["val"].anchors[0]) == dataset.bounds.val[0] - 1
    assert int(windows["test"].anchors[-1]) == 100 - 1 - 2


def test_level_never_reaches_the_model_so_trend_is_not_extrapolated(tmp_path: Path) -> None:
    # A rising line with a seasonal wiggle: the test rows lie far above the training range, but
    # their inputs and targets are in the same range as training's.
    t = np.arange(400.0)
    values = 300 + 0.5 * t + np.sin(2 * np.pi * t / 20)
    windows = ForecastDataset(series_from(tmp_path, values)).windows(20)
    train_x, _ = windows["train"].batch(torch.arange(len(windows["train"])))
    test_x, test_y = windows["test"].batch(torch.arange(len(windows["test"])))
    assert test_x.max() <= train_x.max() + 1e-4 and test_x.min() >= train_x.min() - 1e-4
    assert test_y.abs().max() <= train_x.abs().max() + 1e-4


def test_windows_are_built_once_per_seq_len() -> None:
    dataset = ForecastDataset(load_series())
    assert dataset.windows(52) is dataset.windows(52)
    assert dataset.windows(26) is not dataset.windows(52)


def test_too_few_rows_names_the_split_and_the_fix(tmp_path: Path) -> None:
    dataset = ForecastDataset(series_from(tmp_path, np.arange(60.0) ** 2))
    with pytest.raises(DataError, match=r"train split \(42 rows\).*lower --seq-len"):
        dataset.windows(41)
    assert len(dataset.windows(40)["train"]) == 1
    # A horizon no split can hold is refused when the dataset is made, before any window.
    with pytest.raises(DataError, match=r"val split \(9 rows\)"):
        ForecastDataset(series_from(tmp_path, np.arange(60.0) ** 2), horizon=10)


@pytest.mark.cuda
@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA GPU")
def test_windows_live_on_the_dataset_device() -> None:
    dataset = ForecastDataset(load_series(), device="cuda")
    split = dataset.windows(52)["train"]
    x, y = split.batch(torch.arange(4, device="cuda"))
    assert x.device.type == y.device.type == "cuda"


@pytest.mark.parametrize("count", [1, 3, 4])
def test_folds_cut_the_validation_windows_in_order_and_train_only_on_the_past(
    tmp_path: Path, count: int
) -> None:
    horizon = 3
    dataset = ForecastDataset(series_from(tmp_path, np.sin(np.arange(300) / 5)), horizon)
    windows = dataset.windows(10)
    folds = dataset.folds(10, count)
    assert len(folds) == count
    blocks = [val.anchors for _, val in folds]
    assert torch.equal(torch.cat(blocks), windows["val"].anchors)  # consecutive, whole
    for train, val in folds:
        # Every training target lies before the block's first target, and training starts
        # where the training split does and runs right up to that limit.
        assert int(train.anchors[-1]) + horizon == int(val.anchors[0])
        assert int(train.anchors[0]) == int(windows["train"].anchors[0])
        assert torch.equal(
            train.anchors, torch.arange(int(train.anchors[0]), int(val.anchors[0]) - horizon + 1)
        )
    assert torch.equal(folds[0][0].anchors, windows["train"].anchors)


def test_more_folds_than_validation_windows_are_refused(tmp_path: Path) -> None:
    dataset = ForecastDataset(series_from(tmp_path, np.sin(np.arange(100) / 5)))
    with pytest.raises(DataError, match="lower --folds"):
        dataset.folds(5, 1000)


def test_refit_windows_cover_train_and_validation_and_never_reach_the_test_rows(
    tmp_path: Path,
) -> None:
    dataset = ForecastDataset(series_from(tmp_path, np.sin(np.arange(200) / 5)), horizon=2)
    windows = dataset.windows(8)
    refit = dataset.refit_windows(8)
    assert int(refit.anchors[0]) == int(windows["train"].anchors[0])
    assert int(refit.anchors[-1]) == int(windows["val"].anchors[-1])
    assert int(refit.anchors[-1]) + 2 == dataset.bounds.val[1] - 1  # last target: last val row
    assert len(refit) == int(refit.anchors[-1]) - int(refit.anchors[0]) + 1
