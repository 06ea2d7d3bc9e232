"""The worker loop: claim a slot, run the trial, tell the storage; until the study has N.

Optuna counts trials per process (`n_trials`) or after the fact (`MaxTrialsCallback`), so workers
sharing a study overshoot. Here a worker takes the lock all workers of the study share (the
storage backend's: an advisory lock on PostgreSQL, an flock beside a SQLite or journal file, a
lease on the `lstm-search serve` proxy), counts the trials that are finished or running, and
creates its trial only if that count is below N: no two workers can take the last slot. The
sampler runs after the lock is released (it reads the whole study); a finite sampler's choice of
point is part of the claim. Trials go through ask/tell rather than `Study.optimize`, because an
interrupted trial must be requeued, not only failed.
"""

from __future__ import annotations

import contextlib
import functools
import math
import signal
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import optuna
from optuna.exceptions import UpdateFinishedTrialError
from optuna.trial import FrozenTrial, TrialState

from search.errors import SearchAborted, TrialFailure
from search.run.process import raise_if_stopped
from search.store import (
    LeaseWatch,
    StudyLock,
    connection_lost,
    count,
    counts,
    create_running_trial,
    fail_dead_trials,
    fail_with_reason,
    fresh_lease,
    owner,
    pop_waiting_trial,
    renew,
    renewing,
    requeue,
    retrying,
    schema,
    set_system_attr,
    start_trial,
    stored_trial,
)
from search.strategies import FiniteSampler

MAX_CONSECUTIVE_FAILURES = 5
WAIT_SECONDS = 2.0
FRESH_SECONDS = 1.0
"""A worker whose last claim read the study this recently skips the read before the next one:
little can have finished since, and that read is about 15 % of the proxy's work per trial (32
stand-in workers behind `lstm-search serve`)."""

Objective = Callable[[optuna.Trial], float]


@dataclass(frozen=True)
class RunOutcome:
    """How a worker's loop ended."""

    finished: int
    ran: int
    timed_out: bool


def run_trials(
    study: optuna.Study,
    objective: Objective,
    target: int,
    lock: StudyLock,
    timeout: float | None = None,
    on_trial: Callable[[FrozenTrial], None] | None = None,
) -> RunOutcome:
    """Run trials until the study holds `target` finished ones (or `timeout` seconds pass)."""
    started = time.monotonic()
    ran = failures_in_a_row = 0
    watch = LeaseWatch()
    last_claim = -math.inf
    while True:
        raise_if_stopped()
        if timeout is not None and time.monotonic() - started >= timeout:
            return RunOutcome(counts(study).finished, ran, timed_out=True)
        read_first = time.monotonic() - last_claim >= FRESH_SECONDS
        claim = functools.partial(_claim, study, target, lock, watch, read_first)
        trial, finished = retrying(claim, "claiming a trial")
        last_claim = time.monotonic()
        if trial is None:
            if finished >= target:
                return RunOutcome(finished, ran, timed_out=False)
            time.sleep(WAIT_SECONDS)  # the last slots are running elsewhere; one may yet fail
            continue
        frozen, its_failure = _run(study, trial, objective, lock)
        ran += 1
        # Trials lost to the storage or judged dead while paused say nothing of the space.
        failures_in_a_row = failures_in_a_row + 1 if its_failure else 0
        if on_trial is not None:
            on_trial(frozen)
        if failures_in_a_row >= MAX_CONSECUTIVE_FAILURES:
            raise SearchAborted(
                f"{failures_in_a_row} trials in a row failed (last: "
                f"{frozen.user_attrs.get(schema.FAIL_REASON)}); narrow the space (e.g. lower the "
                "learning-rate range) or check the data"
            )


def _claim(
    study: optuna.Study, target: int, lock: StudyLock, watch: LeaseWatch, read_first: bool = True
) -> tuple[optuna.Trial | None, int]:
    """Take a free slot, if any: the new trial (None when none is free) and the finished count.

    Waiting for the lock lets Ctrl-C through; the work under it is never cut in half, and a
    slot taken when Ctrl-C arrived is given back before the interrupt goes on.
    """
    taken: list[int] = []
    if read_first:
        # Read the study before taking the lock: Optuna's cache then holds every trial finished
        # so far, and the read under the lock fetches only what changed since (a fresh worker's
        # first read of a 10,000-trial study takes seconds, which no other worker should wait
        # for).
        study.get_trials(deepcopy=False)
    try:
        with lock.held(), _interrupts_deferred():
            trial_id, finished = _take_slot(study, target, watch)
            if trial_id is None:
                return None, finished
            taken.append(trial_id)
        return _started(study, trial_id), finished
    except KeyboardInterrupt:
        for trial_id in taken:
            with lock.held(), _interrupts_deferred():
                requeue(study, stored_trial(study, trial_id), counted=False)
                fail_with_reason(study, trial_id, schema.FAIL_REASON, schema.INTERRUPTED)
        raise


