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
import io
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from search.errors import DataError

MAX_BYTES = 1 << 30
MAX_COLUMNS = 1_000
MAX_HEADER_CHARS = 100_000
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
    """Read `path` into text cells, refusing what cannot be read without guessing."""
    if not path.is_file():
        raise DataError(f"no such data file: {path}; pass an existing CSV with --data")
    size = path.stat().st_size
    if size > MAX_BYTES:
        raise DataError(
            f"{path} is {size / 2**20:.0f} MiB, more than the {MAX_BYTES / 2**20:.0f} MiB "
            "lstm-search reads; keep the columns you need, or resample the series"
        )
    text, encoding = _decode(path.read_bytes(), path)
    header = text.split("\n", 1)[0].rstrip("\r")
    if not header.strip():
        raise DataError(f"{path} has no header row; put the column names on the first line")
    if len(header) > MAX_HEADER_CHARS:
        raise DataError(
            f"the header of {path} is {len(header):,} characters long; keep the columns "
            f"you need (at most {MAX_COLUMNS:,})"
        )
    separator = _separator(header)
    names = next(csv.reader([header], delimiter=separator))
    if len(names) > MAX_COLUMNS:
        raise DataError(
            f"{path} has {len(names):,} columns, more than the {MAX_COLUMNS:,} lstm-search "
            "reads; keep the columns you need"
        )
    _check_field_counts(text, separator, len(names), path)
    try:
        table = pd.read_csv(
            io.StringIO(text),
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


def _decode(raw: bytes, path: Path) -> tuple[str, str]:
    for bom, encoding in BOMS:
        if raw.startswith(bom):
            try:
                return raw.decode(encoding), encoding
            except UnicodeDecodeError:
                break
    else:
        for encoding in ("utf-8", FALLBACK_ENCODING):
            try:
                return raw.decode(encoding), encoding
            except UnicodeDecodeError:
                continue
    raise DataError(f"{path} is neither UTF-8 nor Windows-1252 text; save it as UTF-8")


def _separator(header: str) -> str:
    """The separator the header uses: the candidate that splits it into the most names."""
    counts = {sep: len(next(csv.reader([header], delimiter=sep))) for sep in SEPARATORS}
    best = max(SEPARATORS, key=lambda sep: counts[sep])
    return best if counts[best] > 1 else ","


def _check_field_counts(text: str, separator: str, expected: int, path: Path) -> None:
    """Every non-blank row has the header's number of fields, or the first that does not is
    named: a value with an unquoted separator in it would shift the others."""
    reader = csv.reader(io.StringIO(text), delimiter=separator)
    next(reader)
    try:
        bad = next(((f, reader.line_num) for f in reader if f and len(f) != expected), None)
    except csv.Error as error:  # e.g. a field past the csv module's 128 KiB limit
        raise DataError(
            f"line {reader.line_num} of {path.name} cannot be read ({clipped(str(error))}); "
            "keep values short and quotes balanced"
        ) from None
    if bad is not None:
        fields, line = bad
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
