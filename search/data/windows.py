"""From a Series to model-ready windows: chronological split, scaling, trend, windows.

Trend: a z-scored LSTM cannot extrapolate past the levels it saw in training (the CO2 series
rises every year), so the target never enters the model as a level. Its input is the one-step
change, and its output is the change from the last observed value, both divided by the training
rows' standard deviation of one-step changes. Persistence (repeat the last value) is therefore 0
in the model's units, and the validation MSE reads directly against it. Features are plain
z-scores of their levels, fitted on the training rows.
"""

from __future__ import annotations

import functools
from dataclasses import asdict, dataclass, replace

import numpy as np
import torch

from search.data.calendar import infer_season
from search.data.series import Series
from search.errors import DataError

SPLITS = ("train", "val", "test")
HORIZON = 1
"""Steps forecast when none are asked for (--horizon's default)."""
SPLIT = (0.7, 0.15, 0.15)
"""Row fractions of train, validation and test when none are asked for (--split's default)."""


@dataclass(frozen=True)
class Scaling:
    """Statistics fitted on the training rows: raw rows to model inputs, and back to units."""

    target_step_std: float
    feature_mean: tuple[float, ...]
    feature_std: tuple[float, ...]

    def inputs(self, values: np.ndarray) -> np.ndarray:
        """Raw rows (T, 1 + F) -> model inputs (T, 1 + F); row 0 has no previous value and is 0."""
        step = np.diff(values[:, 0], prepend=values[0, 0]) / self.target_step_std
        features = (values[:, 1:] - np.asarray(self.feature_mean)) / np.asarray(self.feature_std)
        return np.column_stack([step, features])

    def to_units(self, change: np.ndarray, last_value: np.ndarray) -> np.ndarray:
        """Scaled changes (N, H) from the last observed values (N,) -> forecasts in data units."""
        return last_value[:, None] + change * self.target_step_std

    def to_dict(self) -> dict[str, object]:
        """JSON-safe form, stored with exported models."""
        return asdict(self)


