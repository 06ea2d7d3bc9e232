"""The Python API: `tune` a search as the command runs it, or use its `objective` in a study of
your own."""

from __future__ import annotations

from search.api.objective import objective
from search.api.result import SearchResult
from search.api.tune import tune

__all__ = ["SearchResult", "objective", "tune"]
