"""The locks a study's workers share while they claim a trial slot, and how long anyone waits.

A claim holds its study's lock for a few milliseconds of bookkeeping (run/runner.py). Every wait
on a lock lets Ctrl-C through. On PostgreSQL and the proxy every hold is bounded, so a worker
frozen inside a claim does not stall the others for long, and every wait is bounded too. An flock
is held as long as its process lives, however long it is stopped: there the others wait and say
so, naming the holder, rather than all giving up behind it.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import logging
import math
import os
import time
from collections.abc import Iterator
from typing import Protocol

import sqlalchemy

from search.errors import ConfigError, SearchAborted

SQLITE_BUSY_SECONDS = 60
"""How long a SQLite write waits for another connection's write lock."""
LOCK_WAIT_SECONDS = 120
"""How long a worker waits for the study's lock on PostgreSQL or the proxy before it gives up
with the reason (a claim holds it for well under a second), and how often one waiting on an
flock says so."""
LOCK_HOLD_SECONDS = 60
"""How long a holder may keep the study's lock without a word before it loses it (a PostgreSQL
session idle in its transaction, a lease on the proxy): a worker frozen or cut off inside a claim
no longer stalls the others."""
LONGEST_WAIT_SECONDS = max(SQLITE_BUSY_SECONDS, LOCK_HOLD_SECONDS)
"""The longest a live worker's storage write can be held up by others."""
LOCK_POLL_SECONDS = 0.05
LOCK_NOTICE_ENV = "LSTM_SEARCH_LOCK_NOTICE_SECONDS"
"""Overrides how often a worker waiting on an flock says so (default LOCK_WAIT_SECONDS)."""

_log = logging.getLogger(__name__)


def lock_notice_seconds() -> float:
    """How long a worker waits on an flock before it says so, and again each time after."""
    text = os.environ.get(LOCK_NOTICE_ENV)
    if text is None:
        return LOCK_WAIT_SECONDS
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not math.isfinite(value) or value <= 0:
        raise ConfigError(
            f"{LOCK_NOTICE_ENV} must be a positive number of seconds, but got {text!r}; "
            "set it to e.g. 120 or unset it"
        )
    return value


def lock_timed_out(where: str) -> SearchAborted:
    """The error of a worker that waited LOCK_WAIT_SECONDS for the study's lock."""
    return SearchAborted(
        f"waited {LOCK_WAIT_SECONDS} s for the study's lock ({where}); another process holds "
        "it and does not let go, most likely a stopped or frozen lstm-search worker: end it "
        "(kill -CONT or kill PID) and run the command again"
    )


class StudyLock(Protocol):
    """A lock shared by every worker of one study, on this machine or others."""

    def held(self) -> contextlib.AbstractContextManager[None]:
        """Hold the lock for the duration of the block."""
        ...

    def close(self) -> None:
        """Release what the lock holds open."""
        ...


class FileLock:
    """An flock on a file beside a file storage (SQLite's database, a journal): a SQLite write
    lock would block Optuna's own insert in the same process.

    The holder writes its pid into the file, so that a worker kept waiting can name it.
    """

    def __init__(self, storage_file: str) -> None:
        self._path = f"{os.path.realpath(storage_file)}.lock"
        self._notice_seconds = lock_notice_seconds()

    @contextlib.contextmanager
    def held(self) -> Iterator[None]:
        """Hold the lock for the duration of the block, waiting as long as its holder lives."""
        descriptor = os.open(self._path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            self._acquire(descriptor)
            try:
                os.ftruncate(descriptor, 0)
                os.pwrite(descriptor, str(os.getpid()).encode(), 0)
                yield
            finally:
                fcntl.flock(descriptor, fcntl.LOCK_UN)
        finally:
            os.close(descriptor)

    def _acquire(self, descriptor: int) -> None:
        # A holder that dies releases the flock, so only a live one (stopped, frozen, or busy)
        # keeps us here; giving up would stop every worker behind it, so wait and say so.
        started = time.monotonic()
        notice = started + self._notice_seconds
        while True:
            try:
                fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
                return
            except BlockingIOError:
                if time.monotonic() >= notice:
                    notice += self._notice_seconds
                    self._say_waiting(descriptor, time.monotonic() - started)
                time.sleep(LOCK_POLL_SECONDS)

    def _say_waiting(self, descriptor: int, waited: float) -> None:
        holder = os.pread(descriptor, 32, 0).decode(errors="replace").strip() or "unknown"
        _log.warning(
            "lstm-search: worker %d is waiting for the study's lock held by pid %s "
            "(%.0f s so far, flock on %s); that process is most likely stopped or frozen: "
            "resume it (kill -CONT %s) or end it (kill %s); waiting on",
            os.getpid(),
            holder,
            waited,
            self._path,
            holder,
            holder,
        )

    def close(self) -> None:
        """Nothing stays open between claims."""


def _lock_session() -> str:
    """The lock's session: waits and holds bounded, a lost client noticed in under a minute."""
    return (
        f"-c lock_timeout={LOCK_WAIT_SECONDS * 1000}"
        f" -c idle_in_transaction_session_timeout={LOCK_HOLD_SECONDS * 1000}"
        " -c tcp_keepalives_idle=10 -c tcp_keepalives_interval=5 -c tcp_keepalives_count=3"
    )


class AdvisoryLock:
    """A PostgreSQL advisory lock held by a connection of our own (Optuna's inserts do not wait
    on it), keyed by the study's name."""

    def __init__(self, url: str, study_name: str) -> None:
        # One session kept between claims (a new one costs a round of authentication each).
        self._engine = sqlalchemy.create_engine(
            url,
            pool_size=1,
            max_overflow=0,
            pool_pre_ping=True,
            connect_args={"options": _lock_session()},
        )
        digest = hashlib.sha256(f"lstm-search:{study_name}".encode()).digest()
        self._key = int.from_bytes(digest[:8], "big", signed=True)

    @contextlib.contextmanager
    def held(self) -> Iterator[None]:
        """Hold the lock for the duration of the block; give up after LOCK_WAIT_SECONDS."""
        with self._engine.connect() as connection:
            try:
                connection.execute(sqlalchemy.text("SELECT pg_advisory_lock(:k)"), {"k": self._key})
            except sqlalchemy.exc.OperationalError as error:
                if "lock timeout" not in str(error):
                    raise
                raise lock_timed_out(f"PostgreSQL advisory lock {self._key}") from None
            try:
                yield
            finally:
                # A session the server ended (held idle too long) has released the lock.
                with contextlib.suppress(sqlalchemy.exc.DBAPIError):
                    connection.execute(
                        sqlalchemy.text("SELECT pg_advisory_unlock(:k)"), {"k": self._key}
                    )

    def close(self) -> None:
        """Release the lock's connection pool."""
        self._engine.dispose()
