"""Reading a series: a CSV file in, a validated, gap-filled numeric table out.

Everything a user can get wrong about their file is refused here with a DataError that names the
column or count and the fix, before any storage is touched.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import numpy as np
import pandas as pd

from search.data.cells import is_numeric, looks_like_time, number_format, to_numbers, to_times
from search.data.csvfile import SEPARATOR_NAMES, read_csv_file
from search.data.panel import panel_rows
from search.errors import DataError

BUNDLED = {"co2": ("co2_weekly.csv", None), "births": ("births_weekly.csv", "state")}
"""The data shipped with the package, by the name `--data` takes: its file and, for a panel, its
id column (search/data/README.md says where each comes from)."""
DEFAULT_DATA = "co2"


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
    time_col: str | None = None
    read_as: str = "comma-separated, decimal point, utf-8"
    # A panel: many series stacked in `values` (and `time`), series i from row starts[i] on.
    ids: tuple[str, ...] = ()
    starts: tuple[int, ...] = (0,)
    id_col: str | None = None

    @property
    def target(self) -> str:
        """Name of the forecast column."""
        return self.columns[0]

    @property
    def features(self) -> tuple[str, ...]:
        """Names of the extra input columns."""
        return self.columns[1:]

    @property
    def parts(self) -> list[tuple[str, int, int]]:
        """Each series' name and rows [start, stop): one part, named as the data, unless a
        panel."""
        names = self.ids or (self.name,)
        stops = (*self.starts[1:], len(self.values))
        return list(zip(names, self.starts, stops, strict=True))


def bundled_path(name: str = DEFAULT_DATA) -> Path:
    """Path of a dataset shipped with the package (by default the Mauna Loa CO2 series)."""
    return Path(str(resources.files("search") / "data" / BUNDLED[name][0]))


def bundled_name(data: str | Path | None) -> str | None:
    """The name of the bundled dataset `data` means (None means the default), else None; a file
    of that name, when there is one, wins."""
    if data is None:
        return DEFAULT_DATA
    path = Path(data)
    if str(data) in BUNDLED and not path.exists():
        return str(data)
    return next((name for name in BUNDLED if path == bundled_path(name)), None)


def data_name(path: str | Path | None) -> str:
    """The short name of a data file, used in study names: `co2` for the bundled series."""
    bundled = bundled_name(path)
    if bundled is not None:
        return bundled
    assert path is not None  # bundled_name reads None as the bundled CO2 series
    return Path(path).stem


def load_series(
    path: str | Path | None = None,
    target: str | None = None,
    features: tuple[str, ...] = (),
    time_col: str | None = None,
    date_format: str | None = None,
    id_col: str | None = None,
) -> Series:
    """Read a CSV into a validated Series; None reads the bundled CO2 data, a name of BUNDLED
    that dataset.

    `date_format` (strftime codes) reads a time column whose dates are not ISO and not settled
    as day-first or month-first by their own values. `id_col` reads a panel in long format: one
    row per series and time, each series validated and gap-filled on its own.
    """
    bundled = bundled_name(path)
    if bundled is not None:
        path, id_col = bundled_path(bundled), id_col or BUNDLED[bundled][1]
    assert path is not None  # bundled_name reads None as the bundled CO2 series
    path = Path(path)
    name = data_name(path)
    csv = read_csv_file(path)
    raw = csv.table
    if id_col is not None:
        _check_column(raw, id_col, path, "--id-col")
        if id_col in (target, *features):
            raise DataError(
                f"column {id_col!r} is both the series id and a column to forecast or read; "
                "fix --id-col, --target or --features"
            )
    if time_col is not None:
        _check_column(raw, time_col, path, "--time-col")
    else:
        time_col = _detect_time_column(raw, (target, *features, id_col))
    if id_col is not None and time_col is None:
        raise DataError(
            f"{path.name} has no time column, which a panel needs to cut every series at the same "
            "dates; name it with --time-col"
        )
    time = to_times(time_col, raw[time_col], date_format) if time_col is not None else None
    if time_col is not None and time is not None and id_col is None:
        _check_time_order(time, time_col)
    numeric = raw.drop(columns=[c for c in (time_col, id_col) if c is not None])
    target = _choose_target(numeric, target, path)
    columns = (target, *features)
    for column in columns:
        _check_column(numeric, column, path, "--target or --features")
    if len(set(columns)) != len(columns):
        raise DataError(
            f"column {target!r} is both the target and a feature; drop it from --features"
        )
    used = {column: numeric[column] for column in columns}
    style = number_format(used)
    table = np.column_stack([to_numbers(column, cells, style) for column, cells in used.items()])
    if id_col is not None and time_col is not None and time is not None:
        rows = panel_rows(raw[id_col], time, id_col, time_col)
    else:
        rows = [(name, np.arange(len(table)))]
    parts = [_part(series, table[index], columns, id_col) for series, index in rows]
    if id_col is None:
        # A panel's constant series are left out when it is split (`windows.py`), not refused.
        _check_not_constant(parts[0][0], columns)
    lengths = [len(values) for values, _, _ in parts]
    if time is not None:
        times = [time[index][kept] for (_, index), (_, kept, _) in zip(rows, parts, strict=True)]
        time = times[0].append(times[1:])
    return Series(
        name=name,
        values=np.concatenate([values for values, _, _ in parts]),
        columns=columns,
        time=time,
        imputed=sum(imputed for _, _, imputed in parts),
        dropped=len(table) - sum(lengths),
        fingerprint=_fingerprint(path, columns, time_col, date_format, id_col),
        time_col=time_col,
        read_as=f"{SEPARATOR_NAMES[csv.separator]}-separated, decimal "
        f"{'point' if style.decimal == '.' else 'comma'}, {csv.encoding}",
        ids=tuple(series for series, _ in rows) if id_col is not None else (),
        starts=tuple(np.cumsum([0, *lengths[:-1]]).tolist()),
        id_col=id_col,
    )


def _part(
    series: str, table: np.ndarray, columns: tuple[str, ...], id_col: str | None
) -> tuple[np.ndarray, np.ndarray, int]:
    """One series' rows gap-filled: values, the mask of kept rows, the cells interpolated."""
    try:
        return _fill_gaps(table, columns)
    except DataError as error:
        if id_col is None:
            raise
        raise DataError(f"series {series!r} ({id_col}) has no usable rows: {error}") from None


