"""Text cells to numbers and timestamps, decided once per file and never guessed per cell.

Numbers: the decimal mark (`.` or `,`) and a thousands separator are chosen from every used
cell together; a file whose cells disagree, or whose cells could be read two ways (`1,234` with
no other evidence), is refused with the fix. Times: ISO dates, day-first or month-first dates
when some value settles which (else `--date-format`), an explicit `--date-format`, or integer
epoch seconds in a column named with `--time-col`.
"""

from __future__ import annotations

import re
import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd

from search.data.csvfile import clipped
from search.errors import DataError

MISSING = frozenset({"", "na", "nan", "n/a", "null", "none"})
EXPONENT = r"([eE][+-]?\d+)?"
# Which decimal mark a cell shows: a single mark not followed by exactly three digits, the last
# of two different marks, or a mark repeated as thousands separators (then the other one is the
# decimal mark). One mark followed by three digits shows nothing by itself: `1.234` is read
# with a decimal point unless another cell shows a decimal comma, and `1,234` alone is refused.
SHOWS = {
    ".": rf"[+-]?(\d*\.\d*{EXPONENT}|[1-9]\d{{0,2}}(,\d{{3}}){{2,}}"
    rf"|[1-9]\d{{0,2}}(,\d{{3}})+\.\d*)",
    ",": r"[+-]?(\d*,\d*|[1-9]\d{0,2}(\.\d{3}){2,}|[1-9]\d{0,2}(\.\d{3})+,\d*)",
}
EITHER = {".": r"[+-]?[1-9]\d{0,2}\.\d{3}", ",": r"[+-]?[1-9]\d{0,2},\d{3}"}
NUMBER = {
    ".": rf"[+-]?((\d+|[1-9]\d{{0,2}}(,\d{{3}})+)(\.\d*)?|\.\d+){EXPONENT}",
    ",": rf"[+-]?((\d+|[1-9]\d{{0,2}}(\.\d{{3}})+)(,\d*)?|,\d+){EXPONENT}",
}
THOUSANDS = {".": ",", ",": "."}
SPECIAL = re.compile(r"^[+-]?(inf|infinity)$", re.IGNORECASE)
ISO_DATE = re.compile(
    r"^\d{4}-\d{1,2}-\d{1,2}([ T]\d{1,2}:\d{2}(:\d{2}(\.\d+)?)?)?(Z|[+-]\d{2}:?\d{2})?$"
)
NUMERIC_DATE = re.compile(r"^(\d{1,2})([./-])(\d{1,2})\2(\d{4}|\d{2})( \d{1,2}:\d{2}(:\d{2})?)?$")
# Integer times are epoch seconds between 1973 and 2096: below, they are more likely counts or
# row numbers; above, milliseconds.
EPOCH_SECONDS = (1e8, 4e9)
PROBE_CELLS = 20
MAX_DATE_CHARS = 40


@dataclass(frozen=True)
class NumberFormat:
    """How a file writes its numbers."""

    decimal: str  # "." or ","

    @property
    def thousands(self) -> str:
        """The thousands separator that goes with this decimal mark."""
        return THOUSANDS[self.decimal]


def number_format(columns: dict[str, pd.Series]) -> NumberFormat:
    """The one decimal mark every cell of the used columns agrees on, or a refusal."""
    shown: dict[str, tuple[str, str]] = {}
    either = None
    for name, cells in columns.items():
        text = cells.str.strip()
        for mark, pattern in SHOWS.items():
            hits = text[text.str.fullmatch(pattern) & ~text.str.fullmatch(EITHER[mark])]
            if mark not in shown and len(hits):
                shown[mark] = (name, hits.iloc[0])
        hits = text[text.str.fullmatch(EITHER[","])]
        if either is None and len(hits):
            either = (name, hits.iloc[0])
    if len(shown) == 2:
        (point_column, point), (comma_column, comma) = shown["."], shown[","]
        raise DataError(
            f"column {point_column!r} writes {_quoted(point)} with a decimal point but column "
            f"{comma_column!r} writes {_quoted(comma)} with a decimal comma; export every "
            "number with the same decimal mark"
        )
    if shown or either is None:
        return NumberFormat(next(iter(shown), "."))
    raise DataError(
        f"column {either[0]!r} has {_quoted(either[1])}, which reads as a thousands separator "
        "or as a decimal mark, and no value settles which; export with a decimal point and no "
        "thousands separators"
    )


def to_numbers(column: str, cells: pd.Series, style: NumberFormat) -> np.ndarray:
    """A column of text cells as floats (NaN where empty); the first bad cell is refused."""
    text = cells.str.strip()
    missing = text.str.lower().isin(MISSING)
    bad = ~(missing | text.str.fullmatch(NUMBER[style.decimal]))
    if bad.any():
        row = int(np.flatnonzero(bad.to_numpy())[0])
        value = text.iloc[row]
        if SPECIAL.match(value):
            raise DataError(
                f"column {column!r} has {_quoted(value)} on line {row + 2}; only finite "
                "numbers can be forecast, so fix the value or leave the cell empty"
            )
        raise DataError(
            f"column {column!r} has a non-numeric value {_quoted(value)} on line {row + 2}; "
            "fix it or leave the cell empty to interpolate it"
        )
    plain = text.where(~missing).str.replace(style.thousands, "", regex=False)
    # astype, not pd.to_numeric: pandas 2.3 refuses "1e400" there, and it must read as inf to be
    # refused below with its line.
    values: np.ndarray = plain.str.replace(style.decimal, ".", regex=False).astype(float).to_numpy()
    overflow = np.isinf(values)
    if overflow.any():
        row = int(np.flatnonzero(overflow)[0])
        raise DataError(
            f"column {column!r} has {_quoted(text.iloc[row])} on line {row + 2}, too large to "
            "compute with; fix the value or rescale the column"
        )
    return values


