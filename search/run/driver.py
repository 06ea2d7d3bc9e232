"""Running a search: validate everything, then open the study and run trials to the target.

Every check that can refuse the command (space, data, windows, stored configuration) runs
before the first write, so a refused command leaves the storage as it was.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal, cast

import optuna
from optuna.distributions import CategoricalDistribution, IntDistribution
from optuna.samplers import BaseSampler
from optuna.storages import BaseStorage
from optuna.trial import FrozenTrial

from search.data import ForecastDataset, load_series
from search.errors import ConfigError
from search.results import (
    BestModel,
    best_score,
    fit_baselines,
    read_best,
    record_source,
    refit_best,
    write_note,
)
from search.run.options import SearchOptions
from search.run.pool import WorkerExit, WorkerPool, run_workers
from search.run.process import raise_if_stopped
from search.run.runner import Objective, run_trials
from search.store import (
    ArtifactStore,
    StudyConfig,
    TestScore,
    WarmStart,
    artifact_store,
    check_resumable,
    counts,
    open_storage,
    open_study,
    plan_warm_start,
    queue_warm_start,
    read_baselines,
    storage_url,
    study_lock,
    write_target,
)
from search.strategies import MIN_FOLDS, PER_FOLD, FiniteSampler, make_pruner, make_sampler
from search.training import (
    TrialBudget,
    load_search_space,
    make_objective,
    planned_cost,
    resolve_device,
    set_threads,
    with_defaults,
)
from spaces import Space

# Measured on 2 cores, on an earlier version (no script repeats it): one thread trains the CO2
# default model at 9,800 samples/s; two threads gain 0.97-1.25x on an idle machine but fall to 75
# samples/s when any other process is busy (OpenMP threads spin-waiting on each other). Parallelism
# comes from worker processes instead.
THREADS_PER_WORKER = 1

# What the end of a run does after the trials, in this order; the CLI says each as it begins.
Stage = Literal["baselines", "refit", "score"]


@dataclass(frozen=True)
class Plan:
    """A search checked from end to end, with nothing written yet."""

    options: SearchOptions
    space: Space
    sampler: BaseSampler
    dataset: ForecastDataset
    train_windows: int  # of the longest input window a trial can ask for
    budget: TrialBudget
    target: int
    config: StudyConfig
    name: str
    url: str
    storage: BaseStorage
    artifacts: ArtifactStore
    warm: WarmStart | None  # the configurations to queue first (--warm-start), or stored ones


@dataclass(frozen=True)
class Search:
    """A planned search with its study open: all a process needs to run trials."""

    plan: Plan
    study: optuna.Study
    objective: Objective


def plan(options: SearchOptions) -> Plan:
    """Every check that can refuse a search: space, data, windows, the stored configuration."""
    space, dataset, train_windows, budget = trained_on(options)
    series = dataset.series
    config = study_config(options, dataset, space, budget)
    cost = (
        planned_cost(dataset, budget, fixed_choices(config), train_windows)
        if options.cost_aware
        else None
    )
    sampler = make_sampler(options.strategy, space, options.seed, cost)
    if options.warm_start is not None and isinstance(sampler, FiniteSampler):
        # A finite sampler runs each of its points once, capped at their number: a queued
        # configuration would take a point's slot, or run one of its points a second time.
        raise ConfigError(
            f"--strategy {options.strategy} runs each of its points once and cannot start from "
            "another study's configurations; use --strategy bayes, tpe or random with "
            "--warm-start"
        )
    target = options.trials
    if isinstance(sampler, FiniteSampler):
        target = min(target, sampler.capacity)
    name = options.study or f"{series.name}-{options.strategy}"
    url = storage_url(options.storage)
    storage = open_storage(url)
    check_resumable(storage, url, name, config)
    warm = plan_warm_start(
        storage,
        url,
        name,
        options.warm_start,
        options.warm_start_storage,
        space,
        config,
        unsearched,
        target,
    )
    # The last check (an unreachable bucket is refused); a directory is created here.
    artifacts = artifact_store(url)
    return Plan(
        options,
        space,
        sampler,
        dataset,
        train_windows,
        budget,
        target,
        config,
        name,
        url,
        storage,
        artifacts,
        warm,
    )


def trained_on(options: SearchOptions) -> tuple[Space, ForecastDataset, int, TrialBudget]:
    """What every trial of a search trains on, checked: the space, the dataset, the training
    windows of its longest input window, and each trial's budget."""
    # Before any tensor work: the dataset's tensors are built with the thread budget too.
    set_threads(THREADS_PER_WORKER)
    space = load_search_space(options.space)
    series = load_series(
        options.data,
        options.target,
        options.features,
        options.time_col,
        options.date_format,
        options.id_col,
    )
    longest = longest_seq_len(space, options.seq_len)
    dataset = ForecastDataset(
        series, options.horizon, options.split, resolve_device(options.device), longest
    )
    folds_needed = MIN_FOLDS.get(options.pruner, 1)
    if options.folds < folds_needed:
        raise ConfigError(
            f"--pruner {options.pruner} judges whole folds and needs --folds {folds_needed} or "
            f"more, but got --folds {options.folds}; raise --folds or use --pruner hyperband"
        )
    train_windows = len(dataset.windows(longest)["train"])  # refuses too short a series
    dataset.folds(longest, options.folds)  # refuses more folds than validation windows
    budget = TrialBudget(
        options.work_budget,
        options.epochs,
        options.patience,
        options.folds,
        options.trial_seconds,
        options.min_epochs,
        options.epoch_windows,
    )
    return space, dataset, train_windows, budget


