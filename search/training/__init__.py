"""Training one configuration: the hyperparameter table, the PyTorch loop, the Optuna objective
and the model file it leaves."""

from __future__ import annotations

from search.training.budget import TrialBudget
from search.training.checkpoint import Checkpoint, decode, encode, forecast_next, rebuild
from search.training.device import DEVICES, resolve_device, set_threads
from search.training.hyperparameters import HYPERPARAMETERS, load_search_space, with_defaults
from search.training.objective import make_objective
from search.training.recipe import (
    build_forecaster,
    fold_seed,
    make_checkpoint,
    planned_cost,
    train_settings,
)
from search.training.train import EVAL_BATCH, fit

__all__ = [
    "DEVICES",
    "EVAL_BATCH",
    "HYPERPARAMETERS",
    "Checkpoint",
    "TrialBudget",
    "build_forecaster",
    "decode",
    "encode",
    "fit",
    "fold_seed",
    "forecast_next",
    "load_search_space",
    "make_checkpoint",
    "make_objective",
    "planned_cost",
    "rebuild",
    "resolve_device",
    "set_threads",
    "train_settings",
    "with_defaults",
]
