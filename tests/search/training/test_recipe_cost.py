"""A configuration's planned cost: the work its budget gives it, known before it trains."""

from dataclasses import replace

import pytest

from search.data.series import load_series
from search.data.windows import ForecastDataset
from search.training.budget import TrialBudget
from search.training.hyperparameters import with_defaults
from search.training.recipe import (
    WINDOW_OVERHEAD,
    build_forecaster,
    planned_cost,
)

FIXED = {"arch": "stacked", "seq_len": 52}
BUDGET = TrialBudget(
    work=1e10, epochs=30, patience=5, folds=1, trial_seconds=None, min_epochs=5, epoch_windows=None
)
PARAMS = {"hidden_size": 64, "num_layers": 2, "dropout": 0.2, "learning_rate": 1e-3}


@pytest.fixture(scope="module")
def dataset() -> ForecastDataset:
    return ForecastDataset(load_series())


def test_the_cost_is_the_budgets_epochs_of_windows_of_the_real_models_parameters(
    dataset: ForecastDataset,
) -> None:
    windows = len(dataset.windows(52)["train"])
    cost = planned_cost(dataset, BUDGET, FIXED, windows)
    model = build_forecaster(with_defaults({**PARAMS, "batch_size": 32}, FIXED), dataset)
    parameters = sum(p.numel() for p in model.parameters())
    epochs = BUDGET.epochs_for(parameters, windows)
    expected = epochs * windows * (parameters + WINDOW_OVERHEAD)
    assert cost({**PARAMS, "batch_size": 32}) == pytest.approx(expected)


def test_wider_and_deeper_models_cost_more(dataset: ForecastDataset) -> None:
    cost = planned_cost(dataset, BUDGET, FIXED, len(dataset.windows(52)["train"]))
    base = cost({**PARAMS, "batch_size": 32})
    assert cost({**PARAMS, "batch_size": 32, "hidden_size": 128}) > base
    assert cost({**PARAMS, "batch_size": 32, "num_layers": 3}) > base


def test_a_bounded_epoch_costs_its_windows_not_the_series(dataset: ForecastDataset) -> None:
    windows = len(dataset.windows(52)["train"])
    bounded = replace(BUDGET, epoch_windows=500)
    cost = planned_cost(dataset, bounded, FIXED, windows)
    model = build_forecaster(with_defaults({**PARAMS, "batch_size": 32}, FIXED), dataset)
    parameters = sum(p.numel() for p in model.parameters())
    expected = bounded.epochs_for(parameters, windows) * 500 * (parameters + WINDOW_OVERHEAD)
    assert cost({**PARAMS, "batch_size": 32}) == pytest.approx(expected)
