"""attention: an LSTM whose steps are pooled by learned softmax weights over time."""

import torch
from torch import nn

from models.common import ForecastHead, make_lstm
from models.config import ModelConfig


class AttentionLSTM(nn.Module):
    """LSTM -> a learned score per time step -> softmax over time -> weighted context -> head."""

    def __init__(self, config: ModelConfig) -> None:
        super().__init__()
        self.lstm = make_lstm(config, config.n_inputs)
        self.score = nn.Linear(config.hidden_size, 1)
        self.head = ForecastHead(config.hidden_size, config)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out, _ = self.lstm(x)  # (B, T, F) -> (B, T, H)
        weights = torch.softmax(self.score(out), dim=1)  # (B, T, 1), sums to 1 over time
        context = (weights * out).sum(dim=1)  # (B, T, H) -> (B, H)
        return self.head(context)  # (B, H) -> (B, horizon, n_targets)
