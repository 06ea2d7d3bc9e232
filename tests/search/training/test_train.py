"""The trainer and the shared objective: determinism, early stopping, failures, callbacks."""

import math

import pytest
import torch

from search.data.series import load_series
from search.data.windows import ForecastDataset
from search.errors import TrialFailure
from search.training.hyperparameters import with_defaults
from search.training.objective import train_trial
from search.training.recipe import build_forecaster, trial_seed
from search.training.train import OPTIMIZERS, SCHEDULERS, evaluate
from tests.helpers import whole_epochs

SMALL = {"hidden_size": 8, "num_layers": 1, "dropout": 0.0, "learning_rate": 1e-2, "batch_size": 64}


def whole(hyper: dict[str, object], seq_len: int = 26) -> dict[str, object]:
    """A trial's whole configuration: `hyper` over the defaults, with this seq_len."""
    return with_defaults(hyper, {"seq_len": seq_len})


@pytest.fixture(scope="module")
def dataset() -> ForecastDataset:
    return ForecastDataset(load_series())


def test_same_seed_gives_bit_identical_losses(dataset: ForecastDataset) -> None:
    budget = whole_epochs(3, 3)
    first = train_trial(whole(SMALL), dataset, budget, seed=7)
    second = train_trial(whole(SMALL), dataset, budget, seed=7)
    other = train_trial(whole(SMALL), dataset, budget, seed=8)
    assert first.history == second.history
    assert first.history != other.history


def test_best_epoch_weights_reproduce_the_best_loss(dataset: ForecastDataset) -> None:
    result = train_trial(
        whole(SMALL),
        dataset,
        whole_epochs(4, 4),
        seed=1,
    )
    assert result.best_loss == min(result.history)
    assert result.history[result.best_epoch - 1] == result.best_loss
    model = build_forecaster(whole(SMALL), dataset)
    model.load_state_dict(result.state_dict)
    assert evaluate(model, dataset.windows(26)["val"]) == pytest.approx(result.best_loss, rel=1e-6)


def test_learns_the_co2_season_better_than_persistence(dataset: ForecastDataset) -> None:
    # Persistence is 0 in the model's units, so its validation MSE is the targets' mean square.
    val = dataset.windows(52)["val"]
    persistence = float((val.batch(torch.arange(len(val)))[1] ** 2).mean())
    hyper = {**SMALL, "hidden_size": 16, "learning_rate": 3e-3, "batch_size": 32}
    result = train_trial(
        whole(hyper, 52),
        dataset,
        whole_epochs(8, 8),
        seed=0,
    )
    assert result.best_loss < 0.9 * persistence


def test_early_stopping_stops_after_patience_epochs_without_improvement(
    dataset: ForecastDataset,
) -> None:
    # A learning rate of 0 never improves on the first epoch.
    result = train_trial(
        whole({**SMALL, "learning_rate": 0.0}, 26),
        dataset,
        whole_epochs(20, 2),
        seed=0,
    )
    assert result.best_epoch == 1
    assert result.epochs_run == 3


def test_callback_sees_every_epoch_and_can_stop_training(dataset: ForecastDataset) -> None:
    seen = []

    class Stop(Exception):
        pass

    def on_epoch(epoch: int, loss: float) -> None:
        seen.append((epoch, loss))
        if epoch == 2:
            raise Stop

    with pytest.raises(Stop):
        train_trial(
            whole(SMALL, 26),
            dataset,
            whole_epochs(5, 5),
            0,
            on_epoch,
        )
    assert [epoch for epoch, _ in seen] == [1, 2]
    assert all(math.isfinite(loss) for _, loss in seen)


def test_diverging_training_is_a_trial_failure_not_a_crash(dataset: ForecastDataset) -> None:
    hyper = {**SMALL, "optimizer": "sgd", "learning_rate": 1e6}
    with pytest.raises(TrialFailure, match=r"loss became (nan|inf)"):
        train_trial(
            whole(hyper, 26),
            dataset,
            whole_epochs(5, 5),
            seed=0,
        )


@pytest.mark.parametrize("optimizer", sorted(OPTIMIZERS))
@pytest.mark.parametrize("scheduler", sorted(SCHEDULERS))
def test_every_optimizer_and_scheduler_trains(
    dataset: ForecastDataset, optimizer: str, scheduler: str
) -> None:
    lr = {"adam": 3e-3, "rmsprop": 3e-3, "sgd": 3e-2}[optimizer]
    hyper = {**SMALL, "optimizer": optimizer, "scheduler": scheduler, "learning_rate": lr}
    result = train_trial(
        whole(hyper, 26),
        dataset,
        whole_epochs(3, 3),
        seed=0,
    )
    assert math.isfinite(result.best_loss)
    assert result.epochs_run == 3
    assert result.param_count > 0
    assert result.samples_per_second > 0


def test_unsearched_hyperparameters_take_the_study_defaults() -> None:
    config = with_defaults({"hidden_size": 12}, {"arch": "craft", "seq_len": 9})
    assert config["hidden_size"] == 12
    assert config["arch"] == "craft" and config["seq_len"] == 9
    assert config["optimizer"] == "adam"
    searched = with_defaults({"arch": "bilstm", "seq_len": 30}, {"arch": "craft", "seq_len": 9})
    assert searched["arch"] == "bilstm" and searched["seq_len"] == 30


def test_trial_seeds_are_reproducible_and_distinct() -> None:
    assert trial_seed(0, 3) == trial_seed(0, 3)
    assert len({trial_seed(s, n) for s in range(3) for n in range(50)}) == 150


def test_searched_architecture_is_the_one_trained(dataset: ForecastDataset) -> None:
    hyper = {**SMALL, "arch": "attention", "seq_len": 13}
    result = train_trial(
        whole(hyper, 52),
        dataset,
        whole_epochs(1, 1),
        seed=0,
    )
    assert any(key.startswith("score.") for key in result.state_dict)  # attention's scorer


def test_a_time_limit_ends_training_after_the_epoch_that_passes_it(
    dataset: ForecastDataset,
) -> None:
    limited = train_trial(
        whole(SMALL, 26),
        dataset,
        whole_epochs(5, 5, 1e-6),
        seed=0,
    )
    assert limited.epochs_run == 1 and limited.stopped_by == "time"
    assert limited.stopped_by == "time"
    full = train_trial(
        whole(SMALL, 26),
        dataset,
        whole_epochs(2, 5, 3600),
        seed=0,
    )
    assert full.epochs_run == 2 and full.stopped_by == "epochs"
    # The limit only cuts training short; the epochs it ran are the same.
    assert full.history[0] == limited.history[0]
