"""A pandas DataFrame as the CSV file a search reads: written once, named by its content.

A study records the path of its data, and worker processes, resumes and forecasts read that
file; so a frame is written where the storage keeps its models, under a name made from its
bytes: the same frame is the same file (and so resumes the same study), a changed one another.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from pathlib import Path
from typing import TypeAlias

import pandas as pd

from search.errors import ConfigError
from search.store import artifact_location, storage_url

Data: TypeAlias = str | os.PathLike[str] | pd.DataFrame | None
"""A search's data: a CSV path, a bundled name ("co2", "births"), a DataFrame, or None (CO2)."""

DIGEST_CHARS = 16
"""Hex digits of the content's SHA-256 in the file name: 64 bits, no accidental match."""


def data_path(data: Data, storage: str | None) -> str | None:
    """What the search's `data` option should be for `data`: a path or bundled name as given,
    a DataFrame as its CSV file beside the artifacts of `storage`."""
    if not isinstance(data, pd.DataFrame):
        return None if data is None else os.fspath(data)
    frame = data if isinstance(data.index, pd.RangeIndex) else data.reset_index()
    text = frame.to_csv(index=False)
    location = artifact_location(storage_url(storage))
    if "://" in location:
        raise ConfigError(
            f"a DataFrame is kept as a CSV file beside the study's models, but they are in "
            f"{location}; write the frame to a CSV file every worker can read and pass its path"
        )
    digest = hashlib.sha256(text.encode()).hexdigest()[:DIGEST_CHARS]
    path = Path(location) / "data" / f"frame-{digest}.csv"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        # Written whole, then renamed: a process reading it never sees half a file.
        with tempfile.NamedTemporaryFile("w", dir=path.parent, delete=False, suffix=".tmp") as out:
            out.write(text)
        os.replace(out.name, path)
    return str(path)
