"""Pieces the architectures share: the output head and the nn.LSTM they are built on."""

import torch
from torch import nn

from models.config import ModelConfig


def make_lstm(config: ModelConfig, input_size: int, bidirectional: bool = False) -> nn.LSTM:
    """A batch-first nn.LSTM sized by the config.

    Dropout only acts between layers, so one layer gets none (nn.LSTM warns otherwise).
    """
    return nn.LSTM(
        input_size,
        config.hidden_size,
        num_layers=config.num_layers,
        dropout=config.dropout if config.num_layers > 1 else 0.0,
        bidirectional=bidirectional,
        batch_first=True,
    )


class ForecastHead(nn.Module):
    """Dropout then one linear map from a summary vector to every horizon step and target."""

    def __init__(self, in_features: int, config: ModelConfig) -> None:
        super().__init__()
        self.horizon, self.n_targets = config.horizon, config.n_targets
        self.dropout = nn.Dropout(config.dropout)
        self.linear = nn.Linear(in_features, config.horizon * config.n_targets)

    def forward(self, summary: torch.Tensor) -> torch.Tensor:
        out = self.linear(self.dropout(summary))  # (B, S) -> (B, horizon * n_targets)
        return out.view(-1, self.horizon, self.n_targets)  # -> (B, horizon, n_targets)


class LastStepForecaster(nn.Module):
    """A recurrent core read at its last time step, then the head.

    The core is anything called like a batch-first nn.LSTM: x -> (output, (h_n, c_n)).
    """

    def __init__(self, core: nn.Module, config: ModelConfig) -> None:
        super().__init__()
        self.core = core
        self.head = ForecastHead(config.hidden_size, config)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out, _ = self.core(x)  # (B, T, F) -> (B, T, H)
        return self.head(out[:, -1])  # (B, H) -> (B, horizon, n_targets)
