"""The arguments every architecture is built from."""

from dataclasses import dataclass


@dataclass(frozen=True)
class ModelConfig:
    """Shape and capacity of a forecaster: (B, seq_len, n_inputs) -> (B, horizon, n_targets).

    Checkpoints can store it as plain fields and rebuild the same model from them. No field has
    a default: the defaults of hidden_size, num_layers and dropout are hyperparameters', kept
    with the rest in search/training/hyperparameters.py.
    """

    n_inputs: int
    n_targets: int
    horizon: int
    hidden_size: int
    num_layers: int
    dropout: float

    def __post_init__(self) -> None:
        for name in ("n_inputs", "n_targets", "horizon", "hidden_size", "num_layers"):
            value = getattr(self, name)
            if value < 1:
                raise ValueError(f"`{name} >= 1` must hold, but got {name}={value}")
        if not 0.0 <= self.dropout < 1.0:
            raise ValueError(f"`0 <= dropout < 1` must hold, but got dropout={self.dropout}")
