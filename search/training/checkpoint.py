"""The model file: everything needed to rebuild a trained forecaster and use it.

In memory it is a typed `Checkpoint`; on disk a plain dict that `torch.load(...,
weights_only=True)` accepts (tensors, numbers, strings, lists and dicts), so loading a file from
someone else cannot run code. The same bytes are the trial's Optuna artifact and what
`lstm-search export` writes.
"""

from __future__ import annotations

import io
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch import nn

from models import ModelConfig, build_model
from search.data import ModelScaling, Scaling
from search.errors import ConfigError

FORMAT = "lstm-search-model/1"
TREND = (
    "inputs: the target's one-step changes divided by scaling.target_step_std, then the "
    "features as z-scores; outputs: the change from the last observed target value, divided "
    "by scaling.target_step_std, for each of the horizon steps (a panel's model: scaling holds "
    "each series' own, by series id)"
)


@dataclass(frozen=True)
class Checkpoint:
    """A trained model with what it needs to forecast: shape, weights, scaling and columns; a
    panel's model has a scaling for each series, by id.

    `provenance` says which study, trial and data made it; it is stored beside the other keys.
    """

    arch: str
    model: ModelConfig
    hyperparameters: dict[str, Any]
    state_dict: dict[str, torch.Tensor] = field(repr=False)
    scaling: ModelScaling
    columns: tuple[str, ...]
    seq_len: int
    provenance: dict[str, Any] = field(default_factory=dict)

    @property
    def horizon(self) -> int:
        """Steps forecast at once."""
        return self.model.horizon

    def to_file_dict(self) -> dict[str, object]:
        """The plain dict written to the file."""
        return {
            "format": FORMAT,
            "arch": self.arch,
            "model": asdict(self.model),
            "hyperparameters": dict(self.hyperparameters),
            "state_dict": dict(self.state_dict),
            "scaling": _scaling_dict(self.scaling),
            "columns": list(self.columns),
            "seq_len": self.seq_len,
            "horizon": self.horizon,
            "trend": TREND,
            **self.provenance,
        }

    @classmethod
    def from_file_dict(cls, stored: Mapping[str, Any]) -> Checkpoint:
        """The checkpoint a file's dict describes (see `to_file_dict`)."""
        own = {"format", "arch", "model", "hyperparameters", "state_dict", "scaling", "columns"}
        own |= {"seq_len", "horizon", "trend"}
        return cls(
            arch=str(stored["arch"]),
            model=ModelConfig(**stored["model"]),
            hyperparameters=dict(stored["hyperparameters"]),
            state_dict=dict(stored["state_dict"]),
            scaling=_read_scaling(stored["scaling"]),
            columns=tuple(stored["columns"]),
            seq_len=int(stored["seq_len"]),
            provenance={k: v for k, v in stored.items() if k not in own},
        )

    def series_scaling(self, series: str | None) -> Scaling:
        """The scaling of `series` (a panel's id; None for a single series' model)."""
        if isinstance(self.scaling, Scaling):
            return self.scaling
        if series not in self.scaling:
            raise ConfigError(
                f"the model was not trained on a series {series!r} (series: "
                f"{', '.join(list(self.scaling)[:10])}); choose one of them"
            )
        return self.scaling[series]


def _scaling_dict(scaling: ModelScaling) -> dict[str, object]:
    if isinstance(scaling, Scaling):
        return scaling.to_dict()
    return {name: own.to_dict() for name, own in scaling.items()}


def _read_scaling(stored: Mapping[str, Any]) -> ModelScaling:
    if "target_step_std" not in stored:  # a panel's: one scaling per series
        return {str(name): _read_one_scaling(own) for name, own in stored.items()}
    return _read_one_scaling(stored)


def _read_one_scaling(stored: Mapping[str, Any]) -> Scaling:
    return Scaling(
        float(stored["target_step_std"]),
        tuple(map(float, stored["feature_mean"])),
        tuple(map(float, stored["feature_std"])),
    )


def encode(checkpoint: Checkpoint) -> bytes:
    """The checkpoint as the bytes of a `.pt` file."""
    buffer = io.BytesIO()
    torch.save(checkpoint.to_file_dict(), buffer)
    return buffer.getvalue()


def decode(source: bytes | str | Path) -> Checkpoint:
    """Read a model file (bytes or a path) safely, with `weights_only=True`."""
    stream = io.BytesIO(source) if isinstance(source, bytes) else source
    try:
        stored = torch.load(stream, map_location="cpu", weights_only=True)
    except (OSError, RuntimeError, EOFError) as error:
        raise ConfigError(
            f"cannot read the model file ({error}); export it again with lstm-search export"
        ) from error
    if not isinstance(stored, dict) or stored.get("format") != FORMAT:
        raise ConfigError(
            f"not an lstm-search model file (expected format {FORMAT}); export one with "
            "lstm-search export STUDY --out model.pt"
        )
    return Checkpoint.from_file_dict(stored)


def rebuild(checkpoint: Checkpoint, device: torch.device | str = "cpu") -> nn.Module:
    """The trained model a checkpoint describes, in evaluation mode on `device`."""
    model = build_model(checkpoint.arch, checkpoint.model)
    model.load_state_dict(checkpoint.state_dict)
    return model.to(device).eval()


@torch.inference_mode()
def forecast_next(
    checkpoint: Checkpoint,
    values: np.ndarray,
    series: str | None = None,
    model: nn.Module | None = None,
) -> np.ndarray:
    """The next `horizon` target values after the last row of `values` (T, 1 + F), in units;
    for a panel's model, of the series named `series`. `model` is the checkpoint's, rebuilt
    once by a caller that forecasts many series."""
    # One more row than the window: the first input is a one-step change and needs a predecessor.
    recent = values[-(checkpoint.seq_len + 1) :]
    scaling = checkpoint.series_scaling(series)
    inputs = torch.as_tensor(scaling.inputs(recent)[1:], dtype=torch.float32).unsqueeze(0)
    change = (model or rebuild(checkpoint))(inputs).reshape(1, -1).double().numpy()
    forecast: np.ndarray = scaling.to_units(change, recent[-1:, 0])[0]
    return forecast
