"""Contract tests run against every registered architecture: shapes and learning."""

import math

import pytest
import torch
from torch import nn

from models import ARCHITECTURES, ModelConfig, build_model

SHAPE_CASES = [
    # (n_inputs, n_targets, horizon, num_layers, dropout)
    (1, 1, 1, 1, 0.0),
    (3, 1, 4, 1, 0.0),
    (2, 2, 3, 3, 0.2),
    (1, 3, 1, 3, 0.0),
]


@pytest.mark.parametrize("arch", ARCHITECTURES)
@pytest.mark.parametrize(("n_inputs", "n_targets", "horizon", "num_layers", "dropout"), SHAPE_CASES)
def test_output_shape(
    arch: str, n_inputs: int, n_targets: int, horizon: int, num_layers: int, dropout: float
) -> None:
    config = ModelConfig(
        n_inputs, n_targets, horizon, hidden_size=8, num_layers=num_layers, dropout=dropout
    )
    torch.manual_seed(0)
    model = build_model(arch, config)
    x = torch.randn(5, 6, n_inputs)
    for train in (True, False):  # dropout paths differ between the two modes
        model.train(train)
        y = model(x)
        assert y.shape == (5, horizon, n_targets)
        assert y.dtype == torch.float32
        assert torch.isfinite(y).all()


def noisy_sine_windows(seq_len: int = 16, horizon: int = 2) -> tuple[torch.Tensor, torch.Tensor]:
    """~300 points of a noisy sine cut into (x, y) windows: x (N, seq_len, 1), y (N, horizon, 1)."""
    gen = torch.Generator().manual_seed(0)
    t = torch.arange(300, dtype=torch.float32)
    series = torch.sin(2 * math.pi * t / 25) + 0.1 * torch.randn(300, generator=gen)
    windows = series.unfold(0, seq_len + horizon, 1)  # (N, seq_len + horizon)
    return windows[:, :seq_len, None], windows[:, seq_len:, None]


def full_loss(model: nn.Module, x: torch.Tensor, y: torch.Tensor) -> float:
    model.eval()
    with torch.no_grad():
        return nn.functional.mse_loss(model(x), y).item()


@pytest.mark.parametrize("arch", ARCHITECTURES)
def test_training_lowers_the_loss(arch: str) -> None:
    x, y = noisy_sine_windows()
    torch.manual_seed(0)
    model = build_model(
        arch,
        ModelConfig(n_inputs=1, n_targets=1, horizon=2, hidden_size=16, num_layers=1, dropout=0.0),
    )
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-2)
    initial = full_loss(model, x, y)
    gen = torch.Generator().manual_seed(0)
    for _ in range(5):
        model.train()
        for batch in torch.randperm(len(x), generator=gen).split(32):
            optimizer.zero_grad()
            nn.functional.mse_loss(model(x[batch]), y[batch]).backward()
            optimizer.step()
    final = full_loss(model, x, y)
    assert final < 0.7 * initial, f"{arch}: loss went from {initial:.4f} to {final:.4f}"
