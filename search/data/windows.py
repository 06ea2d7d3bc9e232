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

from search.data.series import Series
from search.errors import DataError

SPLITS = ("train", "val", "test")


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
    targets: torch.Tensor  # (T - H, H): scaled change from the anchor row, all anchors
    anchors: torch.Tensor  # (N,) int64 rows in the series
    seq_len: int

    def __len__(self) -> int:
        return len(self.anchors)

    def batch(self, index: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Windows at positions `index` of this split -> inputs (B, L, F), targets (B, H, 1)."""
        rows = self.anchors[index]
        x = self.inputs[rows - self.seq_len + 1].transpose(1, 2).contiguous()  # (B,F,L)->(B,L,F)
        y = self.targets[rows].unsqueeze(-1)  # (B, H) -> (B, H, 1)
        return x, y


@dataclass(frozen=True)
class SplitBounds:
    """Row ranges [start, stop) of the train, validation and test parts."""

    train: tuple[int, int]
    val: tuple[int, int]
    test: tuple[int, int]


class ForecastDataset:
    """A split and scaled series; builds windows for any seq_len once and keeps them."""

    def __init__(
        self,
        series: Series,
        horizon: int = 1,
        split: tuple[float, float, float] = (0.7, 0.15, 0.15),
        device: torch.device | str = "cpu",
    ) -> None:
        if horizon < 1:
            raise DataError(f"horizon must be at least 1, but got {horizon}; fix --horizon")
        self.series = series
        self.horizon = horizon
        self.bounds = split_bounds(len(series.values), split)
        self.scaling = fit_scaling(series.values[: self.bounds.train[1]], series.columns)
        self.device = torch.device(device)
        inputs = self.scaling.inputs(series.values)
        self._inputs = torch.as_tensor(inputs, dtype=torch.float32, device=self.device)
        level = series.values[:, 0] / self.scaling.target_step_std
        steps = torch.as_tensor(level, dtype=torch.float64).unfold(0, horizon + 1, 1)  # (T-H, H+1)
        changes = (steps[:, 1:] - steps[:, :1]).to(torch.float32)
        _check_finite(self._inputs.cpu(), changes, series, self.bounds)
        self._targets = changes.contiguous().to(self.device)

    @property
    def n_inputs(self) -> int:
        """Number of model input columns."""
        return self._inputs.shape[1]

    @functools.cache  # noqa: B019 - one dataset per process, kept for its lifetime on purpose
    def windows(self, seq_len: int) -> dict[str, WindowSplit]:
        """Train, validation and test windows of `seq_len` inputs and `horizon` targets."""
        if seq_len < 1:
            raise DataError(f"seq_len must be at least 1, but got {seq_len}; fix --seq-len")
        rows = len(self._inputs)
        if seq_len + self.horizon >= rows:
            raise DataError(
                f"too few rows for seq_len {seq_len} + horizon {self.horizon}: the series has "
                f"{rows} rows; lower --seq-len or --horizon, or pass a longer series"
            )
        unfolded = self._inputs.unfold(0, seq_len, 1)  # (T, F) -> (T - L + 1, F, L)
        splits = {}
        for name, (start, stop) in zip(SPLITS, asdict(self.bounds).values(), strict=True):
            # Inputs may reach back into earlier splits; targets stay inside this one. The first
            # input row needs a previous row for its one-step change, hence seq_len, not seq_len-1.
            first, last = max(start - 1, seq_len), stop - 1 - self.horizon
            if last < first:
                raise DataError(
                    f"too few rows for seq_len {seq_len} + horizon {self.horizon} in the {name} "
                    f"split ({stop - start} rows); lower --seq-len or --horizon, or change --split"
                )
            anchors = torch.arange(first, last + 1, device=self.device)
            splits[name] = WindowSplit(unfolded, self._targets, anchors, seq_len)
        return splits

    @functools.cache  # noqa: B019 - as windows(): built once per trial size, read by every fold
    def folds(self, seq_len: int, count: int) -> list[tuple[WindowSplit, WindowSplit]]:
        """Rolling-origin (train, validation) windows: the validation windows cut into `count`
        consecutive blocks, each with the windows whose targets all precede it as training."""
        windows = self.windows(seq_len)
        train, val = windows["train"], windows["val"]
        if count == 1:
            return [(train, val)]
        if len(val) < count:
            raise DataError(
                f"--folds {count} needs at least {count} validation windows, but the validation "
                f"split has {len(val)}; lower --folds or enlarge the validation split"
            )
        first = int(train.anchors[0])
        folds = []
        for block in torch.tensor_split(val.anchors, count):
            # Training targets reach anchor + horizon: all must lie before the block's first
            # target, row block[0] + 1.
            stop = int(block[0]) - self.horizon + 1
            anchors = torch.arange(first, stop, device=self.device)
            folds.append((replace(train, anchors=anchors), replace(val, anchors=block)))
        return folds

    def refit_windows(self, seq_len: int) -> WindowSplit:
        """Training windows over the train and validation rows together (for the final refit):
        every window whose targets end before the test split."""
        windows = self.windows(seq_len)
        train, val = windows["train"], windows["val"]
        anchors = torch.arange(int(train.anchors[0]), int(val.anchors[-1]) + 1, device=self.device)
        return replace(train, anchors=anchors)


def _check_finite(
    inputs: torch.Tensor, targets: torch.Tensor, series: Series, bounds: SplitBounds
) -> None:
    """Refuse data that overflows once scaled (an outlier such as 1e300): every split must be
    computable, or trials would fail one by one with a misleading reason."""
    bad = ~torch.isfinite(inputs).all(dim=1)  # names the outlier's own row, when it is there
    if not bad.any():
        bad[: len(targets)] = ~torch.isfinite(targets).all(dim=1)
    if not bad.any():
        return
    row = int(torch.nonzero(bad)[0])
    split = next(
        name
        for name, (start, stop) in zip(SPLITS, asdict(bounds).values(), strict=True)
        if start <= row < stop
    )
    values = ", ".join(f"{v:.6g}" for v in series.values[max(row - 1, 0) : row + 2, 0])
    raise DataError(
        f"row {row + 1} of the series (in the {split} split) is too large to compute with once "
        f"scaled (target values around it: {values}); fix the outlier or rescale the column"
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


def fit_scaling(train_rows: np.ndarray, columns: tuple[str, ...]) -> Scaling:
    """Scaling statistics from the training rows only."""
    step_std = float(np.std(np.diff(train_rows[:, 0])))
    if not step_std > 0:
        raise DataError(
            f"target {columns[0]!r} does not change within the training rows; "
            "nothing can be learned from it; check the data or change --split"
        )
    mean = train_rows[:, 1:].mean(axis=0)
    std = train_rows[:, 1:].std(axis=0)
    flat = [columns[1 + i] for i in np.flatnonzero(std == 0)]
    if flat:
        raise DataError(
            f"feature {flat[0]!r} is constant within the training rows; drop it from "
            "--features or change --split"
        )
    return Scaling(step_std, tuple(map(float, mean)), tuple(map(float, std)))
