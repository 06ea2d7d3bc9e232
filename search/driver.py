"""Running a search: validate everything, then open the study and run trials to the target.

Every check that can refuse the command (space, data, windows, stored configuration) runs
before the first write, so a refused command leaves the storage as it was.
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass

import optuna
from optuna.storages import RDBStorage
from optuna.trial import FrozenTrial

from search import schema
from search.artifacts import artifact_store
from search.data import Series, load_series
from search.dataset import ForecastDataset
from search.device import resolve_device, set_threads
from search.hyperparameters import load_search_space
from search.objective import TrialBudget, make_objective
from search.pool import run_workers
from search.progress import Progress
from search.results import best_score, record_source
from search.run_options import SearchOptions
from search.runner import Objective, run_trials
from search.slots import SlotLock
from search.storage import masked, open_storage, storage_url
from search.study import check_resumable, open_study
from search.summary import print_summary
from search.trials import best_trial, counts
from spaces import Space

# Measured on 2 cores: one thread trains the CO2 default model at 9,800 samples/s; two threads
# gain 0.97-1.25x on an idle machine but fall to 75 samples/s when any other process is busy
# (OpenMP threads spin-waiting on each other). Parallelism comes from worker processes instead.
THREADS_PER_WORKER = 1


@dataclass
class PreparedSearch:
    """A validated search with its study open: all a process needs to run trials."""

    options: SearchOptions
    study: optuna.Study
    url: str
    target: int
    objective: Objective
    series: Series


@dataclass(frozen=True)
class Plan:
    """A search checked from end to end, with nothing written yet."""

    options: SearchOptions
    space: Space
    dataset: ForecastDataset
    target: int
    config: dict[str, object]
    name: str
    url: str
    storage: RDBStorage


def plan(options: SearchOptions) -> Plan:
    """Every check that can refuse a search: space, data, windows, the stored configuration."""
    space = load_search_space(options.space)
    series = load_series(options.data, options.target, options.features, options.time_col)
    dataset = ForecastDataset(
        series, options.horizon, options.split, resolve_device(options.device)
    )
    dataset.windows(longest_seq_len(space, options.seq_len))  # refuses too short a series
    target = options.trials
    if options.strategy == "grid":
        target = min(target, len(space.grid_cells()))
    config = study_config(options, dataset, space)
    name = options.study or f"{series.name}-{options.strategy}"
    url = storage_url(options.storage)
    storage = open_storage(url)
    check_resumable(storage, url, name, config)
    return Plan(options, space, dataset, target, config, name, url, storage)


def prepare(options: SearchOptions, announce: bool = True) -> PreparedSearch:
    """Validate everything, then create or load the study; refusals write nothing."""
    set_threads(THREADS_PER_WORKER)
    checked = plan(options)
    if announce and checked.target < options.trials:
        print(
            f"the {checked.space.name} grid has {checked.target} cells; the study stops at "
            f"{checked.target} trials"
        )
    url = checked.url
    study = open_study(checked.storage, url, checked.name, checked.config, checked.space)
    study.set_user_attr(schema.TARGET, checked.target)
    record_source(study, options.data, options.time_col, options.season)
    budget = TrialBudget(options.epochs, options.patience, options.trial_seconds)
    fixed = {"arch": options.arch, "seq_len": options.seq_len}
    objective = make_objective(
        checked.space, checked.dataset, budget, fixed, options.seed, artifact_store(url)
    )
    return PreparedSearch(options, study, url, checked.target, objective, checked.dataset.series)


def run_search(options: SearchOptions) -> int:
    """Run or resume the study `options` describe, here or in worker processes."""
    search = prepare(options)
    study, target = search.study, search.target
    finished = counts(study).finished
    if finished >= target:
        print(
            f"study {study.study_name} already has {finished} finished trials (target "
            f"{target}); raise --trials to run more"
        )
        print_summary(study, search.url, score=_test_score(search))
        return 0
    verb = f"resuming at {finished} of {target}" if finished else f"starting, {target} trials"
    workers = f" with {options.workers} workers" if options.workers > 1 else ""
    print(f"study {study.study_name} in {masked(search.url)}: {verb}{workers}")
    series = search.series
    if series.imputed or series.dropped:
        print(
            f"data: {series.imputed} missing values interpolated, {series.dropped} "
            "leading/trailing rows dropped"
        )
    cores = os.cpu_count() or 1
    if options.workers > cores:
        print(
            f"note: {options.workers} workers on {cores} cores compete for the CPU; "
            f"--workers {cores} finishes sooner",
            file=sys.stderr,
        )
    started = time.monotonic()
    with Progress(study, target, quiet=options.quiet) as progress:
        if options.workers > 1:
            run_workers(options, study, progress.update)
        else:
            run_here(search, progress.update)
    finished = counts(study).finished
    if finished < target:
        print(
            f"stopped at {finished} of {target} trials (timeout); run the same command "
            "again to continue",
            file=sys.stderr,
        )
    elapsed = time.monotonic() - started
    print_summary(study, search.url, elapsed=elapsed, score=_test_score(search))
    return 0


def _test_score(search: PreparedSearch) -> dict[str, object] | None:
    """The best model's test score, scored now if the best trial changed; None without one."""
    if best_trial(search.study) is None:
        return None
    return best_score(search.study, search.url, search.options.data, search.options.season)


def run_here(search: PreparedSearch, on_trial: Callable[[FrozenTrial], None] | None) -> None:
    """Run trials in this process until the study is finished or the timeout passes."""
    lock = SlotLock(search.url, search.study.study_name)
    try:
        run_trials(
            search.study, search.objective, search.target, lock, search.options.timeout, on_trial
        )
    finally:
        lock.close()


def longest_seq_len(space: Space, default: int) -> int:
    """The longest input window a trial can ask for: it needs the most rows."""
    lengths = [
        max(getattr(p.distribution, "choices", None) or [p.distribution.high])
        for p in space.params
        if p.key == "seq_len"
    ]
    return max(lengths) if lengths else default


def study_config(
    options: SearchOptions, dataset: ForecastDataset, space: Space
) -> dict[str, object]:
    """What a study's trials depend on; a resume must match it exactly."""
    series = dataset.series
    return {
        "data": series.name,
        "fingerprint": series.fingerprint,
        "target": series.target,
        "features": list(series.features),
        "horizon": dataset.horizon,
        "seq_len": options.seq_len,
        "split": list(options.split),
        "space": space.to_dict(),
        "strategy": options.strategy,
        "arch": options.arch,
        "epochs": options.epochs,
        "patience": options.patience,
        "trial_seconds": options.trial_seconds,
        "pruner": options.pruner,
        "seed": options.seed,
    }
