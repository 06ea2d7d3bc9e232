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
from search.strategies.pruners import PRUNERS, make_pruner
from search.training.budget import TrialBudget
from search.training.hyperparameters import load_search_space
from search.training.objective import make_objective
from tests.helpers import whole_epochs

SPACE = load_search_space("small")


@pytest.fixture(scope="module")
def objective() -> optuna.study.study.ObjectiveFuncType:
    dataset = ForecastDataset(load_series())
    return make_objective(
        SPACE,
        dataset,
        whole_epochs(3, 3),
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
    assert isinstance(make_pruner(name, 30, 2), optuna.pruners.BasePruner)


def test_hyperband_counts_its_resource_in_epochs_over_every_fold() -> None:
    pruner = make_pruner("hyperband", 30, 3)
    assert isinstance(pruner, optuna.pruners.HyperbandPruner)
    assert pruner._max_resource == 90  # the step of fold 3's epoch 30


def folded(
    per_fold: bool = False, folds: int = 3, epochs: int = 2, patience: int = 2
) -> optuna.study.study.ObjectiveFuncType:
    return make_objective(
        SPACE,
        ForecastDataset(load_series()),
        TrialBudget(
            work=None,
            epochs=epochs,
            patience=patience,
            folds=folds,
            trial_seconds=None,
            min_epochs=1,
            epoch_windows=None,
        ),
        {"seq_len": 13},
        study_seed=0,
        per_fold=per_fold,
    )


def test_with_folds_the_value_is_the_mean_of_the_stored_fold_losses(storage_url: str) -> None:
    study = optuna.create_study(
        storage=open_storage(storage_url), study_name="f", pruner=PRUNERS["none"](6)
    )
    run_trials(study, folded(), 1, study_lock(storage_url, "f"))
    (trial,) = study.trials
    losses = trial.user_attrs["fold_losses"]
    assert len(losses) == 3 and len(set(losses)) == 3
    assert trial.value == pytest.approx(sum(losses) / 3)
    # Per-epoch steps: fold k's epoch e is step k * epochs + e, the same for every trial.
    assert list(trial.intermediate_values) == [1, 2, 3, 4, 5, 6]
    for fold, loss in enumerate(losses):
        curve = [trial.intermediate_values[fold * 2 + epoch] for epoch in (1, 2)]
        assert loss == min(curve)
    assert trial.user_attrs["epochs_run"] == 6


def test_a_per_epoch_pruner_stops_a_trial_inside_a_later_fold(storage_url: str) -> None:
    # Nothing is judged during fold 1's two epochs; the first report of fold 2 (step 3) is.
    pruner = optuna.pruners.ThresholdPruner(upper=1e-9, n_warmup_steps=3)
    study = optuna.create_study(storage=open_storage(storage_url), study_name="q", pruner=pruner)
    run_trials(study, folded(), 1, study_lock(storage_url, "q"))
    (trial,) = study.trials
    assert trial.state == TrialState.PRUNED
    assert list(trial.intermediate_values) == [1, 2, 3]
    assert trial.user_attrs["pruned_at"] == "epoch 1 of fold 2"


def test_a_per_fold_pruner_sees_one_step_per_fold(storage_url: str) -> None:
    study = optuna.create_study(
        storage=open_storage(storage_url), study_name="w", pruner=PRUNERS["wilcoxon"](3)
    )
    run_trials(study, folded(per_fold=True), 2, study_lock(storage_url, "w"))
    complete = [t for t in study.trials if t.state == TrialState.COMPLETE]
    assert complete
    for trial in complete:
        assert list(trial.intermediate_values) == [0, 1, 2]
        assert list(trial.intermediate_values.values()) == trial.user_attrs["fold_losses"]


def test_a_per_fold_pruner_stops_a_trial_after_a_fold(storage_url: str) -> None:
    pruner = optuna.pruners.ThresholdPruner(upper=1e-9)
    study = optuna.create_study(storage=open_storage(storage_url), study_name="v", pruner=pruner)
    run_trials(study, folded(per_fold=True), 1, study_lock(storage_url, "v"))
    (trial,) = study.trials
    assert trial.state == TrialState.PRUNED
    assert list(trial.intermediate_values) == [0]
    assert trial.user_attrs["pruned_at"] == "fold 1"


def test_a_fold_stopped_early_reports_its_best_loss_at_its_last_step(storage_url: str) -> None:
    # Patience 1 over 6 epochs: most folds stop early. Their loss is then reported at the fold's
    # last step, so rungs in between compare this fold, never the next fold's first epochs.
    study = optuna.create_study(
        storage=open_storage(storage_url),
        study_name="e",
        sampler=optuna.samplers.RandomSampler(seed=0),
        pruner=PRUNERS["none"](12),
    )
    # The largest learning rate makes the validation loss bounce, so some fold stops early.
    study.enqueue_trial({"learning_rate": 3e-2})
    run_trials(study, folded(folds=2, epochs=6, patience=1), 4, study_lock(storage_url, "e"))
    stopped = 0
    for trial in study.trials:
        first_fold = [step for step in trial.intermediate_values if step <= 6]
        if max(first_fold) < 6 or len(first_fold) < 6:
            stopped += 1
            assert trial.intermediate_values[6] == trial.user_attrs["fold_losses"][0]
        assert all(step > 6 for step in trial.intermediate_values if step not in first_fold)
    assert stopped > 0
