"""`search.tune`: the command's search from Python, quiet unless asked."""

from __future__ import annotations

import contextlib
import time
import warnings
from collections.abc import Iterator
from dataclasses import replace

import optuna

from search.api.arguments import DEFAULTS, search_options
from search.api.frames import Data, data_path
from search.api.result import SearchResult
from search.console import Printer, print_outcome
from search.run import run_search


def tune(
    data: Data,
    target: str | None = DEFAULTS.target,
    strategy: str = DEFAULTS.strategy,
    trials: int = DEFAULTS.trials,
    storage: str | None = DEFAULTS.storage,
    study: str | None = DEFAULTS.study,
    progress: bool = False,
    **options: object,
) -> SearchResult:
    """Run or resume a search as `lstm-search` does and return its result.

    `data` is a CSV path, a bundled name ("co2", "births") or a pandas DataFrame (a panel in
    long format with `id_col=`). `options` are the fields of `search.run.SearchOptions` (the
    command's options: `space="small"`, `epochs=2`, `workers=1`...). Calling it again with the
    same arguments and more `trials` continues the study. Refusals raise the project's errors
    (`search.errors`) with the command's messages. Nothing is printed unless `progress` is True,
    which shows what the command shows.
    """
    started = time.monotonic()
    chosen = search_options(
        {
            "target": target,
            "strategy": strategy,
            "trials": trials,
            "storage": storage,
            "study": study,
            **options,
        }
    )
    # Written only once every option is accepted: a refused call leaves no file behind.
    chosen = replace(chosen, data=data_path(data, storage))
    with optuna_quiet():
        outcome = run_search(chosen, Printer(chosen.quiet) if progress else None)
    if progress:
        print_outcome(outcome, started)
    best = outcome.best
    return SearchResult(
        best_params=dict(best.trial.params) if best is not None else {},
        score=outcome.score,
        study=outcome.search.study,
        storage=outcome.search.plan.url,
    )


@contextlib.contextmanager
def optuna_quiet() -> Iterator[None]:
    """Optuna's log at warnings only, as the command keeps it, and the user's level after."""
    verbosity = optuna.logging.get_verbosity()
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    try:
        with warnings.catch_warnings():
            # The gRPC proxy, journal files and artifacts are "experimental" in Optuna: nothing
            # for a user to act on.
            warnings.simplefilter("ignore", optuna.exceptions.ExperimentalWarning)
            yield
    finally:
        optuna.logging.set_verbosity(verbosity)