def is_numeric(cells: pd.Series) -> bool:
    """Whether a text column holds numbers (cheap: only its first few non-empty cells)."""
    probe = [c.strip() for c in cells[: PROBE_CELLS * 5] if c.strip().lower() not in MISSING]
    probe = probe[:PROBE_CELLS]
    return bool(probe) and all(
        re.fullmatch(NUMBER["."], c) or re.fullmatch(NUMBER[","], c) for c in probe
    )


def looks_like_time(cells: pd.Series) -> bool:
    """Whether the first cells of a text column look like dates (cheap: only a few are probed)."""
    probe = [c.strip() for c in cells[:PROBE_CELLS] if c.strip()]
    return bool(probe) and all(
        len(c) <= MAX_DATE_CHARS and (ISO_DATE.match(c) or NUMERIC_DATE.match(c)) for c in probe
    )


def to_times(column: str, cells: pd.Series, date_format: str | None) -> pd.DatetimeIndex:
    """A time column as timestamps, read one way for the whole column, or a refusal."""
    texts = pd.Series([c.strip() for c in cells])
    if date_format is not None:
        return _parse(column, texts, date_format)
    if all(t.lstrip("-").isdigit() for t in texts if t):
        return _epoch_seconds(column, texts)
    first = next((t for t in texts if t), "")
    if ISO_DATE.match(first):
        return _parse(column, texts, "ISO8601")
    match = NUMERIC_DATE.match(first)
    if match:
        return _parse(column, texts, _day_or_month_first(column, texts, match.group(2)))
    raise DataError(
        f"time column {column!r} has {_quoted(first)}, not a date lstm-search reads without "
        "help; pass --date-format (e.g. '%d.%m.%Y %H:%M') or write ISO dates (2024-01-31)"
    )


def _day_or_month_first(column: str, texts: pd.Series, separator: str) -> str:
    parts = texts.str.extract(NUMERIC_DATE.pattern)
    first, second = parts[0].dropna().astype(int), parts[2].dropna().astype(int)
    year = "%Y" if parts[3].dropna().str.len().eq(4).all() else "%y"
    clock = " %H:%M:%S" if parts[5].notna().any() else (" %H:%M" if parts[4].notna().any() else "")
    if (first > 12).any() and not (second > 12).any():
        order = ("%d", "%m")
    elif (second > 12).any() and not (first > 12).any():
        order = ("%m", "%d")
    else:
        example = texts[texts != ""].iloc[0]
        raise DataError(
            f"time column {column!r} has dates such as {_quoted(example)} that read as "
            "day-first or month-first alike; pass --date-format "
            f"'%d{separator}%m{separator}%Y' or '%m{separator}%d{separator}%Y'"
        )
    return separator.join((*order, year)) + clock


def _parse(column: str, texts: pd.Series, date_format: str) -> pd.DatetimeIndex:
    present = texts != ""
    if not present.all():
        row = int(np.flatnonzero(~present.to_numpy())[0])
        raise DataError(
            f"time column {column!r} is empty on line {row + 2}; fill in the time or remove the row"
        )
    try:
        with warnings.catch_warnings():  # pandas 2.x warns, then keeps them; later ones raise
            warnings.simplefilter("ignore", FutureWarning)
            times = pd.to_datetime(texts, format=date_format, errors="coerce")
        if times.dtype == object:  # time zones that differ between rows, kept as such
            raise ValueError("the rows' time zones differ")
    except (ValueError, TypeError) as error:  # e.g. time zones that differ between rows
        raise DataError(
            f"time column {column!r} cannot be read as one kind of time ({clipped(str(error))}); "
            "write every time in the same time zone, or without one"
        ) from None
    bad = times.isna().to_numpy()
    if bad.any():
        row = int(np.flatnonzero(bad)[0])
        shown = "ISO dates" if date_format == "ISO8601" else f"the format {date_format!r}"
        raise DataError(
            f"time column {column!r} has {_quoted(texts.iloc[row])} on line {row + 2}, which "
            f"does not match {shown}; fix the value or pass --date-format"
        )
    index = pd.DatetimeIndex(times)
    return index.tz_convert(None) if index.tz is not None else index


def _epoch_seconds(column: str, texts: pd.Series) -> pd.DatetimeIndex:
    numbers = pd.to_numeric(texts.replace("", np.nan))
    low, high = EPOCH_SECONDS
    if numbers.isna().any() or not numbers.between(low, high).all():
        raise DataError(
            f"time column {column!r} holds integers that are not Unix epoch seconds "
            f"(1973 to 2096, e.g. {int(low)}); convert it to ISO dates, or choose another "
            "--time-col"
        )
    return pd.DatetimeIndex(pd.to_datetime(numbers, unit="s"))


def _quoted(text: str, limit: int = 40) -> str:
    return repr(text if len(text) <= limit else text[: limit - 3] + "...")
