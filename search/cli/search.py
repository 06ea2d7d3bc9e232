"""`lstm-search [OPTIONS]`: run or resume a search, with its messages, progress and summary.

The engine (driver) returns results and prints nothing; everything the user reads while a
search runs is printed here.
"""

from __future__ import annotations

import time

from search.cli.progress import end_of_run, run_with_progress
from search.cli.summary import data_line, print_summary
from search.run import (
    Plan,
    Search,
    SearchOptions,
    WorkerPool,
    best_model,
    held_out_score,
    open_search,
    plan,
    prestarted,
)
from search.store import counts, masked
from search.text import printable


def run_search(options: SearchOptions) -> int:
    """Run or resume the study `options` describe, telling the user how it goes."""
    # The clock starts before planning: "elapsed" is what the user waits, end to end.
    started = time.monotonic()
    with prestarted(options.workers) as pool:  # they start while the search is planned
        return _run(options, pool, started)


def _run(options: SearchOptions, pool: WorkerPool, started: float) -> int:
    checked = plan(options)
    if checked.target < options.trials:
        print(
            f"the {checked.space.name} grid has {checked.target} cells; the study stops at "
            f"{checked.target} trials"
        )
    search = open_search(checked)
    study, target = search.study, checked.target
    finished = counts(study).finished
    if finished >= target:
        print(
            f"study {printable(study.study_name)} already has {finished} finished trials (target "
            f"{target}); raise --trials to run more"
        )
        _finish(search)
        return 0
    _announce(search, finished)
    run_with_progress(search, pool)
    _finish(search, started)
    return 0


def _finish(search: Search, started: float | None = None) -> None:
    """The end of a run: the best model read once, refit and scored, and the summary, with
    the time since `started` (a `time.monotonic()`) last if given."""
    best = best_model(search)
    score = held_out_score(search, best, end_of_run(search.plan.options.quiet))
    print_summary(search.study, search.plan.url, best, started=started, score=score)


def budget_line(checked: Plan) -> str:
    """What each trial may train, in work: epochs of (at most --epoch-windows of) the training
    windows, folds, patience."""
    budget, options = checked.budget, checked.options
    work = (
        f"a work budget of {budget.work:.3g} parameter-windows (a model of 100,000 parameters: "
        f"{budget.epochs_for(100_000, checked.train_windows)} epochs), at least "
        f"{min(budget.min_epochs, budget.epochs)} and at most"
        if budget.work is not None
        else "the epoch cap alone,"
    )
    limit = (
        f"a {options.trial_seconds:g} s time limit per trial and fold (machine-dependent)"
        if options.trial_seconds
        else "no time limit"
    )
    folds = f"{budget.folds} rolling-origin folds" if budget.folds > 1 else "1 validation window"
    windows, size = checked.train_windows, budget.epoch_size(checked.train_windows)
    epoch = (
        f"{windows:,} windows per epoch"
        if size == windows
        else f"{size:,} windows per epoch, in turn from a seeded order of all {windows:,}"
    )
    return (
        f"training: {epoch}; {work} {budget.epochs} epochs per trial; patience "
        f"{budget.patience}, {folds}, {limit}"
    )


def _announce(search: Search, finished: int) -> None:
    checked, options = search.plan, search.plan.options
    target = checked.target
    verb = f"resuming at {finished} of {target}" if finished else f"starting, {target} trials"
    workers = f" with {options.workers} workers" if options.workers > 1 else ""
    print(f"study {printable(checked.name)} in {masked(checked.url)}: {verb}{workers}")
    dataset = checked.dataset
    season = options.season or dataset.inferred_season()
    print(data_line(dataset.series, season, dataset.dropped))
    print(budget_line(checked))
