"""The one objective every strategy shares: hyperparameters -> model -> trained -> best val MSE.

`train_trial` knows nothing of Optuna; `make_objective` adapts it to a trial: suggestions in,
per-epoch reports and pruning out.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass

import optuna
import torch
from optuna.artifacts import FileSystemArtifactStore
from torch import nn

from models import ModelConfig, build_model
from search.data.windows import ForecastDataset
from search.seeding import derived_seed
from search.store import schema
from search.store.artifacts import save_file
from search.store.trials import best_trial
from search.training.checkpoint import Checkpoint, encode
from search.training.hyperparameters import with_defaults
from search.training.train import EpochCallback, TrainResult, TrainSettings, fit
from spaces import Space


@dataclass(frozen=True)
class TrialBudget:
    """How long every trial of a study may train: epoch cap, patience, optional time limit."""

    epochs: int
    patience: int
    trial_seconds: float | None


def model_config(config: Mapping[str, object], dataset: ForecastDataset) -> ModelConfig:
    """The model shape a completed configuration describes for this dataset."""
    return ModelConfig(
        n_inputs=dataset.n_inputs,
        n_targets=1,
        horizon=dataset.horizon,
        hidden_size=int(config["hidden_size"]),
        num_layers=int(config["num_layers"]),
        dropout=float(config["dropout"]),
    )


def build_forecaster(config: Mapping[str, object], dataset: ForecastDataset) -> nn.Module:
    """The model a completed configuration describes, on the dataset's device."""
    return build_model(str(config["arch"]), model_config(config, dataset)).to(dataset.device)


def trial_seed(study_seed: int, trial_number: int) -> int:
    """A seed reproducible from the study seed and trial number, unrelated across both."""
    return derived_seed(study_seed, trial_number)


def train_trial(
    config: Mapping[str, object],
    dataset: ForecastDataset,
    budget: TrialBudget,
    seed: int,
    on_epoch: EpochCallback | None = None,
) -> TrainResult:
    """Build the model a whole configuration (see `with_defaults`) describes, train it with
    early stopping, return the best epoch."""
    torch.manual_seed(seed)
    model = build_forecaster(config, dataset)
    windows = dataset.windows(int(config["seq_len"]))
    settings = TrainSettings(
        epochs=budget.epochs,
        patience=budget.patience,
        batch_size=int(config["batch_size"]),
        learning_rate=float(config["learning_rate"]),
        optimizer=str(config["optimizer"]),
        scheduler=str(config["scheduler"]),
        seed=seed,
        max_seconds=budget.trial_seconds,
    )
    return fit(model, windows["train"], windows["val"], settings, on_epoch)


def save_if_best(
    trial: optuna.Trial,
    store: FileSystemArtifactStore,
    config: Mapping[str, object],
    dataset: ForecastDataset,
    result: TrainResult,
) -> None:
    """Keep the trial's model as an artifact if it beats every finished trial so far.

    Judged before the trial is told, so the study's final best trial always has its model, and
    a trial that was best only for a while keeps its file (nothing finished is thrown away).
    """
    best = best_trial(trial.study)
    if best is not None and best.value is not None and result.best_loss > best.value:
        return
    series = dataset.series
    provenance = {
        "study": trial.study.study_name,
        "trial": trial.number,
        "val_loss": result.best_loss,
        "data": series.name,
        "fingerprint": series.fingerprint,
        "last_time": str(series.time[-1]) if series.time is not None else None,
    }
    checkpoint = Checkpoint(
        arch=str(config["arch"]),
        model=model_config(config, dataset),
        hyperparameters=dict(config),
        state_dict=result.state_dict,
        scaling=dataset.scaling,
        columns=series.columns,
        seq_len=int(config["seq_len"]),  # type: ignore[call-overload]
        provenance=provenance,
    )
    artifact_id = save_file(store, trial, encode(checkpoint), f"trial-{trial.number}.pt")
    trial.set_user_attr(schema.CHECKPOINT, artifact_id)


def trial_attributes(result: TrainResult) -> dict[str, float | int | str]:
    """The JSON-safe summary of a training stored on its trial."""
    return {
        schema.PARAM_COUNT: result.param_count,
        schema.EPOCHS_RUN: result.epochs_run,
        schema.BEST_EPOCH: result.best_epoch,
        schema.SECONDS: round(result.seconds, 3),
        schema.SAMPLES_PER_SECOND: round(result.samples_per_second, 1),
        schema.STOPPED_BY: result.stopped_by,
    }


def make_objective(
    space: Space,
    dataset: ForecastDataset,
    budget: TrialBudget,
    fixed: Mapping[str, object],
    study_seed: int,
    store: FileSystemArtifactStore | None = None,
    on_epoch: Callable[[], None] | None = None,
) -> Callable[[optuna.Trial], float]:
    """The Optuna objective: suggest from `space`, train, report every epoch, prune.

    Hyperparameters the space does not search take the study's `fixed` choices (--arch,
    --seq-len), else their defaults. With an artifact `store`, each trial that becomes the best
    so far keeps its model there. `on_epoch` is called after every epoch and may raise to stop
    the trial (the worker's check for a stop request).
    """

    def objective(trial: optuna.Trial) -> float:
        asked = time.perf_counter()
        config = with_defaults(space.suggest(trial), fixed)
        # Optuna samples relative parameters (the GP's) at the first suggest, not in ask.
        suggested = time.perf_counter() - asked + trial.user_attrs.get(schema.SUGGEST_SECONDS, 0.0)
        trial.set_user_attr(schema.SUGGEST_SECONDS, round(suggested, 3))
        seed = trial_seed(study_seed, trial.number)
        trial.set_user_attr(schema.SEED, seed)

        def report(epoch: int, loss: float) -> None:
            if on_epoch is not None:
                on_epoch()
            trial.report(loss, epoch)
            if trial.should_prune():
                raise optuna.TrialPruned(f"validation loss {loss:.4g} at epoch {epoch}")

        result = train_trial(config, dataset, budget, seed, report)
        for key, value in trial_attributes(result).items():
            trial.set_user_attr(key, value)
        if store is not None:
            save_if_best(trial, store, config, dataset, result)
        return result.best_loss

    return objective
