"""LSTM forecasters: (batch, seq_len, n_inputs) -> (batch, horizon, n_targets).

Imports torch only; never optuna or `search`, so the search side can depend on this package
and not the other way round.
"""

from torch import nn

from models.attention import AttentionLSTM
from models.bilstm import BiLSTM
from models.common import ForecastHead, LastStepForecaster
from models.config import ModelConfig
from models.craft import CraftForecaster, CraftLSTM
from models.encdec import EncoderDecoder
from models.stacked import StackedLSTM

# The CLI's --arch choices come from these keys: adding an architecture is one entry.
ARCHITECTURES: dict[str, type[nn.Module]] = {
    "stacked": StackedLSTM,
    "bilstm": BiLSTM,
    "encdec": EncoderDecoder,
    "attention": AttentionLSTM,
    "craft": CraftForecaster,
}


def build_model(arch: str, config: ModelConfig) -> nn.Module:
    """The architecture registered under `arch`, built from `config`."""
    try:
        cls = ARCHITECTURES[arch]
    except KeyError:
        known = ", ".join(ARCHITECTURES)
        raise ValueError(
            f"unknown architecture {arch!r}; expected one of: {known}. "
            "Pick one of these or register a new class in models.ARCHITECTURES."
        ) from None
    return cls(config)


__all__ = [
    "ARCHITECTURES",
    "AttentionLSTM",
    "BiLSTM",
    "CraftForecaster",
    "CraftLSTM",
    "EncoderDecoder",
    "ForecastHead",
    "LastStepForecaster",
    "ModelConfig",
    "StackedLSTM",
    "build_model",
]
