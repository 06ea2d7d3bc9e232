"""Leases: how a worker shows that its trial is alive, on any Optuna storage.

While a trial runs, its worker renews the trial's lease (a system attribute, which every storage
holds) every HEARTBEAT_SECONDS. Another worker judges a lease by its own clock: one whose value
has not changed for GRACE_SECONDS of watching belongs to a lost process or machine. No clock of
another machine, and no time zone, enters the verdict.
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Callable, Iterator

import optuna
from optuna.exceptions import UpdateFinishedTrialError
from optuna.trial import FrozenTrial

from search.store import schema
from search.store.locks import LONGEST_WAIT_SECONDS
from search.store.optuna_internals import TrialRef, set_system_attr
from search.store.reconnect import connection_lost

HEARTBEAT_SECONDS = 10
GRACE_SECONDS = LONGEST_WAIT_SECONDS + 3 * HEARTBEAT_SECONDS
"""How long a lease may stay unchanged before its trial is judged lost: the longest wait a live
worker's renewal can meet (another program holding SQLite's write lock) and three beats more."""


def fresh_lease() -> float:
    """A lease value no earlier renewal of this trial had."""
    return time.time()


def renew(study: optuna.Study, trial: TrialRef) -> None:
    """Renew the trial's lease now."""
    set_system_attr(study, trial, schema.LEASE, fresh_lease())


@contextlib.contextmanager
def renewing(study: optuna.Study, trial: optuna.Trial) -> Iterator[None]:
    """Renew the trial's lease in a thread for the duration of the block; a renewal the storage
    cannot take (its connection lost) is skipped, and the next one tries again. A trial another
    worker has failed as lost (this one was paused past the grace) is renewed no more."""
    stopped = threading.Event()

    def beat() -> None:
        while not stopped.wait(HEARTBEAT_SECONDS):
            try:
                renew(study, trial)
            except UpdateFinishedTrialError:
                return
            except Exception as error:
                if not connection_lost(error):
                    raise

    thread = threading.Thread(target=beat, name=f"lease of trial {trial.number}", daemon=True)
    thread.start()
    try:
        yield
    finally:
        stopped.set()
        thread.join()


class LeaseWatch:
    """The leases one worker has seen, and since when (by its own monotonic clock) each has
    kept its value."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._seen: dict[int, tuple[object, float]] = {}

    def expired(self, running: list[FrozenTrial]) -> list[FrozenTrial]:
        """The trials among `running` whose lease has not changed for over GRACE_SECONDS of
        watching; a trial without a lease (a plain Optuna client's) is never one."""
        now = self._clock()
        seen: dict[int, tuple[object, float]] = {}
        for trial in running:
            lease = trial.system_attrs.get(schema.LEASE)
            if lease is None:
                continue
            value, since = self._seen.get(trial.number, (lease, now))
            seen[trial.number] = (lease, since if value == lease else now)
        self._seen = seen
        return [t for t in running if t.number in seen and now - seen[t.number][1] > GRACE_SECONDS]
