"""The final model: the best configuration refit on the training and validation rows together.

The selected trial's model never saw the validation years, which for trending data are the ones
that matter most. After the search the best trial's configuration is trained again on every row
before the test split, for the epochs its own (last-fold) training found best, with that fold's
seed and learning-rate schedule, and kept as a study artifact. The study attribute that points
at it is written last and in one write, so a refit killed half-way leaves no record and is done
again (a kill in the milliseconds between the file and the record leaves an unused file).
"""

from __future__ import annotations

import time
from dataclasses import replace

import optuna
import torch
from optuna.trial import FrozenTrial

from search.data import ForecastDataset
from search.store import artifact_store, load_artifact, save_file, schema
from search.training import (
    Checkpoint,
    TrialBudget,
    build_forecaster,
    decode,
    encode,
    fit,
    fold_seed,
    make_checkpoint,
    train_settings,
)


def stored_refit(study: optuna.Study, trial: FrozenTrial) -> dict[str, object] | None:
    """The stored refit of `trial`, or None when there is none (or it is of another trial)."""
    refit = study.user_attrs.get(schema.REFIT)
    return refit if refit is not None and refit.get("trial") == trial.number else None


def refit_best(
    study: optuna.Study,
    url: str,
    trial: FrozenTrial,
    selected: Checkpoint,
    dataset: ForecastDataset,
    budget: TrialBudget,
) -> dict[str, object]:
    """Refit the configuration of `trial` (whose model is `selected`) on train + validation,
    store it, and return its record; an existing refit of the same trial is returned as is."""
    existing = stored_refit(study, trial)
    if existing is not None:
        return existing
    config = selected.hyperparameters
    epochs = int(trial.user_attrs[schema.BEST_EPOCH])
    # The last fold's seed and schedule: it trained on the most rows, and its best epoch is the
    # one the refit stops after. No time limit: the refit trains exactly those epochs.
    seed = fold_seed(int(trial.user_attrs[schema.SEED]), budget.folds - 1)
    started = time.perf_counter()
    torch.manual_seed(seed)
    model = build_forecaster(config, dataset)
    last_fold_train, _ = dataset.folds(selected.seq_len, budget.folds)[-1]
    settings = replace(
        train_settings(config, budget, seed, model, len(last_fold_train)),
        max_seconds=None,
        stop_after=epochs,
    )
    result = fit(model, dataset.refit_windows(selected.seq_len), None, settings)
    provenance = {**selected.provenance, "refit": "train + validation rows", "epochs": epochs}
    checkpoint = make_checkpoint(config, dataset, result.state_dict, provenance)
    filename = f"refit-trial-{trial.number}.pt"
    artifact_id = save_file(artifact_store(url), study, encode(checkpoint), filename)
    record = {
        "trial": trial.number,
        "epochs": epochs,
        "checkpoint": artifact_id,
        "seconds": round(time.perf_counter() - started, 3),
    }
    study.set_user_attr(schema.REFIT, record)
    return record


def refit_checkpoint(url: str, record: dict[str, object]) -> Checkpoint:
    """The refit model a stored record points at."""
    what = f"the refit model of trial {record['trial']}"
    return decode(load_artifact(url, str(record["checkpoint"]), what))
