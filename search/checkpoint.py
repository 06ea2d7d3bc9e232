"""The model file: everything needed to rebuild a trained forecaster and use it, in one dict.

It holds only what `torch.load(..., weights_only=True)` accepts (tensors, numbers, strings,
lists and dicts), so loading a file from someone else cannot run code. The same bytes are the
trial's Optuna artifact and what `lstm-search export` writes.
"""

from __future__ import annotations

import io
from collections.abc import Mapping
from pathlib import Path

import numpy as np
import torch
from torch import nn

from models import ModelConfig, build_model
from search.dataset import Scaling
from search.errors import ConfigError

FORMAT = "lstm-search-model/1"
TREND = (
    "inputs: the target's one-step changes divided by scaling.target_step_std, then the "
    "features as z-scores; outputs: the change from the last observed target value, divided "
    "by scaling.target_step_std, for each of the horizon steps"
)
MODEL_FIELDS = ("n_inputs", "n_targets", "horizon", "hidden_size", "num_layers", "dropout")


def make_checkpoint(
    hyperparameters: Mapping[str, object],
    model_config: ModelConfig,
    state_dict: Mapping[str, torch.Tensor],
    scaling: Scaling,
    columns: tuple[str, ...],
    provenance: Mapping[str, object],
) -> dict[str, object]:
    """The model file's content; `provenance` says which study, trial and data made it."""
    return {
        "format": FORMAT,
        "arch": str(hyperparameters["arch"]),
        "model": {name: getattr(model_config, name) for name in MODEL_FIELDS},
        "hyperparameters": dict(hyperparameters),
        "state_dict": dict(state_dict),
        "scaling": scaling.to_dict(),
        "columns": list(columns),
        "seq_len": int(hyperparameters["seq_len"]),  # type: ignore[call-overload]
        "horizon": model_config.horizon,
        "trend": TREND,
        **provenance,
    }


def encode(checkpoint: Mapping[str, object]) -> bytes:
    """The checkpoint as the bytes of a `.pt` file."""
    buffer = io.BytesIO()
    torch.save(dict(checkpoint), buffer)
    return buffer.getvalue()


def decode(source: bytes | str | Path) -> dict[str, object]:
    """Read a model file (bytes or a path) safely, with `weights_only=True`."""
    stream = io.BytesIO(source) if isinstance(source, bytes) else source
    try:
        checkpoint = torch.load(stream, map_location="cpu", weights_only=True)
    except (OSError, RuntimeError, EOFError) as error:
        raise ConfigError(
            f"cannot read the model file ({error}); export it again with lstm-search export"
        ) from error
    if not isinstance(checkpoint, dict) or checkpoint.get("format") != FORMAT:
        raise ConfigError(
            f"not an lstm-search model file (expected format {FORMAT}); export one with "
            "lstm-search export STUDY --out model.pt"
        )
    return checkpoint


def rebuild(checkpoint: Mapping[str, object], device: torch.device | str = "cpu") -> nn.Module:
    """The trained model a checkpoint describes, in evaluation mode on `device`."""
    model = build_model(str(checkpoint["arch"]), ModelConfig(**checkpoint["model"]))  # type: ignore[arg-type]
    model.load_state_dict(checkpoint["state_dict"])  # type: ignore[arg-type]
    return model.to(device).eval()


def scaling_of(checkpoint: Mapping[str, object]) -> Scaling:
    """The training rows' scaling statistics stored in a checkpoint."""
    stored = checkpoint["scaling"]
    assert isinstance(stored, Mapping)
    return Scaling(
        float(stored["target_step_std"]),
        tuple(map(float, stored["feature_mean"])),
        tuple(map(float, stored["feature_std"])),
    )


@torch.inference_mode()
def forecast_next(checkpoint: Mapping[str, object], values: np.ndarray) -> np.ndarray:
    """The next `horizon` target values after the last row of `values` (T, 1 + F), in units."""
    seq_len = int(checkpoint["seq_len"])  # type: ignore[call-overload]
    # One more row than the window: the first input is a one-step change and needs a predecessor.
    recent = values[-(seq_len + 1) :]
    scaling = scaling_of(checkpoint)
    inputs = torch.as_tensor(scaling.inputs(recent)[1:], dtype=torch.float32).unsqueeze(0)
    change = rebuild(checkpoint)(inputs).reshape(1, -1).double().numpy()
    return scaling.to_units(change, recent[-1:, 0])[0]
