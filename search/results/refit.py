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

from search.data import ForecastDataset
from search.results.best import BestModel
from search.store import RefitRecord, artifact_store, save_file, schema, write_refit
from search.training import (
    TrialBudget,
    build_forecaster,
    encode,
    fit,
    fold_seed,
    make_checkpoint,
    train_settings,
)


def refit_best(
    study: optuna.Study,
    url: str,
    best: BestModel,
    dataset: ForecastDataset,
    budget: TrialBudget,
) -> BestModel:
    """Refit the configuration of the best trial on train + validation, store its record, and
    return the best model with it; one already refit is returned as is."""
    if best.refit is not None:
        return best
    trial, selected = best.trial, best.checkpoint
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
    record = RefitRecord(
        trial=trial.number,
        epochs=epochs,
        checkpoint=artifact_id,
        seconds=round(time.perf_counter() - started, 3),
    )
    write_refit(study, record)
    return best.with_refit(record, checkpoint)