def _detect_time_column(frame: pd.DataFrame, used: tuple[str | None, ...]) -> str | None:
    """The first column, other than the ones asked for, whose first cells look like dates.

    Only a few cells of each column are probed, so a long text column costs nothing.
    """
    for column in frame.columns:
        if column not in used and looks_like_time(frame[column]):
            return str(column)
    return None


def _check_time_order(time: pd.DatetimeIndex, time_col: str) -> None:
    duplicated = time.duplicated()
    if duplicated.any():
        stamp = time[duplicated][0]
        raise DataError(
            f"duplicate timestamp {stamp} in column {time_col!r}; remove or aggregate "
            "the repeated rows, or name the column of series ids with --id-col if the file "
            "holds many series"
        )
    if not time.is_monotonic_increasing:
        row = int(np.flatnonzero(np.diff(time.asi8) < 0)[0]) + 1
        raise DataError(
            f"timestamps in {time_col!r} go back in time on line {row + 2} ({time[row - 1]} "
            f"then {time[row]}); sort the file by time"
        )


def _choose_target(frame: pd.DataFrame, target: str | None, path: Path) -> str:
    if target is not None:
        return target
    if len(frame.columns) == 1:
        return str(frame.columns[0])
    numeric = [str(c) for c in frame.columns if is_numeric(frame[c])]
    if not numeric:
        raise DataError(
            f"{path} has no numeric column to forecast; add one, or name it with "
            "--target if it holds stray text"
        )
    if len(numeric) > 1:
        raise DataError(
            f"{path} has several numeric columns ({_listed(numeric)}); choose the "
            "one to forecast with --target"
        )
    return numeric[0]


def _check_column(frame: pd.DataFrame, column: str, path: Path, option: str) -> None:
    if column not in frame.columns:
        raise DataError(
            f"column {column!r} is not in {path.name} (columns: {_listed(frame.columns)}); "
            f"fix {option}, or give the file the column names it was searched with"
        )


def _listed(names: Iterable[object], limit: int = 10) -> str:
    """Names for a message: the first `limit` and how many more."""
    quoted = [repr(str(n)) for n in names]
    more = f", and {len(quoted) - limit} more" if len(quoted) > limit else ""
    return ", ".join(quoted[:limit]) + more


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


def _fingerprint(
    path: Path,
    columns: tuple[str, ...],
    time_col: str | None,
    date_format: str | None,
    id_col: str | None,
) -> str:
    """Hash of the file's bytes and how it is read: a changed file or column refuses a resume."""
    digest = hashlib.sha256(path.read_bytes())
    # Without a date format or an id column the key is what it was before those options
    # existed, so studies made then keep their fingerprint.
    choice: tuple[object, ...] = (columns, time_col)
    if date_format is not None:
        choice = (*choice, date_format)
    if id_col is not None:
        choice = (*choice, ("id_col", id_col))
    digest.update(repr(choice).encode())
    return digest.hexdigest()[:16]
