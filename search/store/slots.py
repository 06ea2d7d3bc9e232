"""Who holds a trial slot, and freeing the slots of dead processes.

A worker claims a slot under the study's lock (run/runner.py); a trial left RUNNING by a dead
process would hold its slot until its lease expires (store/lease.py). Trials record their owner
(host, pid, process start), so a worker on the same host fails and requeues them at once.
"""

from __future__ import annotations

import os
import socket

import optuna
from optuna.exceptions import UpdateFinishedTrialError
from optuna.trial import FrozenTrial, TrialState

from search.store import schema
from search.store.lease import GRACE_SECONDS, LeaseWatch
from search.store.optuna_internals import fail_with_reason, stored_trial
from search.store.storage import FAILED_TRIAL, requeue

BOOT_ID = "/proc/sys/kernel/random/boot_id"


def owner(pid: int | None = None) -> dict[str, object]:
    """This process (or process `pid` of this host), as recorded on the trials it runs."""
    pid = os.getpid() if pid is None else pid
    return {"host": _pid_space(), "pid": pid, "started": _start_time(pid)}


def _pid_space() -> str:
    """Where this process's pids mean something: on Linux this boot of this kernel and its pid
    namespace, else the hostname.

    Hostnames are cloned (machine images, containers with host networking) and the initial pid
    namespace has the same inode on every Linux host; the boot id is random per boot, so two
    machines never share one, and the namespace tells apart containers of one kernel.
    """
    try:
        with open(BOOT_ID) as boot:
            return f"{boot.read().strip()}/{os.readlink('/proc/self/ns/pid')}"
    except OSError:
        return socket.gethostname()


def fail_dead_trials(
    study: optuna.Study, running: list[FrozenTrial], watch: LeaseWatch
) -> list[int]:
    """Fail and requeue the RUNNING trials among `running` (just read) whose process is gone;
    return their numbers.

    Trials of this host are checked by pid at once; others by their lease, as `watch` has seen
    it. Call it only while holding the study's lock: no other worker can then requeue the same
    trial between the two writes, and one that finished meanwhile is left as it ended.
    """
    silent = f"lease unchanged for over {GRACE_SECONDS} s (its process or machine was lost)"
    expired = {t.number for t in watch.expired(running)}
    failed = []
    for trial in running:
        if trial.state != TrialState.RUNNING:
            continue
        reason = _orphan_reason(trial) or (silent if trial.number in expired else None)
        if reason is None:
            continue
        try:
            fail_with_reason(study, trial, schema.FAIL_REASON, reason)
        except UpdateFinishedTrialError:
            continue  # its worker was alive after all, and finished it
        requeue(study, stored_trial(study, trial))
        failed.append(trial.number)
    return failed


def _orphan_reason(trial: FrozenTrial) -> str | None:
    """Why a RUNNING trial is known lost without waiting for its lease; None if it is not."""
    recorded = trial.system_attrs.get(schema.OWNER)
    if recorded is None:
        # A claim creates its trial with the owner, or pops a requeued one and records the owner
        # before releasing the lock, and this runs under the lock: a requeued trial without one
        # was popped by a process that died while claiming it. Any other trial is not ours
        # (a plain Optuna client's) and is left alone.
        return schema.PROCESS_DIED if FAILED_TRIAL in trial.system_attrs else None
    if recorded.get("host") != _pid_space():
        return None
    pid = int(recorded["pid"])
    if pid == os.getpid():
        # This process claims only between its trials: a trial of its own still RUNNING was
        # left by a claim cut off half-way (the storage lost, its write arrived, and the claim
        # was tried again).
        return schema.STORAGE_LOST
    return schema.PROCESS_DIED if _start_time(pid) != recorded.get("started") else None


def _start_time(pid: int) -> str | None:
    """Start time of a process (clock ticks since boot), None if it does not exist.

    Comparing it, not only the pid, keeps a recycled pid from passing for the dead worker.
    """
    if not os.path.isdir("/proc/self"):
        return _alive_marker(pid)
    try:
        with open(f"/proc/{pid}/stat") as stat:
            # Field 22; the command name (field 2) may hold spaces, so split after its ')'.
            return stat.read().rsplit(")", 1)[1].split()[19]
    except FileNotFoundError:
        return None


def _alive_marker(pid: int) -> str | None:
    """Without /proc (macOS): whether the pid exists, the best evidence there is."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return None
    except PermissionError:
        pass
    return "alive"
