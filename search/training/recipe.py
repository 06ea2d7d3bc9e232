"""The training recipe: how a whole configuration becomes a model, its training settings, its
seeds, its model file and its cost.

The objective (an Optuna adaptor) and the refit (after the search) train by this one recipe, so
that a refit repeats what its trial did; nothing here knows of Optuna.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import torch
from torch import nn

from models import ModelConfig, build_model
from search.data import ForecastDataset
from search.seeding import derived_seed
from search.training.budget import TrialBudget
from search.training.checkpoint import Checkpoint
from search.training.hyperparameters import with_defaults
from search.training.train import TrainSettings


def model_config(config: Mapping[str, Any], dataset: ForecastDataset) -> ModelConfig:
    """The model shape a completed configuration describes for this dataset."""
    return ModelConfig(
        n_inputs=dataset.n_inputs,
        n_targets=1,
        horizon=dataset.horizon,
        hidden_size=int(config["hidden_size"]),
        num_layers=int(config["num_layers"]),
        dropout=float(config["dropout"]),
    )


def build_forecaster(config: Mapping[str, Any], dataset: ForecastDataset) -> nn.Module:
    """The model a completed configuration describes, on the dataset's device."""
    return build_model(str(config["arch"]), model_config(config, dataset)).to(dataset.device)


def trial_seed(study_seed: int, trial_number: int) -> int:
    """A seed reproducible from the study seed and trial number, unrelated across both."""
    return derived_seed(study_seed, trial_number)


def fold_seed(seed: int, fold: int) -> int:
    """The seed of a trial's fold: the trial's own for the first, derived from it for others."""
    return seed if fold == 0 else derived_seed(seed, fold)


def train_settings(
    config: Mapping[str, Any],
    budget: TrialBudget,
    seed: int,
    model: nn.Module,
    train_windows: int,
) -> TrainSettings:
    """How a configuration's `model` trains over `train_windows` windows under the budget, in
    epochs of at most the budget's `epoch_windows` windows."""
    parameters = sum(p.numel() for p in model.parameters())
    return TrainSettings(
        epochs=budget.epochs_for(parameters, train_windows),
        patience=budget.patience,
        batch_size=int(config["batch_size"]),
        learning_rate=float(config["learning_rate"]),
        optimizer=str(config["optimizer"]),
        scheduler=str(config["scheduler"]),
        epoch_windows=budget.epoch_windows,
        seed=seed,
        max_seconds=budget.trial_seconds,
    )


def make_checkpoint(
    config: Mapping[str, Any],
    dataset: ForecastDataset,
    state_dict: dict[str, torch.Tensor],
    provenance: dict[str, object],
) -> Checkpoint:
    """The model file of a whole configuration trained on `dataset`, with its weights."""
    return Checkpoint(
        arch=str(config["arch"]),
        model=model_config(config, dataset),
        hyperparameters=dict(config),
        state_dict=state_dict,
        scaling=dataset.scaling,
        columns=dataset.series.columns,
        seq_len=int(config["seq_len"]),
        provenance=provenance,
    )


WINDOW_OVERHEAD = 32_000
"""A window's cost beside its model's parameters, in parameter-windows: what a pass over a window
costs whatever the model's size. benchmarks/results/window_cost.txt measured 33,835 (33,460-35,654
over 3 repeats); 32,000 came from an earlier run on a loaded machine and is what
benchmarks/results/selection.txt ran with, and 6 % moves a cost compared on a log scale little.
The batch size is left out: an epoch at batch 16 took 1.5-1.6x its time at batch 128 there, and
a fixed cost per optimizer step fitted beside it came out within its own spread."""


def planned_cost(
    dataset: ForecastDataset, budget: TrialBudget, fixed: Mapping[str, object], train_windows: int
) -> Callable[[Mapping[str, Any]], float]:
    """The cost of training the configuration a trial's parameters describe for the epochs the
    budget gives it, in parameter-windows (remembered per configuration).

    Known before it trains and the same on every machine, where measured seconds would make a
    cost-aware strategy's suggestions depend on the machine and its load: the budget's epochs
    times the windows of an epoch times a window's cost, its model's parameters plus a fixed
    cost.
    """
    known: dict[tuple[tuple[str, Any], ...], float] = {}

    def cost(params: Mapping[str, Any]) -> float:
        key = tuple(sorted(params.items()))
        if key not in known:
            config = with_defaults(params, fixed)
            with torch.device("meta"):  # the shape alone: nothing is allocated
                model = build_model(str(config["arch"]), model_config(config, dataset))
            parameters = sum(p.numel() for p in model.parameters())
            epochs = budget.epochs_for(parameters, train_windows)
            windows = budget.epoch_size(train_windows)
            known[key] = float(epochs * windows * (parameters + WINDOW_OVERHEAD))
        return known[key]

    return cost
