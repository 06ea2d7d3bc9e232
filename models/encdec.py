"""encdec: an encoder LSTM hands its final state to a decoder LSTM unrolled over the horizon."""

import torch
from torch import nn

from models.common import make_lstm
from models.config import ModelConfig


class EncoderDecoder(nn.Module):
    """Encoder LSTM -> final (h, c) -> decoder LSTM over `horizon` steps -> linear per step.

    The decoder's input at every step is the encoder's top-layer final state (the context), so
    the whole horizon is one decoder call instead of a Python loop feeding back predictions;
    the steps still differ because the decoder's own state moves on.
    """

    def __init__(self, config: ModelConfig) -> None:
        super().__init__()
        self.horizon = config.horizon
        self.encoder = make_lstm(config, config.n_inputs)
        self.decoder = make_lstm(config, config.hidden_size)
        self.dropout = nn.Dropout(config.dropout)
        self.linear = nn.Linear(config.hidden_size, config.n_targets)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        _, (h, c) = self.encoder(x)  # (B, T, F) -> (L, B, H) each
        context = h[-1].unsqueeze(1).expand(-1, self.horizon, -1)  # (B, horizon, H)
        out, _ = self.decoder(context, (h, c))  # (B, horizon, H)
        return self.linear(self.dropout(out))  # (B, horizon, H) -> (B, horizon, n_targets)
