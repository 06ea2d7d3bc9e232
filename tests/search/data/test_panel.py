"""Panels in long format: reading, refusals naming the series, the common time split, windows
that never cross series, per-series scaling, and memory that does not grow with copies."""

import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from search.data.series import bundled_path, load_series
from search.data.windows import ForecastDataset
from search.errors import DataError
from tests.search.conftest import LENGTHS, STARTS, panel_frame


def write_panel(tmp_path: Path, frame: pd.DataFrame, name: str = "panel.csv") -> Path:
    path = tmp_path / name
    frame.to_csv(path, index=False)
    return path


def test_a_panel_is_read_series_by_series_in_time_order(tmp_path: Path) -> None:
    frame = panel_frame()
    expected = frame.copy()
    frame.loc[5, "y"] = np.nan  # one interior gap in "big"
    shuffled = frame.sample(frac=1.0, random_state=1)
    series = load_series(write_panel(tmp_path, shuffled), target="y", id_col="id")
    first_seen = tuple(dict.fromkeys(shuffled["id"]))
    assert series.ids == first_seen and series.id_col == "id" and series.time_col == "day"
    for name, start, stop in series.parts:
        assert stop - start == LENGTHS[name]
        own = expected[expected["id"] == name]
        assert series.time[start] == pd.Timestamp(STARTS[name])
        assert series.time[start:stop].is_monotonic_increasing
        if name != "big":
            np.testing.assert_allclose(series.values[start:stop, 0], own["y"].to_numpy())
    assert series.imputed == 1 and series.dropped == 0


def test_the_bundled_panel_has_ten_series_of_a_thousand_weeks() -> None:
    series = load_series("births")
    assert series.name == "births" and series.id_col == "state" and series.target == "births"
    assert len(series.ids) == 10 and "VT" in series.ids
    assert all(stop - start >= 1000 for _, start, stop in series.parts)
    assert (
        "National Center for Health Statistics" in (bundled_path().parent / "README.md").read_text()
    )


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (
            lambda f: pd.concat([f, f.iloc[[310]]]),
            r"series 'small' has 2024-03-11 00:00:00 twice in 'day' \(lines 312 and 692\): a "
            r"duplicate \(id, day\) pair",
        ),
        (
            lambda f: f.assign(y=np.where(f["id"] == "late", np.nan, f["y"])),
            r"series 'late' \(id\) has no usable rows",
        ),
        (lambda f: f.assign(id=f["id"].where(f.index != 7, "")), "line 9 has no series id"),
    ],
    ids=["duplicate pair", "no usable rows", "empty id"],
)
def test_a_bad_panel_is_refused_naming_the_series(tmp_path: Path, edit, message: str) -> None:
    with pytest.raises(DataError, match=message):
        load_series(write_panel(tmp_path, edit(panel_frame())), target="y", id_col="id")


def test_an_id_column_that_is_also_the_target_is_refused(tmp_path: Path) -> None:
    path = write_panel(tmp_path, panel_frame().assign(code=1.0))
    with pytest.raises(DataError, match="'code' is both the series id and a column to forecast"):
        load_series(path, target="code", id_col="code")
    with pytest.raises(DataError, match=r"'nope' is not in panel\.csv.*--id-col"):
        load_series(path, target="y", id_col="nope")


def test_a_panel_without_a_time_column_is_refused(tmp_path: Path) -> None:
    path = write_panel(tmp_path, panel_frame().drop(columns=["day"]))
    with pytest.raises(DataError, match=r"no time column, which a panel needs.*--time-col"):
        load_series(path, target="y", id_col="id")


def panel_dataset(tmp_path: Path, **options) -> ForecastDataset:
    series = load_series(write_panel(tmp_path, panel_frame()), target="y", id_col="id")
    return ForecastDataset(series, **options)


def test_every_series_is_cut_at_the_same_dates(tmp_path: Path) -> None:
    dataset = panel_dataset(tmp_path, horizon=2, longest_seq_len=10)
    time = dataset.series.time
    days = np.unique(time)  # the panel's 302 days, January to October
    assert len(days) == 302
    cuts = days[211], days[256]  # 70 % and 85 % of them
    for part in dataset.parts:
        (_, val), (_, test) = part.bounds.train, part.bounds.val
        assert (time[part.start : val] < cuts[0]).all() and (time[val:test] >= cuts[0]).all()
        assert (time[val:test] < cuts[1]).all() and (time[test : part.stop] >= cuts[1]).all()
    windows = dataset.windows(10)
    horizon_end = {name: time[split.anchors.numpy() + 2] for name, split in windows.items()}
    assert horizon_end["train"].max() < cuts[0] <= time[windows["val"].anchors.numpy() + 1].min()
    assert horizon_end["val"].max() < cuts[1] <= time[windows["test"].anchors.numpy() + 1].min()


def test_windows_never_cross_from_one_series_into_the_next(tmp_path: Path) -> None:
    dataset = panel_dataset(tmp_path, horizon=3, longest_seq_len=20)
    for split in dataset.windows(20).values():
        anchors = split.anchors.numpy()
        part = np.array([dataset.parts[i].start for i in dataset.part_of(anchors)])
        stop = np.array([dataset.parts[i].stop for i in dataset.part_of(anchors)])
        # The first input is a one-step change: it needs the row before it in the same series.
        assert (anchors - 20 + 1 >= part + 1).all() and (anchors + 3 < stop).all()
        x, y = split.batch(np.arange(len(split)))
        assert np.isfinite(x.numpy()).all() and np.isfinite(y.numpy()).all()
    assert set(dataset.part_of(dataset.windows(20)["train"].anchors.numpy())) == {0, 1, 2}


