"""Where training runs: the device and the CPU thread budget of this process."""

from __future__ import annotations

import torch

from search.errors import ConfigError

DEVICES = ("auto", "cpu", "cuda")


def resolve_device(name: str) -> torch.device:
    """`auto` is CUDA when a GPU is visible, else the CPU; `cuda` without a GPU is refused."""
    if name not in DEVICES:
        raise ConfigError(f"unknown device {name!r}; choose one of {', '.join(DEVICES)}")
    if name == "cuda" and not torch.cuda.is_available():
        raise ConfigError(
            "--device cuda was asked for but no CUDA GPU is visible to PyTorch; "
            "use --device cpu or install a CUDA build of torch"
        )
    if name == "auto":
        name = "cuda" if torch.cuda.is_available() else "cpu"
    return torch.device(name)


def set_threads(threads: int) -> None:
    """Give this process `threads` CPU threads for training (workers each get their share)."""
    if threads < 1:
        raise ConfigError(f"thread count must be at least 1, but got {threads}")
    torch.set_num_threads(threads)
