"""The one objective every strategy shares: hyperparameters -> model -> trained -> best val MSE.

`train_trial` knows nothing of Optuna; `make_objective` adapts it to a trial: suggestions in,
per-epoch reports and pruning out.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import optuna
import torch

from search.data import ForecastDataset
from search.store import ArtifactStore, best_trial, save_file, schema
from search.training.budget import TrialBudget
from search.training.checkpoint import encode
from search.training.hyperparameters import with_defaults
from search.training.recipe import (
    build_forecaster,
    fold_seed,
    make_checkpoint,
    train_settings,
    trial_seed,
)
from search.training.train import EpochCallback, TrainResult, fit
from spaces import Space


def train_trial(
    config: Mapping[str, Any],
    dataset: ForecastDataset,
    budget: TrialBudget,
    seed: int,
    on_epoch: EpochCallback | None = None,
    fold: int = 0,
) -> TrainResult:
    """Build the model a whole configuration (see `with_defaults`) describes, train it on fold
    `fold` of the budget's rolling origins with early stopping, return the best epoch."""
    torch.manual_seed(seed)
    model = build_forecaster(config, dataset)
    train, val = dataset.folds(int(config["seq_len"]), budget.folds)[fold]
    return fit(model, train, val, train_settings(config, budget, seed, model, len(train)), on_epoch)


def save_if_best(
    trial: optuna.Trial,
    store: ArtifactStore,
    config: Mapping[str, Any],
    dataset: ForecastDataset,
    result: TrainResult,
    value: float,
) -> None:
    """Keep the trial's model (of its last fold) as an artifact if its value beats every
    finished trial so far.

    Judged before the trial is told, so the study's final best trial always has its model, and
    a trial that was best only for a while keeps its file (nothing finished is thrown away).
    """
    best = best_trial(trial.study)
    if best is not None and best.value is not None and value > best.value:
        return
    series = dataset.series
    provenance = {
        "study": trial.study.study_name,
        "trial": trial.number,
        "val_loss": value,
        "data": series.name,
        "fingerprint": series.fingerprint,
        "last_time": str(series.time[-1]) if series.time is not None else None,
    }
    checkpoint = make_checkpoint(config, dataset, result.state_dict, provenance)
    artifact_id = save_file(store, trial, encode(checkpoint), f"trial-{trial.number}.pt")
    trial.set_user_attr(schema.CHECKPOINT, artifact_id)


def trial_attributes(results: Sequence[TrainResult]) -> dict[str, object]:
    """The JSON-safe summary of a trial's trainings (one per fold) stored on the trial; the
    last fold, trained on the most data, gives the best epoch a refit trains for."""
    last = results[-1]
    attributes: dict[str, object] = {
        schema.PARAM_COUNT: last.param_count,
        schema.EPOCHS_RUN: sum(result.epochs_run for result in results),
        schema.BEST_EPOCH: last.best_epoch,
        schema.SECONDS: round(sum(result.seconds for result in results), 3),
        schema.SAMPLES_PER_SECOND: round(last.samples_per_second, 1),
        schema.STOPPED_BY: last.stopped_by,
    }
    if len(results) > 1:
        attributes[schema.FOLD_LOSSES] = [result.best_loss for result in results]
    return attributes


def make_objective(
    space: Space,
    dataset: ForecastDataset,
    budget: TrialBudget,
    fixed: Mapping[str, object],
    study_seed: int,
    store: ArtifactStore | None = None,
    on_epoch: Callable[[], None] | None = None,
    per_fold: bool = False,
) -> Callable[[optuna.Trial], float]:
    """The Optuna objective: suggest from `space`, train each fold, report, prune; the value
    is the mean of the folds' best validation losses.

    Hyperparameters the space does not search take the study's `fixed` choices (--arch,
    --seq-len), else their defaults. Per-epoch pruners see step `fold * epochs + epoch`, so
    every trial's step means the same fold and epoch; a per-fold pruner (`per_fold`) sees one
    step per fold. With an artifact `store`, each trial that becomes the best so far keeps its
    model there. `on_epoch` is called after every epoch and may raise to stop the trial (the
    worker's check for a stop request).
    """

    def objective(trial: optuna.Trial) -> float:
        asked = time.perf_counter()
        config = with_defaults(space.suggest(trial), fixed)
        # Optuna samples relative parameters (the GP's) at the first suggest, not in ask.
        suggested = time.perf_counter() - asked + trial.user_attrs.get(schema.SUGGEST_SECONDS, 0.0)
        trial.set_user_attr(schema.SUGGEST_SECONDS, round(suggested, 3))
        seed = trial_seed(study_seed, trial.number)
        trial.set_user_attr(schema.SEED, seed)

        def judge(loss: float, step: int, where: str) -> None:
            trial.report(loss, step)
            if trial.should_prune():
                trial.set_user_attr(schema.PRUNED_AT, where)
                raise optuna.TrialPruned(f"validation loss {loss:.4g} at {where}")

        results: list[TrainResult] = []
        for fold in range(budget.folds):

            def report(epoch: int, loss: float, fold: int = fold) -> None:
                if on_epoch is not None:
                    on_epoch()
                if not per_fold:
                    where = f"epoch {epoch}" + (f" of fold {fold + 1}" if budget.folds > 1 else "")
                    judge(loss, fold * budget.epochs + epoch, where)

            result = train_trial(config, dataset, budget, fold_seed(seed, fold), report, fold)
            results.append(result)
            if not per_fold and fold < budget.folds - 1 and result.epochs_run < budget.epochs:
                # A fold stopped early still reports at its last step, so a pruner's rungs up to
                # it compare this fold's loss, never the next fold's first epochs.
                judge(result.best_loss, (fold + 1) * budget.epochs, f"the end of fold {fold + 1}")
            if per_fold and fold < budget.folds - 1:
                judge(result.best_loss, fold, f"fold {fold + 1}")
            elif per_fold:  # the best trial's every fold is what a per-fold pruner compares
                trial.report(result.best_loss, fold)
        value = sum(result.best_loss for result in results) / len(results)
        for key, attribute in trial_attributes(results).items():
            trial.set_user_attr(key, attribute)
        if store is not None:
            save_if_best(trial, store, config, dataset, results[-1], value)
        return value

    return objective
