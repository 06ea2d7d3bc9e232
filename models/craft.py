"""craft: an LSTM written from its gate equations, and the forecaster built on it."""

import math

import torch
from torch import nn
from torch.nn import functional as F

from models.common import LastStepForecaster
from models.config import ModelConfig

# nn.LSTM's parameter names per layer; keeping them lets load_state_dict move weights across.
_PARAM_NAMES = ("weight_ih", "weight_hh", "bias_ih", "bias_hh")


class CraftLSTM(nn.Module):
    """A batch-first multi-layer LSTM from the gate equations, a drop-in for nn.LSTM.

    Per layer k it holds nn.LSTM's `weight_ih_l{k}` (4H, F), `weight_hh_l{k}` (4H, H),
    `bias_ih_l{k}` and `bias_hh_l{k}` (4H), with the gates stacked in PyTorch's order
    i, f, g, o, so `craft.load_state_dict(nn_lstm.state_dict())` works. Dropout acts on every
    layer's output but the last, as in nn.LSTM.
    """

    def __init__(
        self, input_size: int, hidden_size: int, num_layers: int = 1, dropout: float = 0.0
    ) -> None:
        super().__init__()
        self.input_size, self.hidden_size = input_size, hidden_size
        self.num_layers, self.dropout = num_layers, dropout
        for k in range(num_layers):
            layer_in = input_size if k == 0 else hidden_size
            shapes: tuple[tuple[int, ...], ...] = (
                (4 * hidden_size, layer_in),
                (4 * hidden_size, hidden_size),
                (4 * hidden_size,),
                (4 * hidden_size,),
            )
            for name, shape in zip(_PARAM_NAMES, shapes, strict=True):
                self.register_parameter(f"{name}_l{k}", nn.Parameter(torch.empty(shape)))
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """nn.LSTM's default: every weight and bias uniform in +-1/sqrt(hidden_size)."""
        bound = 1.0 / math.sqrt(self.hidden_size)
        for param in self.parameters():
            nn.init.uniform_(param, -bound, bound)

    def extra_repr(self) -> str:
        return (
            f"{self.input_size}, {self.hidden_size}, num_layers={self.num_layers}, "
            f"dropout={self.dropout}"
        )

    def forward(
        self, x: torch.Tensor, hx: tuple[torch.Tensor, torch.Tensor] | None = None
    ) -> tuple[torch.Tensor, tuple[torch.Tensor, torch.Tensor]]:
        """(B, T, F) -> output (B, T, H), (h_n, c_n) each (num_layers, B, H)."""
        if hx is None:
            shape = (self.num_layers, x.shape[0], self.hidden_size)
            zeros = torch.zeros(shape, device=x.device, dtype=x.dtype)
            hx = (zeros, zeros)
        out, h_n, c_n = x, [], []
        for k in range(self.num_layers):
            if k > 0:
                out = F.dropout(out, self.dropout, self.training)
            out, (h, c) = self._layer(k, out, hx[0][k], hx[1][k])  # (B, T, *) -> (B, T, H)
            h_n.append(h)
            c_n.append(c)
        return out, (torch.stack(h_n), torch.stack(c_n))

    def _layer(
        self, k: int, x: torch.Tensor, h: torch.Tensor, c: torch.Tensor
    ) -> tuple[torch.Tensor, tuple[torch.Tensor, torch.Tensor]]:
        """One layer over the sequence: x (B, T, F), h and c (B, H) -> (B, T, H), (h, c)."""
        w_ih, w_hh, b_ih, b_hh = (getattr(self, f"{name}_l{k}") for name in _PARAM_NAMES)
        # The input's share of the gates does not depend on h: one matmul for every step.
        x_gates = x @ w_ih.T + (b_ih + b_hh)  # (B, T, F) -> (B, T, 4H)
        steps = []
        for t in range(x.shape[1]):
            gates = x_gates[:, t] + h @ w_hh.T  # (B, 4H): all four gates, one matmul
            i, f, g, o = gates.chunk(4, dim=1)  # (B, H) each, PyTorch's gate order
            c = torch.sigmoid(f) * c + torch.sigmoid(i) * torch.tanh(g)  # C_t = f*C + i*g
            h = torch.sigmoid(o) * torch.tanh(c)  # H_t = o * tanh(C_t)
            steps.append(h)
        return torch.stack(steps, dim=1), (h, c)


class CraftForecaster(LastStepForecaster):
    """The stacked forecaster with CraftLSTM in place of nn.LSTM."""

    def __init__(self, config: ModelConfig) -> None:
        core = CraftLSTM(config.n_inputs, config.hidden_size, config.num_layers, config.dropout)
        super().__init__(core, config)
