"""Training throughput: our trainer against the plain loop of the source notes, side by side.

The plain loop builds windows with a Python loop into a TensorDataset and trains through
DataLoader(shuffle=True); ours gathers batches from unfolded windows. Same model, data, epochs
and thread count (1); runs are interleaved so drift on the machine hits both alike.

    python benchmarks/train_throughput.py [--repeats 3] [--epochs 2]
"""

from __future__ import annotations

import argparse
import statistics
import time

import numpy as np
import torch
from record import recorded
from torch import nn
from torch.utils.data import DataLoader, TensorDataset

from models import ModelConfig, build_model
from search.data.series import load_series
from search.data.windows import ForecastDataset
from search.training.train import TrainSettings, fit

SEQ_LEN = 52
CASES = [  # (hidden_size, num_layers, batch_size)
    (64, 2, 32),
    (32, 1, 128),
]


def notes_style_windows(values: np.ndarray, seq_len: int) -> tuple[torch.Tensor, torch.Tensor]:
    """Windows the way the notes build them: a Python loop over start positions."""
    xs, ys = [], []
    for start in range(len(values) - seq_len):
        xs.append(values[start : start + seq_len])
        ys.append(values[start + seq_len])
    x = torch.tensor(np.array(xs), dtype=torch.float32).unsqueeze(-1)
    y = torch.tensor(np.array(ys), dtype=torch.float32).reshape(-1, 1, 1)
    return x, y


def plain_loop(model: nn.Module, loader: DataLoader, epochs: int, lr: float) -> float:
    """The notes' training loop; returns samples per second."""
    optimizer = torch.optim.Adam(model.parameters(), lr=lr)
    started, samples = time.perf_counter(), 0
    for _ in range(epochs):
        model.train()
        for x, y in loader:
            optimizer.zero_grad()
            loss = nn.functional.mse_loss(model(x), y)
            loss.backward()
            optimizer.step()
            samples += len(x)
    return samples / (time.perf_counter() - started)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--epochs", type=int, default=2)
    args = parser.parse_args()
    torch.set_num_threads(1)
    dataset = ForecastDataset(load_series())
    windows = dataset.windows(SEQ_LEN)
    train_rows = dataset.bounds.train[1]
    steps = dataset.scaling.inputs(dataset.series.values[:train_rows])[:, 0]
    x, y = notes_style_windows(steps, SEQ_LEN)
    print(
        f"{len(windows['train'])} training windows of {SEQ_LEN} steps, {args.epochs} epochs, "
        f"1 thread, {args.repeats} interleaved repeats"
    )
    print(
        f"{'hidden':>6} {'layers':>6} {'batch':>5} {'plain samples/s':>16} "
        f"{'ours samples/s':>15} {'ratio':>6}"
    )
    for hidden, layers, batch in CASES:
        config = ModelConfig(
            n_inputs=1, n_targets=1, horizon=1, hidden_size=hidden, num_layers=layers, dropout=0.0
        )
        settings = TrainSettings(
            epochs=args.epochs,
            patience=args.epochs,
            batch_size=batch,
            learning_rate=1e-3,
            optimizer="adam",
            scheduler="none",
            epoch_windows=None,
        )
        plain, ours = [], []
        for repeat in range(args.repeats):
            torch.manual_seed(repeat)
            loader = DataLoader(TensorDataset(x, y), batch_size=batch, shuffle=True)
            plain.append(plain_loop(build_model("stacked", config), loader, args.epochs, 1e-3))
            torch.manual_seed(repeat)
            result = fit(build_model("stacked", config), windows["train"], windows["val"], settings)
            ours.append(result.samples_per_second)
        p, o = statistics.median(plain), statistics.median(ours)
        print(f"{hidden:>6} {layers:>6} {batch:>5} {p:>16.0f} {o:>15.0f} {o / p:>5.2f}x")


if __name__ == "__main__":
    with recorded("train_throughput"):
        main()