def trial_objective(options: SearchOptions) -> Objective:
    """The objective a search's trials run, for any Optuna study: nothing is stored, and no
    model is kept (there is no artifact store)."""
    space, dataset, _, budget = trained_on(options)
    config = study_config(options, dataset, space, budget)
    return _objective(options, space, dataset, budget, config, None)


def _objective(
    options: SearchOptions,
    space: Space,
    dataset: ForecastDataset,
    budget: TrialBudget,
    config: StudyConfig,
    artifacts: ArtifactStore | None,
) -> Objective:
    return make_objective(
        space,
        dataset,
        budget,
        fixed_choices(config),
        options.seed,
        artifacts,
        on_epoch=raise_if_stopped,
        per_fold=options.pruner in PER_FOLD,
    )


def open_search(checked: Plan) -> Search:
    """Create or load the planned study (the first write) and its objective."""
    options = checked.options
    budget = checked.budget
    pruner = make_pruner(options.pruner, budget.epochs, budget.folds)
    study = open_study(
        checked.storage,
        checked.url,
        checked.name,
        checked.config,
        checked.sampler,
        pruner,
    )
    write_target(study, checked.target)
    if checked.warm is not None:
        with contextlib.closing(study_lock(checked.url, checked.name)) as lock:
            queue_warm_start(study, lock, checked.warm)
    record_source(
        study,
        options.data,
        options.time_col,
        options.date_format,
        options.season,
        checked.dataset,
    )
    objective = _objective(
        options, checked.space, checked.dataset, budget, checked.config, checked.artifacts
    )
    return Search(checked, study, objective)


def run_to_target(
    search: Search,
    on_trial: Callable[[FrozenTrial], None] | None,
    pool: WorkerPool,
    on_worker_exit: WorkerExit | None = None,
) -> int:
    """Run trials, here or in the pool's worker processes (`--workers` over 1), until the study
    has its target or the timeout passes; return the study's finished trials."""
    options = search.plan.options
    write_note(search.study)
    if options.workers > 1:
        # This process only watches while its workers train: it fits the classical baselines
        # meanwhile, which the score at the end would otherwise wait for (about 30 s on CO2).
        fitting = threading.Thread(
            target=_fit_baselines, args=(search,), name="classical baselines", daemon=True
        )
        fitting.start()
        run_workers(pool, options, search.plan.target, search.study, on_trial, on_worker_exit)
        fitting.join()
    else:
        run_here(search, on_trial)
    return counts(search.study).finished


