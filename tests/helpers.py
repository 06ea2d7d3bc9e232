"""Helpers shared by test modules (fixtures live in the conftest files)."""

import os
import socket
from typing import NoReturn

import pytest


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
