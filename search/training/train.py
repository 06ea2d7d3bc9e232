"""The training loop: plain PyTorch, knows nothing of Optuna.

Batches are gathered from windows already on the device (no DataLoader, no per-sample Python),
validation runs under inference mode, and the best epoch's weights are kept. Pruning and progress
reach the loop through one per-epoch callback, which may raise to stop the trial.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

import torch
from torch import nn
from torch.optim.lr_scheduler import LRScheduler

from search.data import WindowSplit
from search.errors import TrialFailure

EpochCallback = Callable[[int, float], None]
"""Called after each epoch with (epoch, validation loss); raising stops the training."""

OPTIMIZERS: dict[str, Callable[..., torch.optim.Optimizer]] = {
    "adam": torch.optim.Adam,
    "rmsprop": torch.optim.RMSprop,
    # Plain SGD stalls on LSTMs; momentum is what the SGD range of the `full` space assumes.
    "sgd": lambda params, lr: torch.optim.SGD(params, lr=lr, momentum=0.9),
}

SCHEDULERS: dict[str, Callable[[torch.optim.Optimizer, int], LRScheduler | None]] = {
    "none": lambda optimizer, epochs: None,
    # Halve the rate four times over the run, whatever the epoch budget.
    "step": lambda optimizer, epochs: torch.optim.lr_scheduler.StepLR(
        optimizer, step_size=max(1, epochs // 4), gamma=0.5
    ),
    "cosine": lambda optimizer, epochs: torch.optim.lr_scheduler.CosineAnnealingLR(
        optimizer, T_max=max(1, epochs)
    ),
}

EVAL_BATCH = 4096


@dataclass(frozen=True)
class TrainSettings:
    """How one model is trained: budget, optimisation and reproducibility. The optimisation
    fields have no defaults: theirs are the hyperparameters' (training/hyperparameters.py),
    nor has the epoch's size: its is the search's (run/options.py)."""

    epochs: int
    patience: int
    batch_size: int
    learning_rate: float
    optimizer: str
    scheduler: str
    epoch_windows: int | None  # the most windows an epoch passes; None: every window
    seed: int = 0
    max_seconds: float | None = None
    stop_after: int | None = None  # a refit: the schedule of `epochs`, cut after this many


@dataclass
class TrainResult:
    """What a finished training leaves: the best validation loss and the weights that made it."""

    best_loss: float
    best_epoch: int
    epochs_run: int
    seconds: float
    samples_per_second: float
    param_count: int
    state_dict: dict[str, torch.Tensor] = field(repr=False)
    history: list[float] = field(default_factory=list)
    stopped_by: str = "epochs"  # "epochs" (its cap or work budget), "patience" or "time"


def fit(
    model: nn.Module,
    train: WindowSplit,
    val: WindowSplit | None,
    settings: TrainSettings,
    on_epoch: EpochCallback | None = None,
) -> TrainResult:
    """Train `model` with early stopping on validation MSE; keep the best epoch's weights.

    An epoch passes every training window in a seeded order, or, where there are more than
    `epoch_windows`, the next `epoch_windows` of a seeded permutation of them all (a new one
    when it is used up). Training ends at the epoch cap, after `patience` epochs without
    improvement, or after the epoch in which it passed `max_seconds`. Without a validation
    split (a final refit) it runs every epoch, keeps the last, and its loss is the last epoch's
    training MSE. A NaN or infinite loss raises TrialFailure; so does running out of memory.
    """
    device = train.anchors.device
    generator = torch.Generator().manual_seed(settings.seed)
    optimizer = OPTIMIZERS[settings.optimizer](model.parameters(), lr=settings.learning_rate)
    scheduler = SCHEDULERS[settings.scheduler](optimizer, settings.epochs)
    best_loss, best_epoch, best_state = math.inf, 0, None
    history: list[float] = []
    stopped_by = "epochs"
    orders = epoch_orders(len(train), settings.epoch_windows, generator)
    train_seconds = 0.0
    trained = 0  # windows passed, for the throughput
    started = time.perf_counter()
    try:
        for epoch in range(1, (settings.stop_after or settings.epochs) + 1):
            epoch_start = time.perf_counter()
            order = next(orders).to(device)
            trained += len(order)
            loss = _train_epoch(model, train, optimizer, settings.batch_size, order, epoch)
            train_seconds += time.perf_counter() - epoch_start
            if scheduler is not None:
                scheduler.step()
            if val is not None:
                loss = evaluate(model, val)
                _check_finite(loss, "validation", epoch)
            history.append(loss)
            if loss < best_loss or val is None:
                best_loss, best_epoch = loss, epoch
                best_state = {
                    k: v.detach().to("cpu", copy=True) for k, v in model.state_dict().items()
                }
            if on_epoch is not None:
                on_epoch(epoch, loss)
            if epoch - best_epoch >= settings.patience:
                stopped_by = "patience"
                break
            limit = settings.max_seconds
            if (
                limit is not None
                and time.perf_counter() - started >= limit
                and epoch < settings.epochs
            ):
                stopped_by = "time"
                break
    except torch.OutOfMemoryError as error:
        raise TrialFailure(f"out of memory at batch size {settings.batch_size}: {error}") from error
    assert best_state is not None  # the first finite epoch always improves on inf
    return TrainResult(
        best_loss=best_loss,
        best_epoch=best_epoch,
        epochs_run=len(history),
        seconds=time.perf_counter() - started,
        samples_per_second=trained / max(train_seconds, 1e-9),
        param_count=sum(p.numel() for p in model.parameters()),
        state_dict=best_state,
        history=history,
        stopped_by=stopped_by,
    )


def epoch_orders(
    windows: int, epoch_windows: int | None, generator: torch.Generator
) -> Iterator[torch.Tensor]:
    """The positions of the windows each epoch trains on, in order, drawn from `generator`.

    At most `epoch_windows` windows, taken in turn from a permutation of all `windows` and a new
    one when it runs out, so that every window is seen once per permutation whatever the bound.
    A series within the bound gets one whole permutation per epoch, as before the bound existed.
    """
    size = windows if epoch_windows is None else min(windows, epoch_windows)
    pending = torch.empty(0, dtype=torch.int64)
    while True:
        if len(pending) < size:
            pending = torch.cat([pending, torch.randperm(windows, generator=generator)])
        yield pending[:size]
        pending = pending[size:]


def _train_epoch(
    model: nn.Module,
    train: WindowSplit,
    optimizer: torch.optim.Optimizer,
    batch_size: int,
    order: torch.Tensor,
    epoch: int,
) -> float:
    """One epoch over the training windows at positions `order`; the batches' mean MSE."""
    model.train()
    total = torch.zeros((), device=order.device)
    for index in order.split(batch_size):
        inputs, targets = train.batch(index)
        loss = nn.functional.mse_loss(model(inputs), targets)
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()
        total += loss.detach()
    # One host sync per epoch rather than per batch: a NaN anywhere makes the sum NaN.
    mean = float(total) / math.ceil(len(order) / batch_size)  # mean of the batches' MSEs
    _check_finite(mean, "training", epoch)
    return mean


@torch.inference_mode()
def evaluate(model: nn.Module, split: WindowSplit) -> float:
    """Mean squared error of `model` over every window of `split`, in scaled units."""
    model.eval()
    total, count = 0.0, 0
    for index in torch.arange(len(split), device=split.anchors.device).split(EVAL_BATCH):
        inputs, targets = split.batch(index)
        total += float(nn.functional.mse_loss(model(inputs), targets, reduction="sum"))
        count += targets.numel()
    return total / count


def _check_finite(loss: float, which: str, epoch: int) -> None:
    if not math.isfinite(loss):
        raise TrialFailure(
            f"{which} loss became {loss} at epoch {epoch}; the learning rate is "
            "probably too high for this configuration"
        )