def test_each_series_is_scaled_by_its_own_training_rows(tmp_path: Path) -> None:
    dataset = panel_dataset(tmp_path, longest_seq_len=7)
    values = dataset.series.values[:, 0]
    for part in dataset.parts:
        train = values[part.start : part.bounds.train[1]]
        assert part.scaling.target_step_std == pytest.approx(np.std(np.diff(train)))
    stds = {part.name: part.scaling.target_step_std for part in dataset.parts}
    assert stds["big"] > 50 * stds["small"]  # without it, "small" would be noise to the model
    assert dataset.scaling == {part.name: part.scaling for part in dataset.parts}


def test_a_series_too_short_for_the_longest_window_is_left_out_and_says_why(
    tmp_path: Path,
) -> None:
    # "late" has 150 days: 59 in training (from June 1 to the cut), 45 in validation, 46 in test.
    dataset = panel_dataset(tmp_path, longest_seq_len=58)
    assert [part.name for part in dataset.parts] == ["big", "small"]
    reason = "too few rows for seq_len 58 + horizon 1 in the train split (59 rows)"
    assert dataset.dropped == {"late": reason}
    assert len(panel_dataset(tmp_path, longest_seq_len=57).parts) == 3
    with pytest.raises(DataError, match="no series of the panel can be used"):
        panel_dataset(tmp_path, longest_seq_len=250)


def test_a_constant_series_is_left_out(tmp_path: Path) -> None:
    frame = panel_frame()
    frame.loc[frame["id"] == "small", "y"] = 3.0
    series = load_series(write_panel(tmp_path, frame), target="y", id_col="id")
    dataset = ForecastDataset(series)
    assert list(dataset.dropped) == ["small"] and "does not change" in dataset.dropped["small"]


def test_folds_cut_the_validation_period_by_time_across_series(tmp_path: Path) -> None:
    dataset = panel_dataset(tmp_path, horizon=2, longest_seq_len=7)
    time = dataset.series.time
    val = dataset.windows(7)["val"]
    folds = dataset.folds(7, 3)
    assert sum(len(block) for _, block in folds) == len(val)
    for train, block in folds:
        first = time[block.anchors.numpy()].min()
        assert time[train.anchors.numpy() + 2].max() <= first  # every target precedes the block
        assert set(dataset.part_of(block.anchors.numpy())) == {0, 1, 2}
    ends = [time[block.anchors.numpy()].max() for _, block in folds]
    starts = [time[block.anchors.numpy()].min() for _, block in folds]
    assert all(end < start for end, start in zip(ends, starts[1:], strict=False))


MEMORY_SCRIPT = """
import resource, numpy as np, pandas as pd
from search.data.series import Series
from search.data.windows import ForecastDataset
n, length = 1000, 10000
rng = np.random.default_rng(0)
values = np.cumsum(rng.normal(size=(n * length, 1)), axis=0)
time = pd.DatetimeIndex(np.tile(pd.date_range("2000-01-01", periods=length, freq="h"), n))
series = Series("big", values, ("y",), time, 0, 0, "x", "t", ids=tuple(map(str, range(n))),
                starts=tuple(range(0, n * length, length)), id_col="id")
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
dataset = ForecastDataset(series, horizon=24, longest_seq_len=168)
windows = dataset.windows(168)
folds = dataset.folds(168, 3)
x, y = windows["train"].batch(np.arange(256))
after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
storage = windows["train"].inputs.untyped_storage().data_ptr()
print(len(windows["train"]), (after - before) / 1024, storage == dataset._inputs.data_ptr())
"""


def test_a_panel_of_a_thousand_series_of_ten_thousand_rows_stays_in_bounded_memory() -> None:
    out = subprocess.run(
        [sys.executable, "-c", MEMORY_SCRIPT], capture_output=True, text=True, check=True
    ).stdout.split()
    windows, grown_mib, shared = int(out[0]), float(out[1]), out[2]
    assert windows > 6_000_000 and shared == "True"
    # Measured: 674 MiB (the stacked inputs, scaled levels, scales and times, 280 MB; the
    # splits' and three folds' anchor rows). Targets of 24 steps stacked would add 960 MB, and
    # the training windows alone, copied, 4.6 GB (6.8 M windows x 168 rows x 4 bytes).
    assert grown_mib < 800


def test_a_feature_constant_within_a_series_is_centred_not_refused(tmp_path: Path) -> None:
    # A series' own attribute (its store's floor space, say) is constant within it: in a panel
    # it is only centred, where for one series it would be refused as carrying nothing.
    frame = panel_frame().assign(
        size=lambda f: f["id"].map({"big": 3.0, "small": 1.0, "late": 2.0})
    )
    path = write_panel(tmp_path, frame)
    dataset = ForecastDataset(load_series(path, target="y", features=("size",), id_col="id"))
    assert [part.scaling.feature_std for part in dataset.parts] == [(1.0,)] * 3
    x, _ = dataset.windows(7)["train"].batch(np.arange(len(dataset.windows(7)["train"])))
    assert np.allclose(x[:, :, 1].numpy(), 0.0)
    one = write_panel(tmp_path, frame[frame["id"] == "big"].drop(columns=["id"]), "one.csv")
    with pytest.raises(DataError, match="'size' is constant"):
        load_series(one, target="y", features=("size",))
