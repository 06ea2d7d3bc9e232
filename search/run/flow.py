"""A whole search, as the command and the Python API both run it: plan, open, run trials to the
target (here or in worker processes), then the end of the run.

It prints nothing: whoever runs it hears of each step through a `Watcher` and decides what to
show (the command prints; the Python API is quiet unless asked).
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from optuna.trial import FrozenTrial

from search.results import BestModel
from search.run.driver import (
    Plan,
    Search,
    Stage,
    best_model,
    held_out_score,
    open_search,
    plan,
    run_to_target,
)
from search.run.options import SearchOptions
from search.run.pool import WorkerPool, prestarted
from search.store import TestScore, counts


class Watcher:
    """What a search says as it goes; every step is silent here, and a subclass shows it."""

    def planned(self, checked: Plan) -> None:
        """The search passed every check; nothing is written yet."""

    def opened(self, search: Search, finished: int) -> None:
        """The study is open with `finished` trials; trials follow if that is below target."""

    @contextlib.contextmanager
    def running(self, search: Search) -> Iterator[Callable[[FrozenTrial], None] | None]:
        """While trials run: yields what hears of each finished trial (None: nobody)."""
        yield None

    def worker_exited(self, pid: int, code: int, trial: int | None) -> None:
        """A worker process failed (see `WorkerExit`); the others go on."""

    def stopped(self, search: Search, finished: int) -> None:
        """The trials stopped short of the target (the timeout passed)."""

    def stage(self, stage: Stage, trial: FrozenTrial) -> None:
        """A stage of the end of the run begins, for the best trial."""


@dataclass(frozen=True)
class Outcome:
    """A search run to its end: the open search, its best model and its held-out score, and
    whether this run trained any trial."""

    search: Search
    best: BestModel | None
    score: TestScore | None
    ran: bool


def run_search(options: SearchOptions, watcher: Watcher | None = None) -> Outcome:
    """Run or resume the study `options` describe to its target, then score its best model."""
    watcher = watcher or Watcher()
    with prestarted(options.workers) as pool:  # they start while the search is planned
        checked = plan(options)
        watcher.planned(checked)
        search = open_search(checked)
        finished = counts(search.study).finished
        watcher.opened(search, finished)
        watched_trials(search, pool, watcher)
    best = best_model(search)
    ran = finished < checked.target
    return Outcome(search, best, held_out_score(search, best, watcher.stage), ran)


def watched_trials(search: Search, pool: WorkerPool, watcher: Watcher) -> int:
    """Run the open search's trials to its target, telling `watcher`; return the finished
    trials. A study that already has its target runs nothing."""
    finished = counts(search.study).finished
    if finished >= search.plan.target:
        return finished
    with watcher.running(search) as on_trial:
        finished = run_to_target(search, on_trial, pool, watcher.worker_exited)
    if finished < search.plan.target:
        watcher.stopped(search, finished)
    return finished
