"""Epochs of at most --epoch-windows windows: bounded, every window seen, seeded, CO2 unchanged."""

from dataclasses import dataclass, field, fields

import pytest
import torch

from search.data.series import load_series
from search.data.windows import ForecastDataset, WindowSplit
from search.run.options import EPOCH_WINDOWS, SearchOptions
from search.training.budget import TrialBudget
from search.training.hyperparameters import with_defaults
from search.training.objective import train_trial
from search.training.recipe import build_forecaster
from search.training.train import TrainSettings, epoch_orders, fit

CONFIG = with_defaults(
    {"hidden_size": 8, "num_layers": 1, "dropout": 0.0, "learning_rate": 1e-2, "batch_size": 64},
    {"seq_len": 26},
)
BOUND = 500  # a third of CO2's training windows


@dataclass(frozen=True)
class Recorded(WindowSplit):
    """Training windows that keep the positions of every batch taken from them."""

    taken: list[torch.Tensor] = field(default_factory=list)

    def batch(self, index: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        self.taken.append(index.clone())
        return super().batch(index)


@pytest.fixture(scope="module")
def dataset() -> ForecastDataset:
    return ForecastDataset(load_series())


def budget(epochs: int, epoch_windows: int | None) -> TrialBudget:
    return TrialBudget(None, epochs, epochs, 1, None, min_epochs=1, epoch_windows=epoch_windows)


def test_an_epoch_of_a_longer_series_passes_epoch_windows_windows(
    dataset: ForecastDataset,
) -> None:
    windows = dataset.windows(26)
    train = Recorded(**{f.name: getattr(windows["train"], f.name) for f in fields(WindowSplit)})
    assert len(train) > 3 * BOUND
    passed: list[int] = []  # windows passed by the end of each epoch

    def on_epoch(epoch: int, loss: float) -> None:
        passed.append(sum(len(index) for index in train.taken))

    settings = TrainSettings(
        epochs=3,
        patience=3,
        batch_size=64,
        learning_rate=1e-2,
        optimizer="adam",
        scheduler="none",
        epoch_windows=BOUND,
    )
    torch.manual_seed(0)
    result = fit(build_forecaster(CONFIG, dataset), train, windows["val"], settings, on_epoch)
    assert passed == [BOUND, 2 * BOUND, 3 * BOUND]
    assert result.epochs_run == 3
    # Three epochs within one permutation: no window twice.
    assert len(torch.cat(train.taken).unique()) == 3 * BOUND


def test_every_window_is_seen_once_per_permutation() -> None:
    orders = epoch_orders(10, 4, torch.Generator().manual_seed(3))
    epochs = [next(orders) for _ in range(5)]  # 20 windows: two permutations of 10
    assert [len(order) for order in epochs] == [4] * 5
    drawn = torch.cat(epochs).tolist()
    assert sorted(drawn[:10]) == sorted(drawn[10:]) == list(range(10))
    assert drawn[:10] != drawn[10:]  # a new permutation each time one is used up


def test_the_same_seed_trains_the_same_bounded_trial(dataset: ForecastDataset) -> None:
    bounded = budget(3, BOUND)
    first = train_trial(CONFIG, dataset, bounded, seed=7)
    assert first.history == train_trial(CONFIG, dataset, bounded, seed=7).history
    assert first.history != train_trial(CONFIG, dataset, bounded, seed=8).history
    assert first.history != train_trial(CONFIG, dataset, budget(3, None), seed=7).history


def test_co2_within_the_default_bound_trains_exactly_as_with_whole_epochs(
    dataset: ForecastDataset,
) -> None:
    seq_len = SearchOptions().seq_len
    # Its trials, folds and refit: every split it trains on is within the default bound.
    assert len(dataset.refit_windows(seq_len)) <= EPOCH_WINDOWS
    config = {**CONFIG, "seq_len": seq_len}
    bounded = train_trial(config, dataset, budget(3, EPOCH_WINDOWS), seed=5)
    whole = train_trial(config, dataset, budget(3, None), seed=5)
    assert bounded.history == whole.history
    assert all(torch.equal(bounded.state_dict[k], whole.state_dict[k]) for k in whole.state_dict)
