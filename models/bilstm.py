"""bilstm: a bidirectional LSTM whose head sees both directions after their full pass."""

import torch
from torch import nn

from models.common import ForecastHead, make_lstm
from models.config import ModelConfig


class BiLSTM(nn.Module):
    """Bidirectional LSTM; the head reads the forward direction's last step and the backward
    direction's first step.

    Reading out[:, -1] for both halves would give the backward direction a single input: at the
    last position it has only just started.
    """

    def __init__(self, config: ModelConfig) -> None:
        super().__init__()
        self.hidden_size = config.hidden_size
        self.lstm = make_lstm(config, config.n_inputs, bidirectional=True)
        self.head = ForecastHead(2 * config.hidden_size, config)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out, _ = self.lstm(x)  # (B, T, F) -> (B, T, 2H)
        forward_last = out[:, -1, : self.hidden_size]  # (B, H), has read x[:, 0..T-1]
        backward_first = out[:, 0, self.hidden_size :]  # (B, H), has read x[:, T-1..0]
        return self.head(torch.cat([forward_last, backward_first], dim=1))  # (B, 2H) -> (B, h, n)