@dataclass(frozen=True)
class WindowSplit:
    """The windows of one split; `anchors` are the rows of the last observed value."""

    inputs: torch.Tensor  # (T - L + 1, n_inputs, L): unfold view, gathered per batch
    ahead: torch.Tensor  # (T - H, H + 1): unfold view of each row's scaled level and the next H
    anchors: torch.Tensor  # (N,) int64 rows in the series
    seq_len: int

    def __len__(self) -> int:
        return len(self.anchors)

    def batch(self, index: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Windows at positions `index` of this split -> inputs (B, L, F), targets (B, H, 1):
        the scaled changes from each anchor's value."""
        rows = self.anchors[index]
        x = self.inputs[rows - self.seq_len + 1].transpose(1, 2).contiguous()  # (B,F,L)->(B,L,F)
        ahead = self.ahead[rows]  # float64, so that a change of a large level loses nothing
        y = (ahead[:, 1:] - ahead[:, :1]).to(torch.float32).unsqueeze(-1)
        return x, y


@dataclass(frozen=True)
class SplitBounds:
    """Row ranges [start, stop) of the train, validation and test parts."""

    train: tuple[int, int]
    val: tuple[int, int]
    test: tuple[int, int]


ModelScaling = Scaling | dict[str, Scaling]
"""What a model needs to read its inputs: one Scaling, or a panel's by series name."""


@dataclass(frozen=True)
class Part:
    """One series of a dataset: its rows [start, stop) of the stacked values, their split (in
    the same stacked rows) and the scaling fitted on its own training rows."""

    name: str
    start: int
    stop: int
    bounds: SplitBounds
    scaling: Scaling


class ForecastDataset:
    """A split and scaled series, or panel of series; builds windows for any seq_len once and
    keeps them.

    A panel is split by time: the same cut dates for every series, taken at the split's fractions
    of all the panel's timestamps, so no test row of any series is seen in training. Each series
    is scaled by its own training rows. A series that cannot give `longest_seq_len` windows in
    every split, or has nothing to learn in its training rows, is left out (`dropped` says why);
    windows of the others are stacked, never crossing from one series into the next.
    """

    def __init__(
        self,
        series: Series,
        horizon: int = HORIZON,
        split: tuple[float, float, float] = SPLIT,
        device: torch.device | str = "cpu",
        longest_seq_len: int = 1,
    ) -> None:
        if horizon < 1:
            raise DataError(f"horizon must be at least 1, but got {horizon}; fix --horizon")
        self.series = series
        self.horizon = horizon
        self.device = torch.device(device)
        self.is_panel = bool(series.ids)
        self.longest_seq_len = longest_seq_len
        self.dropped: dict[str, str] = {}
        parts = []
        for name, start, stop, bounds in _split_parts(series, split):
            try:
                scaling = fit_scaling(
                    series.values[start : bounds.train[1]], series.columns, self.is_panel
                )
                # Before any window is built: a split too short for them cannot be windowed.
                _anchor_range(start, bounds, longest_seq_len, horizon)
            except DataError as error:
                if not self.is_panel:
                    raise
                self.dropped[name] = str(error).split(";")[0]
                continue
            parts.append(Part(name, start, stop, bounds, scaling))
        if not parts:
            first = next(iter(self.dropped.items()))
            raise DataError(
                f"no series of the panel can be used (all {len(self.dropped)} left out; "
                f"{first[0]!r}: {first[1]}); lower --seq-len or --horizon, or change --split"
            )
        self.parts = tuple(parts)
        values = series.values
        # Filled series by series: the stacked arrays are the only copies of the data; windows
        # and targets are views of them, gathered per batch.
        inputs = torch.zeros(values.shape, dtype=torch.float32)
        level = torch.zeros(len(values), dtype=torch.float64)
        self.row_std = np.ones(len(values))
        for part in self.parts:
            rows = slice(part.start, part.stop)
            own = part.scaling.inputs(values[rows])
            own_level = values[rows, 0] / part.scaling.target_step_std
            steps = np.lib.stride_tricks.sliding_window_view(own_level, horizon + 1)
            panel_name = part.name if self.is_panel else None
            _check_finite(own, steps[:, 1:] - steps[:, :1], part, values, panel_name)
            inputs[rows] = torch.from_numpy(own)
            level[rows] = torch.from_numpy(own_level)
            self.row_std[rows] = part.scaling.target_step_std
        self._inputs = inputs.to(self.device)
        self._ahead = level.to(self.device).unfold(0, horizon + 1, 1)
        # What orders rows in time across series: the timestamp in a panel, the row alone.
        panel_time = series.time if self.is_panel else None
        order = panel_time.asi8 if panel_time is not None else np.arange(len(values))
        self._row_time = torch.as_tensor(order, dtype=torch.int64, device=self.device)
        self._part_starts = np.array([part.start for part in self.parts])

    @property
    def n_inputs(self) -> int:
        """Number of model input columns."""
        return self._inputs.shape[1]

    @property
    def scaling(self) -> ModelScaling:
        """The scaling a model of this data carries: the series', or each series' by name."""
        if self.is_panel:
            return {part.name: part.scaling for part in self.parts}
        return self.parts[0].scaling

    @property
    def bounds(self) -> SplitBounds:
        """The rows of each split of a single series."""
        if self.is_panel:
            raise ValueError("a panel has bounds per series; read them from `parts`")
        return self.parts[0].bounds

    def inferred_season(self) -> int | None:
        """The season the data's calendar implies; a panel's series share one, so the first
        series tells."""
        first = self.parts[0]
        time = self.series.time
        return infer_season(time[first.start : first.stop]) if time is not None else None

    def part_of(self, rows: np.ndarray) -> np.ndarray:
        """The position in `parts` of the series each of `rows` belongs to."""
        return np.searchsorted(self._part_starts, rows, side="right") - 1

    def to_units(self, changes: np.ndarray, anchors: np.ndarray) -> np.ndarray:
        """Scaled changes (N, H) from the anchors' values -> forecasts in data units."""
        last = self.series.values[anchors, 0]
        forecasts: np.ndarray = last[:, None] + changes * self.row_std[anchors][:, None]
        return forecasts

    @functools.cache  # noqa: B019 - one dataset per process, kept for its lifetime on purpose
    def windows(self, seq_len: int) -> dict[str, WindowSplit]:
        """Train, validation and test windows of `seq_len` inputs and `horizon` targets."""
        if seq_len < 1:
            raise DataError(f"seq_len must be at least 1, but got {seq_len}; fix --seq-len")
        rows = len(self._inputs)
        if not self.is_panel and seq_len + self.horizon >= rows:
            raise DataError(
                f"too few rows for seq_len {seq_len} + horizon {self.horizon}: the series has "
                f"{rows} rows; lower --seq-len or --horizon, or pass a longer series"
            )
        unfolded = self._inputs.unfold(0, seq_len, 1)  # (T, F) -> (T - L + 1, F, L)
        ranges = self._anchor_ranges(seq_len)
        return {
            name: WindowSplit(
                unfolded,
                self._ahead,
                self._arange([by_split[name] for by_split in ranges]),
                seq_len,
            )
            for name in SPLITS
        }

    @functools.cache  # noqa: B019 - as windows(): built once per trial size, read by every fold
    def folds(self, seq_len: int, count: int) -> list[tuple[WindowSplit, WindowSplit]]:
        """Rolling-origin (train, validation) windows: the validation period cut into `count`
        consecutive blocks of time, each with the windows whose targets all precede it as
        training."""
        windows = self.windows(seq_len)
        train, val = windows["train"], windows["val"]
        if count == 1:
            return [(train, val)]
        val_time = self._row_time[val.anchors]
        times = torch.unique(val_time)
        if len(times) < count:
            raise DataError(
                f"--folds {count} needs at least {count} validation windows, but the validation "
                f"split has {len(times)}; lower --folds or enlarge the validation split"
            )
        pool = self.refit_windows(seq_len).anchors
        target_end = self._row_time[pool + self.horizon]
        folds = []
        for block in torch.tensor_split(times, count):
            first, last = block[0], block[-1]
            in_block = (val_time >= first) & (val_time <= last)
            # Training targets reach anchor + horizon: all must lie before the block's first
            # target, one step after its first anchor.
            trained = pool[target_end <= first]
            held_out = val.anchors[in_block]
            folds.append((replace(train, anchors=trained), replace(val, anchors=held_out)))
        return folds

    def refit_windows(self, seq_len: int) -> WindowSplit:
        """Training windows over the train and validation rows together (for the final refit):
        every window whose targets end before the test split."""
        train = self.windows(seq_len)["train"]
        ranges = self._anchor_ranges(seq_len)
        return replace(train, anchors=self._arange([(r["train"][0], r["val"][1]) for r in ranges]))

    def _anchor_ranges(self, seq_len: int) -> list[dict[str, tuple[int, int]]]:
        return [
            _anchor_range(
                p.start, p.bounds, seq_len, self.horizon, p.name if self.is_panel else None
            )
            for p in self.parts
        ]

    def _arange(self, ranges: list[tuple[int, int]]) -> torch.Tensor:
        """The rows of the inclusive `ranges`, in order, on the dataset's device."""
        return torch.cat(
            [torch.arange(first, last + 1, device=self.device) for first, last in ranges]
        )


def _split_parts(
    series: Series, split: tuple[float, float, float]
) -> list[tuple[str, int, int, SplitBounds]]:
    """Each series' name, rows and split: by row fractions for one series, by the panel's common
    cut dates for a panel."""
    if not series.ids:
        return [(name, 0, stop, split_bounds(stop, split)) for name, _, stop in series.parts]
    assert series.time is not None  # a panel is read with its time column (data/series.py)
    stamps = series.time.asi8
    times = np.unique(stamps)
    whole = split_bounds(len(times), split)
    # Past the last timestamp, the cut is after every row.
    cuts = [times[i] if i < len(times) else times[-1] + 1 for i in (whole.val[0], whole.test[0])]
    parts = []
    for name, start, stop in series.parts:
        val, test = (start + int(np.searchsorted(stamps[start:stop], cut)) for cut in cuts)
        parts.append((name, start, stop, SplitBounds((start, val), (val, test), (test, stop))))
    return parts


def _anchor_range(
    start: int, bounds: SplitBounds, seq_len: int, horizon: int, series: str | None = None
) -> dict[str, tuple[int, int]]:
    """The first and last anchor row of each split's windows of a series starting at row
    `start`; refused, naming the split, where a split has none (and the series, in a panel)."""
    ranges = {}
    for name, (begin, stop) in zip(SPLITS, asdict(bounds).values(), strict=True):
        # Inputs may reach back into earlier splits; targets stay inside this one. The first
        # input row needs a previous row for its one-step change, hence seq_len, not seq_len-1.
        first, last = max(begin - 1, start + seq_len), stop - 1 - horizon
        if last < first:
            where = f"series {series!r}, " if series is not None else ""
            raise DataError(
                f"too few rows for seq_len {seq_len} + horizon {horizon} in the {name} "
                f"split ({where}{stop - begin} rows); lower --seq-len or --horizon, or change "
                "--split"
            )
        ranges[name] = (first, last)
    return ranges


def _check_finite(
    inputs: np.ndarray, targets: np.ndarray, part: Part, values: np.ndarray, series: str | None
) -> None:
    """Refuse data that overflows once scaled (an outlier such as 1e300): every split must be
    computable, or trials would fail one by one with a misleading reason."""
    with np.errstate(over="ignore"):  # as the model reads them: in float32
        inputs, targets = inputs.astype(np.float32), targets.astype(np.float32)
    bad = ~np.isfinite(inputs).all(axis=1)  # names the outlier's own row
    if not bad.any():
        bad[: len(targets)] = ~np.isfinite(targets).all(axis=1)
    if not bad.any():
        return
    row = part.start + int(np.flatnonzero(bad)[0])
    split = next(
        name
        for name, (start, stop) in zip(SPLITS, asdict(part.bounds).values(), strict=True)
        if start <= row < stop
    )
    around = ", ".join(f"{v:.6g}" for v in values[max(row - 1, part.start) : row + 2, 0])
    raise DataError(
        f"row {row - part.start + 1} of the series{f' {series!r}' if series else ''} (in "
        f"the {split} split) is too large to compute with once scaled (target values around "
        f"it: {around}); fix the outlier or rescale the column"
    )


def split_bounds(n_rows: int, fractions: tuple[float, float, float]) -> SplitBounds:
    """Chronological train/val/test row ranges from fractions that sum to 1."""
    if len(fractions) != 3 or min(fractions) <= 0 or abs(sum(fractions) - 1) > 1e-6:
        raise DataError(
            f"split must be three positive fractions that sum to 1, but got "
            f"{','.join(map(str, fractions))}; e.g. --split 0.7,0.15,0.15"
        )
    train_stop = round(n_rows * fractions[0])
    val_stop = train_stop + round(n_rows * fractions[1])
    return SplitBounds((0, train_stop), (train_stop, val_stop), (val_stop, n_rows))


def fit_scaling(train_rows: np.ndarray, columns: tuple[str, ...], panel: bool = False) -> Scaling:
    """Scaling statistics from the training rows only.

    In a panel, a feature constant within one series (a series' own attribute, say) is only
    centred; elsewhere it is refused as carrying no information.
    """
    step_std = float(np.std(np.diff(train_rows[:, 0]))) if len(train_rows) > 1 else 0.0
    if not step_std > 0:
        raise DataError(
            f"target {columns[0]!r} does not change within the training rows; "
            "nothing can be learned from it; check the data or change --split"
        )
    mean = train_rows[:, 1:].mean(axis=0)
    std = train_rows[:, 1:].std(axis=0)
    if panel:
        std[std == 0] = 1.0
    flat = [columns[1 + i] for i in np.flatnonzero(std == 0)]
    if flat:
        raise DataError(
            f"feature {flat[0]!r} is constant within the training rows; drop it from "
            "--features or change --split"
        )
    return Scaling(step_std, tuple(map(float, mean)), tuple(map(float, std)))
