"""Riding out a lost database connection: a server restart or a network cut is waited for, with
backoff, for a bounded time, instead of ending every worker's search."""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from typing import TypeVar

import sqlalchemy

from search.errors import SearchAborted

RECONNECT_SECONDS = 300
"""How long a worker keeps trying to reach its storage before it gives up."""
FIRST_DELAY_SECONDS = 0.5
LONGEST_DELAY_SECONDS = 15.0

T = TypeVar("T")


def connection_lost(error: BaseException) -> bool:
    """Whether `error` says the storage could not be reached, rather than that a request was
    wrong: the database server or the gRPC proxy restarting, refusing connections or cut off.
    Optuna re-raises the driver's error as a StorageInternalError, so the chain of causes is
    searched."""
    grpc = sys.modules.get("grpc")  # no gRPC error without it
    cause: BaseException | None = error
    while cause is not None:
        if isinstance(cause, sqlalchemy.exc.DBAPIError):
            return cause.connection_invalidated or isinstance(
                cause, sqlalchemy.exc.OperationalError | sqlalchemy.exc.InterfaceError
            )
        if grpc is not None and isinstance(cause, grpc.RpcError):
            return cause.code() in (grpc.StatusCode.UNAVAILABLE, grpc.StatusCode.DEADLINE_EXCEEDED)
        cause = cause.__cause__ or cause.__context__
    return False


def retrying(action: Callable[[], T], what: str, seconds: float | None = None) -> T:
    """Run `action`; while the database is unreachable, run it again with growing delays, for up
    to RECONNECT_SECONDS (or `seconds`), then stop with the reason."""
    limit = RECONNECT_SECONDS if seconds is None else seconds
    deadline = time.monotonic() + limit
    delay = FIRST_DELAY_SECONDS
    while True:
        try:
            return action()
        except Exception as error:
            if not connection_lost(error):
                raise
            if time.monotonic() + delay > deadline:
                reason = _first_line(error)
                raise SearchAborted(
                    f"lost the storage while {what} and could not reach it again for {limit:.0f} "
                    f"s ({reason}); bring the database back and run the command again: "
                    "finished trials are kept"
                ) from error
            time.sleep(delay)
            delay = min(2 * delay, LONGEST_DELAY_SECONDS)


def _first_line(error: BaseException) -> str:
    """The driver's own message of a lost connection, first line."""
    while not isinstance(error, sqlalchemy.exc.DBAPIError) and error.__cause__ is not None:
        error = error.__cause__
    details = getattr(error, "details", None)  # a gRPC error's message
    message = details() if callable(details) else str(getattr(error, "orig", error))
    return (message.strip().splitlines() or [type(error).__name__])[0]
