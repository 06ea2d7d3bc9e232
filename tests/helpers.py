"""Helpers shared by test modules (fixtures live in the conftest files)."""

import os
import socket
from typing import NoReturn

import pytest

from search.training import TrialBudget


def free_port() -> int:
    """A TCP port nothing on this machine listens on now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def skip_or_fail(reason: str) -> NoReturn:
    """Skip a test whose tool is missing here, but fail in CI (`CI` set), which must run it."""
    if os.environ.get("CI"):
        pytest.fail(f"{reason} (CI must run these tests)")
    pytest.skip(reason)


def whole_epochs(epochs: int, patience: int, trial_seconds: float | None = None) -> TrialBudget:
    """A budget of `epochs` whole epochs with `patience`: no work budget, one fold."""
    return TrialBudget(None, epochs, patience, 1, trial_seconds, min_epochs=1, epoch_windows=None)
