"""Reading a series: a CSV file in, a validated, gap-filled numeric table out.

Everything a user can get wrong about their file is refused here with a DataError that names the
column or count and the fix, before any storage is touched.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import numpy as np
import pandas as pd

from search.errors import DataError

BUNDLED_NAME = "co2"
BUNDLED_FILE = "co2_weekly.csv"


@dataclass(frozen=True)
class Series:
    """A clean multivariate series: the target in column 0, then the features.

    `values` has no missing cells; `imputed` counts the interior cells that were interpolated and
    `dropped` the leading/trailing rows removed because a used column was empty there.
    """

    name: str
    values: np.ndarray  # (T, 1 + n_features) float64
    columns: tuple[str, ...]
    time: pd.DatetimeIndex | None
    imputed: int
    dropped: int
    fingerprint: str

    @property
    def target(self) -> str:
        """Name of the forecast column."""
        return self.columns[0]

    @property
    def features(self) -> tuple[str, ...]:
        """Names of the extra input columns."""
        return self.columns[1:]


def bundled_path() -> Path:
    """Path of the Mauna Loa CO2 series shipped with the package."""
    return Path(str(resources.files("search") / "data" / BUNDLED_FILE))


def data_name(path: str | Path | None) -> str:
    """The short name of a data file, used in study names: `co2` for the bundled series."""
    if path is None or Path(path) == bundled_path():
        return BUNDLED_NAME
    return Path(path).stem


def load_series(
    path: str | Path | None = None,
    target: str | None = None,
    features: tuple[str, ...] = (),
    time_col: str | None = None,
) -> Series:
    """Read a CSV into a validated Series; None reads the bundled CO2 data."""
    path = Path(path) if path is not None else bundled_path()
    name = data_name(path)
    raw = _read_csv(path)
    time_col = time_col if time_col is not None else _detect_time_column(raw)
    time = _parse_time(raw, time_col) if time_col is not None else None
    numeric = raw.drop(columns=[time_col]) if time_col is not None else raw
    target = _choose_target(numeric, target, path)
    columns = (target, *features)
    for column in columns:
        _check_column(numeric, column, path)
    if len(set(columns)) != len(columns):
        raise DataError(
            f"column {target!r} is both the target and a feature; drop it from --features"
        )
    table = numeric[list(columns)].apply(pd.to_numeric, errors="coerce")
    _check_numeric(numeric[list(columns)], table)
    values, kept, imputed = _fill_gaps(table.to_numpy(dtype=np.float64), columns)
    if time is not None:
        time = time[kept]
    _check_not_constant(values, columns)
    return Series(
        name=name,
        values=values,
        columns=columns,
        time=time,
        imputed=imputed,
        dropped=len(table) - int(kept.sum()),
        fingerprint=_fingerprint(path, columns, time_col),
    )


def _read_csv(path: Path) -> pd.DataFrame:
    if not path.is_file():
        raise DataError(f"no such data file: {path}; pass an existing CSV with --data")
    try:
        # A single-column file writes a gap as an empty line; it must stay a row.
        frame = pd.read_csv(path, skip_blank_lines=False)
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as error:
        first_line = str(error).strip().splitlines()[0] if str(error).strip() else "empty file"
        raise DataError(
            f"cannot read {path} as CSV ({first_line}); pass a comma-separated file "
            "with a header row"
        ) from error
    if frame.empty:
        raise DataError(f"{path} has no data rows; pass a CSV with a header and at least one row")
    return frame


def _detect_time_column(frame: pd.DataFrame) -> str | None:
    """The first non-numeric column whose every value parses as a date, if any."""
    for column in frame.columns:
        values = frame[column]
        if pd.api.types.is_numeric_dtype(values):
            continue
        parsed = pd.to_datetime(values, errors="coerce", format="mixed")
        if parsed.notna().all():
            return str(column)
    return None


def _parse_time(frame: pd.DataFrame, time_col: str) -> pd.DatetimeIndex:
    if time_col not in frame.columns:
        raise DataError(
            f"time column {time_col!r} is not in the file (columns: "
            f"{', '.join(map(str, frame.columns))}); fix --time-col"
        )
    time = pd.DatetimeIndex(pd.to_datetime(frame[time_col], errors="coerce", format="mixed"))
    if time.isna().any():
        row = int(np.flatnonzero(time.isna())[0]) + 2  # +1 for the header, +1 for 1-based rows
        raise DataError(
            f"time column {time_col!r} has a value that is not a date on line {row}; "
            "fix the value or choose another --time-col"
        )
    duplicated = time.duplicated()
    if duplicated.any():
        stamp = time[duplicated][0]
        raise DataError(
            f"duplicate timestamp {stamp} in column {time_col!r}; remove or aggregate "
            "the repeated rows"
        )
    if not time.is_monotonic_increasing:
        raise DataError(
            f"timestamps in {time_col!r} are not in increasing order; sort the file by time"
        )
    return time


def _choose_target(frame: pd.DataFrame, target: str | None, path: Path) -> str:
    if target is not None:
        return target
    if len(frame.columns) == 1:
        return str(frame.columns[0])
    numeric = [str(c) for c in frame.columns if pd.api.types.is_numeric_dtype(frame[c])]
    if not numeric:
        raise DataError(
            f"{path} has no numeric column to forecast; add one, or name it with "
            "--target if it holds stray text"
        )
    if len(numeric) > 1:
        raise DataError(
            f"{path} has several numeric columns ({', '.join(numeric)}); choose the "
            "one to forecast with --target"
        )
    return numeric[0]


def _check_column(frame: pd.DataFrame, column: str, path: Path) -> None:
    if column not in frame.columns:
        known = ", ".join(map(str, frame.columns))
        raise DataError(
            f"column {column!r} is not in {path.name} (columns: {known}); fix "
            "--target or --features"
        )


def _check_numeric(original: pd.DataFrame, coerced: pd.DataFrame) -> None:
    """Refuse text that is not a number; empty cells are gaps, not errors."""
    bad = coerced.isna() & original.notna()
    if bad.to_numpy().any():
        column = str(bad.columns[bad.any()][0])
        row = int(np.flatnonzero(bad[column].to_numpy())[0])
        raise DataError(
            f"column {column!r} has a non-numeric value {original[column].iloc[row]!r} "
            f"on line {row + 2}; fix it or leave the cell empty to interpolate it"
        )


def _fill_gaps(values: np.ndarray, columns: tuple[str, ...]) -> tuple[np.ndarray, np.ndarray, int]:
    """Drop leading/trailing rows with gaps, interpolate interior gaps linearly.

    Returns the filled values, the mask of kept rows and the number of interpolated cells.
    """
    present = ~np.isnan(values)
    complete_rows = np.flatnonzero(present.all(axis=1))
    missing = int((~present).sum())
    if len(complete_rows) == 0 or missing > present.sum():
        raise DataError(
            f"more values are missing ({missing}) than present ({int(present.sum())}) "
            f"in {', '.join(columns)}; fill the gaps or choose other columns"
        )
    kept = np.zeros(len(values), dtype=bool)
    kept[complete_rows[0] : complete_rows[-1] + 1] = True
    inner = pd.DataFrame(values[kept]).interpolate(method="linear", limit_area="inside")
    imputed = int(np.isnan(values[kept]).sum())
    return inner.to_numpy(dtype=np.float64), kept, imputed


def _check_not_constant(values: np.ndarray, columns: tuple[str, ...]) -> None:
    spread = np.ptp(values, axis=0)
    if spread[0] == 0:
        raise DataError(f"target column {columns[0]!r} is constant; there is nothing to forecast")
    flat = [columns[i] for i in np.flatnonzero(spread == 0)]
    if flat:
        raise DataError(
            f"feature column {flat[0]!r} is constant and carries no information; drop "
            "it from --features"
        )


def _fingerprint(path: Path, columns: tuple[str, ...], time_col: str | None) -> str:
    """Hash of the file's bytes and the column choice: a changed file or column refuses a resume."""
    digest = hashlib.sha256(path.read_bytes())
    digest.update(repr((columns, time_col)).encode())
    return digest.hexdigest()[:16]
