"""Running a search: its options, the driver, the worker loop and worker processes."""

from __future__ import annotations

from search.run.driver import (
    Plan,
    Search,
    Stage,
    best_model,
    held_out_score,
    open_search,
    plan,
    refit_due,
    run_to_target,
    trial_objective,
)
from search.run.flow import Outcome, Watcher, run_search, watched_trials
from search.run.options import Option, SearchOptions, declared
from search.run.pool import WorkerPool, prestarted
from search.run.process import guarded
from search.run.values import positive_int

__all__ = [
    "Option",
    "Outcome",
    "Plan",
    "Search",
    "SearchOptions",
    "Stage",
    "Watcher",
    "WorkerPool",
    "best_model",
    "declared",
    "guarded",
    "held_out_score",
    "open_search",
    "plan",
    "positive_int",
    "prestarted",
    "refit_due",
    "run_search",
    "run_to_target",
    "trial_objective",
    "watched_trials",
]
