"""lstm-search: hyperparameter search for PyTorch LSTM forecasters on Optuna.

`search.tune(...)` and `search.objective(...)` are the Python API (search/api); they load on
first use, so that `import search.data` and a worker process load no more than they need.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from search.api import SearchResult, objective, tune

__all__ = ["SearchResult", "objective", "tune"]


def __getattr__(name: str) -> Any:
    """The API's names, imported when first asked for."""
    if name in __all__:
        import search.api

        return getattr(search.api, name)
    raise AttributeError(f"module 'search' has no attribute {name!r}")
