"""What `lstm-search [OPTIONS]` shows while a search runs: a `Watcher` that prints."""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Callable, Iterator

from optuna.trial import FrozenTrial

from search.console.progress import Progress, stage_line
from search.console.summary import data_line, print_summary
from search.run import Outcome, Plan, Search, Stage, Watcher
from search.store import masked
from search.text import printable


class Printer(Watcher):
    """Prints each step of a search as the command always has; `quiet` drops the bar and the
    trial lines (the refit is announced all the same)."""

    def __init__(self, quiet: bool) -> None:
        self.quiet = quiet

    def planned(self, checked: Plan) -> None:
        """Say when a grid is smaller than the trials asked for."""
        if checked.target < checked.options.trials:
            print(
                f"the {checked.space.name} grid has {checked.target} cells; the study stops at "
                f"{checked.target} trials"
            )

    def opened(self, search: Search, finished: int) -> None:
        """Say what the study holds and what runs now: the study, the data, the budget."""
        checked, options = search.plan, search.plan.options
        target = checked.target
        if finished >= target:
            print(
                f"study {printable(search.study.study_name)} already has {finished} finished "
                f"trials (target {target}); raise --trials to run more"
            )
            return
        verb = f"resuming at {finished} of {target}" if finished else f"starting, {target} trials"
        workers = f" with {options.workers} workers" if options.workers > 1 else ""
        print(f"study {printable(checked.name)} in {masked(checked.url)}: {verb}{workers}")
        dataset = checked.dataset
        season = options.season or dataset.inferred_season()
        print(data_line(dataset.series, season, dataset.dropped))
        print(budget_line(checked))

    @contextlib.contextmanager
    def running(self, search: Search) -> Iterator[Callable[[FrozenTrial], None] | None]:
        """A progress bar and a line per finished trial on stderr."""
        workers, cores = search.plan.options.workers, os.cpu_count() or 1
        if workers > cores:
            print(
                f"note: {workers} workers on {cores} cores compete for the CPU; "
                f"--workers {cores} finishes sooner",
                file=sys.stderr,
            )
        with Progress(search.study, search.plan.target, quiet=self.quiet) as progress:
            yield progress.update

    def worker_exited(self, pid: int, code: int, trial: int | None) -> None:
        """Say which worker failed and what became of its trial."""
        held = "it held no trial" if trial is None else f"its trial {trial} is requeued"
        print(f"worker {pid} exited with code {code}; {held}, the others go on", file=sys.stderr)

    def stopped(self, search: Search, finished: int) -> None:
        """Say that the timeout stopped the trials, and how to go on."""
        print(
            f"stopped at {finished} of {search.plan.target} trials (timeout); run the same "
            "command again to continue",
            file=sys.stderr,
        )

    def stage(self, stage: Stage, trial: FrozenTrial) -> None:
        """A line as each stage of the end begins."""
        # The refit can take minutes, and --quiet has always said when it runs.
        if not self.quiet or stage == "refit":
            print(stage_line(stage, trial), flush=True)


def print_outcome(outcome: Outcome, started: float) -> None:
    """The summary of a finished search; with the time since `started` (a `time.monotonic()`)
    last when this run trained trials."""
    search = outcome.search
    print_summary(
        search.study,
        search.plan.url,
        outcome.best,
        started=started if outcome.ran else None,
        score=outcome.score,
    )


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
