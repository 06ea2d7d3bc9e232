"""Several worker processes on this machine sharing one study; the parent watches and reports.

Workers are real `lstm-search` processes (`python -m search.run.worker`, options on stdin): each
claims slots through the storage like any other worker, here or on another machine, so the
parent only starts them, shows the study's progress and passes a stop on. They are started
before the search is planned, so that their start-up (Python, torch: seconds) overlaps the
parent's reading of the data and the study; each then waits for its options.
"""

from __future__ import annotations

import contextlib
import ctypes
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import replace

import optuna
from optuna.trial import FrozenTrial, TrialState

from search.errors import SearchAborted
from search.run.options import SearchOptions
from search.store import counts, owner, schema

POLL_SECONDS = 1.0
ENDED = (TrialState.COMPLETE, TrialState.PRUNED, TrialState.FAIL)


WorkerExit = Callable[[int, int, int | None], None]
"""Called with (pid, exit code, the number of the trial it left unfinished or None) when a
worker process fails; the others go on."""


class WorkerPool:
    """Worker processes started ahead of their options: each imports what training needs, then
    waits for the options on stdin; one never given any exits quietly."""

    def __init__(self, count: int) -> None:
        self.processes = [_spawn() for _ in range(count)]

    def start(self, options: SearchOptions) -> None:
        """Hand every waiting worker the search's options."""
        payload = replace(options, workers=1, quiet=True).to_json()
        for process in self.processes:
            assert process.stdin is not None
            process.stdin.write(payload)
            process.stdin.close()

    def close(self) -> None:
        """Let workers that were never started exit, and wait for every worker."""
        for process in self.processes:
            assert process.stdin is not None
            if not process.stdin.closed:
                with contextlib.suppress(BrokenPipeError):
                    process.stdin.close()
        for process in self.processes:
            process.wait()


@contextlib.contextmanager
def prestarted(workers: int) -> Iterator[WorkerPool]:
    """The worker processes of a `--workers N` search (none for 1), started now; those not
    started by the end of the block exit."""
    pool = WorkerPool(workers if workers > 1 else 0)
    try:
        yield pool
    finally:
        pool.close()


def run_workers(
    pool: WorkerPool,
    options: SearchOptions,
    target: int,
    study: optuna.Study,
    on_trial: Callable[[FrozenTrial], None] | None,
    on_worker_exit: WorkerExit | None,
) -> None:
    """Start the pool's workers on the search and report trials until all have exited; a
    search whose every worker failed before the study had its `target` is aborted."""
    pool.start(options)
    processes = pool.processes
    seen = {t.number for t in study.get_trials(deepcopy=False, states=ENDED)}
    reported: set[int] = set()
    try:
        while True:
            running = [p for p in processes if p.poll() is None]
            for trial in study.get_trials(deepcopy=False, states=ENDED):
                if trial.number not in seen:
                    seen.add(trial.number)
                    if on_trial is not None:
                        on_trial(trial)
            for process in processes:
                if process.returncode not in (None, 0) and process.pid not in reported:
                    reported.add(process.pid)
                    if on_worker_exit is not None:
                        left = _left_unfinished(study, process.pid)
                        on_worker_exit(process.pid, process.returncode, left)
            if not running:
                break
            time.sleep(POLL_SECONDS)
    except KeyboardInterrupt:
        _stop(processes)
        raise
    if len(reported) == len(processes) and counts(study).finished < target:
        raise SearchAborted(
            "every worker process failed (see the messages above); fix the cause and "
            "run the same command again to resume"
        )


def _left_unfinished(study: optuna.Study, pid: int) -> int | None:
    """The number of the trial worker `pid` of this host was running when it exited: its last
    trial, if that is still RUNNING (the next claim requeues it) or was given back (failed and
    requeued); None when it held none (it was waiting for a claim, or between trials)."""
    host = owner()["host"]
    trials = study.get_trials(deepcopy=False)
    mine = [
        t
        for t in trials
        if isinstance(who := t.system_attrs.get(schema.OWNER), dict)
        and who.get("host") == host
        and who.get("pid") == pid
    ]
    if not mine:
        return None
    last = max(mine, key=lambda t: t.number)
    requeued = {t.system_attrs.get(schema.REQUEUED_FROM) for t in trials}
    if last.state == TrialState.RUNNING or last.number in requeued:
        return last.number
    return None


def _spawn() -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "search.run.worker"],
        stdin=subprocess.PIPE,
        text=True,
        preexec_fn=_prepare_worker,
    )


def _stop(processes: list[subprocess.Popen[str]]) -> None:
    """Ask every worker to stop like Ctrl-C (each requeues its trial), then wait for them."""
    for process in processes:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
    for process in processes:
        process.wait()


def _prepare_worker() -> None:
    """In the worker before it runs Python: Ctrl-C in the terminal reaches the worker too, but
    until it has its options (and sets its own handler) the parent alone decides what a stop
    means; and on Linux it gets SIGTERM when the parent dies, so none is left behind unseen."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    if sys.platform.startswith("linux"):
        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