def _fit_baselines(search: Search) -> None:
    checked = search.plan
    try:
        fit_baselines(
            search.study, checked.dataset, checked.options.seq_len, checked.options.season
        )
    except Exception:  # the score at the end fits them again, and says what failed
        return


def best_model(search: Search) -> BestModel | None:
    """The best model of the search's study, to read once at the end of a run and pass to the
    refit, the score and the summary; None while no trial is complete."""
    return read_best(search.study, search.plan.url)


def refit_due(search: Search, best: BestModel | None) -> bool:
    """Whether the best model's configuration is still to be refit."""
    return best is not None and search.plan.options.refit and best.refit is None


def held_out_score(
    search: Search,
    best: BestModel | None,
    on_stage: Callable[[Stage, FrozenTrial], None] | None = None,
) -> TestScore | None:
    """The best model's test score, scored now if the best trial changed; None without one.

    The classical baselines are fitted first if no process has yet, then, unless refitting is
    off, the best configuration is refit on train + validation (once per best trial; a refit
    that was killed is done again). `on_stage` hears of each stage, with the best trial, as it
    begins.
    """
    if best is None:
        return None
    checked, trial = search.plan, best.trial
    dataset = checked.dataset

    def begin(stage: Stage) -> None:
        if on_stage is not None:
            on_stage(stage, trial)

    if read_baselines(search.study.user_attrs) is None:
        begin("baselines")
        # The test windows of the best model's input length: the ones it is scored on.
        fit_baselines(search.study, dataset, best.checkpoint.seq_len, checked.options.season)
    if refit_due(search, best):
        begin("refit")
        best = refit_best(search.study, checked.url, best, dataset, checked.budget)

    def on_cpu() -> ForecastDataset:
        # Scored on the CPU whatever the training device: the stored score is the same anywhere.
        return ForecastDataset(
            dataset.series, dataset.horizon, checked.options.split, "cpu", dataset.longest_seq_len
        )

    begin("score")
    return best_score(search.study, checked.url, on_cpu, best, checked.options.season)


def run_here(search: Search, on_trial: Callable[[FrozenTrial], None] | None) -> None:
    """Run trials in this process until the study is finished or the timeout passes."""
    checked = search.plan
    lock = study_lock(checked.url, checked.name)
    try:
        run_trials(
            search.study, search.objective, checked.target, lock, checked.options.timeout, on_trial
        )
    finally:
        lock.close()


def longest_seq_len(space: Space, default: int) -> int:
    """The longest input window a trial can ask for: it needs the most rows."""
    lengths = [
        max(choice for choice in p.distribution.choices if isinstance(choice, int))
        if isinstance(p.distribution, CategoricalDistribution)
        else cast(IntDistribution, p.distribution).high
        for p in space.params
        if p.key == "seq_len"
    ]
    return max(lengths) if lengths else default


def fixed_choices(config: StudyConfig) -> dict[str, object]:
    """The hyperparameters a study fixes by option (--arch, --seq-len) where its space does not
    search them."""
    return {"arch": config.arch, "seq_len": config.seq_len}


def unsearched(config: StudyConfig) -> dict[str, object]:
    """Every hyperparameter's value in a study with `config` where its space does not search it:
    its fixed choices, else the defaults."""
    return with_defaults({}, fixed_choices(config))


def study_config(
    options: SearchOptions, dataset: ForecastDataset, space: Space, budget: TrialBudget
) -> StudyConfig:
    """What a study's trials depend on; a resume must match it exactly."""
    series = dataset.series
    return StudyConfig(
        data=series.name,
        fingerprint=series.fingerprint,
        target=series.target,
        features=tuple(series.features),
        horizon=dataset.horizon,
        seq_len=options.seq_len,
        split=options.split,
        space=space.to_dict(),
        strategy=options.strategy,
        arch=options.arch,
        epochs=budget.epochs,
        work_budget=budget.work,
        min_epochs=budget.min_epochs,
        epoch_windows=budget.epoch_windows,
        patience=options.patience,
        folds=budget.folds,
        trial_seconds=options.trial_seconds,
        pruner=options.pruner,
        seed=options.seed,
    )