def _take_slot(study: optuna.Study, target: int, watch: LeaseWatch) -> tuple[int | None, int]:
    """Under the study's lock: requeue dead trials, then create a RUNNING trial if a slot is free.

    The trial has its owner, its lease and (from a finite sampler) its point before the lock is
    released: one without an owner and lease could never be found dead, and a point chosen after
    could be taken twice. A requeued trial keeps the point it had.
    """
    # One read of the study's unfinished trials and the cached finished ones serves the whole
    # claim; a second only when a dead trial was requeued.
    trials = study.get_trials(deepcopy=False)
    if fail_dead_trials(study, [t for t in trials if t.state == TrialState.RUNNING], watch):
        trials = study.get_trials(deepcopy=False)
    finished, running = count(trials)
    if finished + running >= target:
        return None, finished
    trial_id = pop_waiting_trial(study, [t for t in trials if t.state == TrialState.WAITING])
    if trial_id is not None:
        set_system_attr(study, trial_id, schema.OWNER, owner())
        renew(study, trial_id)
        return trial_id, finished
    attrs: dict[str, object] = {schema.OWNER: owner(), schema.LEASE: fresh_lease()}
    if isinstance(study.sampler, FiniteSampler):
        point = study.sampler.next_point(trials)
        if point is None:
            raise SearchAborted(
                "every remaining grid cell has failed too often; look at the failed "
                "trials' fail_reason (lstm-search show) and adjust the space"
            )
        attrs |= point
    return create_running_trial(study, attrs), finished


def _started(study: optuna.Study, trial_id: int) -> optuna.Trial:
    """The claimed trial handed to the sampler, with the seconds it took to choose."""
    asked = time.perf_counter()
    trial = start_trial(study, trial_id)
    # The objective adds the time of its suggest calls, where Optuna runs relative sampling.
    trial.set_user_attr(schema.SUGGEST_SECONDS, round(time.perf_counter() - asked, 3))
    return trial


def _run(
    study: optuna.Study, trial: optuna.Trial, objective: Objective, lock: StudyLock
) -> tuple[FrozenTrial, bool]:
    """Run one trial and tell the storage how it ended: the trial as stored, and whether its
    configuration failed (TrialFailure); Ctrl-C requeues it and re-raises.

    A trial another worker has already failed as dead (this process was paused or cut off past
    the grace period, and the trial requeued) is left as that worker failed it: its result is
    dropped, and the requeued copy runs again. A storage lost during the trial is waited for,
    then the trial is given back, not counted against its parameters.
    """
    with renewing(study, trial), contextlib.suppress(UpdateFinishedTrialError):
        try:
            value = objective(trial)
        except optuna.TrialPruned:
            return _tell(study, trial, state=TrialState.PRUNED), False
        except TrialFailure as failure:
            return _tell(study, trial, state=TrialState.FAIL, reason=str(failure)), True
        except UpdateFinishedTrialError:
            raise
        except BaseException as error:  # Ctrl-C, SIGTERM or a bug: nothing is lost, re-raise
            if connection_lost(error):
                retrying(
                    lambda: _give_back(study, trial, lock, schema.STORAGE_LOST, counted=False),
                    f"giving back trial {trial.number}",
                )
                return retrying(lambda: stored_trial(study, trial), "reading a trial"), False
            interrupted = isinstance(error, KeyboardInterrupt)
            reason = schema.INTERRUPTED if interrupted else repr(error)
            _give_back(study, trial, lock, reason, counted=not interrupted)
            raise
        return _tell(study, trial, values=value), False
    # Another worker failed the trial as dead while it ran: as stored, not this run's failure.
    return retrying(lambda: stored_trial(study, trial), "reading a trial"), False


def _tell(
    study: optuna.Study,
    trial: optuna.Trial,
    reason: str | None = None,
    *,
    values: float | None = None,
    state: TrialState | None = None,
) -> FrozenTrial:
    """Store how the trial ended (`Study.tell`'s values or state), riding out a lost storage;
    the trial as stored (as another worker left it, if it had failed it already)."""

    def tell() -> FrozenTrial:
        if reason is not None:
            trial.set_user_attr(schema.FAIL_REASON, reason)
        return study.tell(trial, values, state, skip_if_finished=True)

    return retrying(tell, f"storing trial {trial.number}")


def _give_back(
    study: optuna.Study, trial: optuna.Trial, lock: StudyLock, reason: str, counted: bool
) -> None:
    """Requeue the trial's parameters, then fail it with `reason`, under the slot lock.

    In that order a process killed between the two writes leaves a RUNNING trial of a dead
    process, which the next claim fails without queueing it twice; and under the lock no claim
    sees a grid cell free between them.
    """
    with _interrupts_deferred(), lock.held(), contextlib.suppress(UpdateFinishedTrialError):
        stored = stored_trial(study, trial)
        requeue(study, stored, counted=counted)
        if stored.state == TrialState.RUNNING:
            trial.set_user_attr(schema.FAIL_REASON, reason)
            study.tell(trial, state=TrialState.FAIL)


@contextlib.contextmanager
def _interrupts_deferred() -> Iterator[None]:
    """Hold Ctrl-C and SIGTERM until the block ends, so storage updates are never half done."""
    received: list[int] = []
    signals = (signal.SIGINT, signal.SIGTERM)
    try:
        previous = {
            s: signal.signal(s, lambda number, frame: received.append(number)) for s in signals
        }
    except ValueError:  # not the main thread: signals cannot arrive here anyway
        yield
        return
    try:
        yield
    finally:
        for number, handler in previous.items():
            signal.signal(number, handler)
        if received:
            raise KeyboardInterrupt
