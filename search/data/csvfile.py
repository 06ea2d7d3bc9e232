"""A CSV file as spreadsheets really export it, read into a table of text cells.

pandas does the parsing; we decide how: the encoding (UTF-8, with or without a byte-order mark,
UTF-16 with one, else Windows-1252), the separator (`,` `;` or tab, from the header) and that
every row has the header's number of fields, so a stray separator (an unquoted thousands
separator, a decimal comma in a comma-separated file) is refused instead of shifting values
into the wrong column. Every cell stays text; `cells.py` turns the used columns into numbers and
times. The work spent on a hostile file is bounded before it is refused.
"""

from __future__ import annotations

import codecs
import csv
from dataclasses import dataclass
from pathlib import Path
from typing import NoReturn, TextIO

import pandas as pd

from search.errors import DataError

MAX_BYTES = 1 << 30
MAX_COLUMNS = 1_000
MAX_HEADER_CHARS = 100_000
MAX_CELLS = 50_000_000
"""The most cells (rows times columns) lstm-search reads. Each becomes a Python string before the
used columns become numbers, about 50 bytes a cell (an 80 MiB file of 4 M rows peaked at 632 MiB
when the cap was set, 1b6da7e, by a script not kept), so this bounds the table near 2.5 GB and
common hourly panels in long format fit (electricity's 370 series x 26,304 hours in three
columns are 29 M cells). benchmarks/hostile_input.py times a refusal at the cap."""
SEPARATORS = (",", ";", "\t")
SEPARATOR_NAMES = {",": "comma", ";": "semicolon", "\t": "tab"}
# A BOM names its encoding; without one, UTF-8 first, then the usual spreadsheet export of
# Western European Windows (it decodes accented header names; numbers are ASCII either way).
BOMS = (
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
FALLBACK_ENCODING = "cp1252"


@dataclass(frozen=True)
class CsvFile:
    """The text cells of a CSV file, with how it was read."""

    table: pd.DataFrame  # every cell a str; an empty cell is ""
    encoding: str
    separator: str

    def line(self, row: int) -> int:
        """The file's line number of data row `row` (the header is line 1)."""
        return row + 2


def read_csv_file(path: Path) -> CsvFile:
    """Read `path` into text cells, refusing what cannot be read without guessing.

    The file is read from disk as a stream, never held whole as text: a decoded copy of a
    1 GiB file took 6 GB (Python's StringIO keeps 4 bytes a character). Its cells are
    counted in the same pass that checks the field counts, and a file of more than MAX_CELLS is
    refused before pandas makes an object of each.
    """
    if not path.is_file():
        raise DataError(f"no such data file: {path}; pass an existing CSV with --data")
    size = path.stat().st_size
    if size > MAX_BYTES:
        raise DataError(
            f"{path} is {size / 2**20:.0f} MiB, more than the {MAX_BYTES / 2**20:.0f} MiB "
            "lstm-search reads; keep the columns you need, or resample the series"
        )
    for encoding in _encodings(path):
        try:
            separator = _check_fields(path, encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise DataError(f"{path} is neither UTF-8 nor Windows-1252 text; save it as UTF-8")
    try:
        table = pd.read_csv(
            path,
            encoding=encoding,
            sep=separator,
            dtype=str,
            keep_default_na=False,
            na_filter=False,
            skip_blank_lines=False,  # a single-column file writes a gap as an empty line
            index_col=False,
        )
    except (pd.errors.ParserError, pd.errors.EmptyDataError) as error:
        reason = clipped(str(error)) or "empty file"
        raise DataError(f"cannot read {path} as CSV ({reason}); save it as CSV") from error
    if table.empty:
        raise DataError(f"{path} has no data rows; pass a CSV with a header and at least one row")
    return CsvFile(table.fillna(""), encoding, separator)


def _encodings(path: Path) -> tuple[str, ...]:
    """The encodings to try, in order: the one a byte-order mark names, else UTF-8, then
    Windows-1252."""
    with path.open("rb") as handle:
        start = handle.read(4)
    for bom, encoding in BOMS:
        if start.startswith(bom):
            return (encoding,)
    return ("utf-8", FALLBACK_ENCODING)


def _check_fields(path: Path, encoding: str) -> str:
    """Check the header and every row's field count, reading `path` as `encoding` (a
    UnicodeDecodeError says it is not that encoding); return the separator."""
    with path.open(encoding=encoding, newline="") as handle:
        header = handle.readline(MAX_HEADER_CHARS + 1).rstrip("\r\n")
        if not header.strip():
            raise DataError(f"{path} has no header row; put the column names on the first line")
        if len(header) > MAX_HEADER_CHARS:
            raise DataError(
                f"the header of {path} is over {MAX_HEADER_CHARS:,} characters long; keep the "
                f"columns you need (at most {MAX_COLUMNS:,})"
            )
        separator = _separator(header)
        names = next(csv.reader([header], delimiter=separator))
        if len(names) > MAX_COLUMNS:
            raise DataError(
                f"{path} has {len(names):,} columns, more than the {MAX_COLUMNS:,} lstm-search "
                "reads; keep the columns you need"
            )
        handle.seek(0)
        _check_field_counts(handle, separator, len(names), path)
    return separator


def _separator(header: str) -> str:
    """The separator the header uses: the candidate that splits it into the most names."""
    counts = {sep: len(next(csv.reader([header], delimiter=sep))) for sep in SEPARATORS}
    best = max(SEPARATORS, key=lambda sep: counts[sep])
    return best if counts[best] > 1 else ","


def _check_field_counts(handle: TextIO, separator: str, expected: int, path: Path) -> None:
    """Every non-blank row has the header's number of fields, or the first that does not is
    named: a value with an unquoted separator in it would shift the others. A file of more
    than MAX_CELLS cells is refused as soon as it has that many."""
    reader = csv.reader(handle, delimiter=separator)
    next(reader)
    most_rows = MAX_CELLS // expected
    try:
        for rows, fields in enumerate(reader, start=1):
            if fields and len(fields) != expected:
                _refuse_fields(fields, reader.line_num, separator, expected, path)
            if rows > most_rows:
                raise DataError(
                    f"{path.name} has more than {most_rows:,} rows of {expected} columns, over "
                    f"the {MAX_CELLS:,} cells lstm-search reads; keep only the columns you use, "
                    "fewer series, or a coarser frequency (resample the series)"
                )
    except csv.Error as error:  # e.g. a field past the csv module's 128 KiB limit
        raise DataError(
            f"line {reader.line_num} of {path.name} cannot be read ({clipped(str(error))}); "
            "keep values short and quotes balanced"
        ) from None


def _refuse_fields(
    fields: list[str], line: int, separator: str, expected: int, path: Path
) -> NoReturn:
    name = SEPARATOR_NAMES[separator]
    hint = (
        "a decimal comma or thousands separator in a comma-separated file must be quoted, "
        "or export with ';' as the separator"
        if separator == ","
        else f"a {name} inside a value must be quoted"
    )
    raise DataError(
        f"line {line} of {path.name} has {len(fields)} fields but the header has "
        f"{expected} ({name}-separated); {hint}"
    )


def clipped(text: str, limit: int = 200) -> str:
    """The first line of a message from a library, cut to `limit` characters for ours."""
    first = text.strip().splitlines()[0] if text.strip() else ""
    return first if len(first) <= limit else first[: limit - 3] + "..."
