"""The Optuna objective: reports every epoch, and any pruner can stop it with any strategy."""

import optuna
import pytest
from optuna.trial import TrialState

from search.data.series import load_series
from search.data.windows import ForecastDataset
from search.run.runner import run_trials
from search.store.backends import study_lock
from search.store.storage import open_storage
from search.strategies import STRATEGIES, make_sampler
from search.strategies.pruners import PRUNERS
from search.training.hyperparameters import load_search_space
from search.training.budget import TrialBudget
from search.training.objective import make_objective

SPACE = load_search_space("small")


@pytest.fixture(scope="module")
def objective() -> optuna.study.study.ObjectiveFuncType:
    dataset = ForecastDataset(load_series())
    return make_objective(
        SPACE,
        dataset,
        TrialBudget(epochs=3, patience=3, folds=1, trial_seconds=None),
        {"seq_len": 13},
        study_seed=0,
    )


@pytest.mark.parametrize("strategy", sorted(STRATEGIES))
def test_a_pruner_stops_trials_of_every_strategy(
    strategy: str, storage_url: str, objective
) -> None:
    # ThresholdPruner with an unreachable bound prunes every trial after its first report.
    study = optuna.create_study(
        storage=open_storage(storage_url),
        study_name="p",
        sampler=make_sampler(strategy, SPACE, 0),
        pruner=optuna.pruners.ThresholdPruner(upper=1e-9),
    )
    run_trials(study, objective, 3, study_lock(storage_url, "p"))
    assert [t.state for t in study.trials] == [TrialState.PRUNED] * 3
    assert all(list(t.intermediate_values) == [1] for t in study.trials)


def test_complete_trial_carries_its_curve_and_attributes(storage_url: str, objective) -> None:
    study = optuna.create_study(
        storage=open_storage(storage_url), study_name="c", pruner=PRUNERS["none"](3)
    )
    run_trials(study, objective, 1, study_lock(storage_url, "c"))
    (trial,) = study.trials
    assert list(trial.intermediate_values) == [1, 2, 3]
    assert trial.value == min(trial.intermediate_values.values())
    assert trial.user_attrs["epochs_run"] == 3


@pytest.mark.parametrize("name", sorted(PRUNERS))
def test_every_pruner_is_built_for_the_epoch_budget(name: str) -> None:
    assert isinstance(PRUNERS[name](30), optuna.pruners.BasePruner)
