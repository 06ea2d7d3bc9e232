"""Several worker processes on this machine sharing one study; the parent watches and reports.

Workers are real `lstm-search` processes (`python -m search.run.worker`, options on stdin): each
claims slots through the storage like any other worker, here or on another machine, so the
parent only starts them, shows the study's progress and passes a stop on.
"""

from __future__ import annotations

import ctypes
import json
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import asdict, replace

import optuna
from optuna.trial import FrozenTrial, TrialState

from search.errors import SearchAborted
from search.run.options import SearchOptions
from search.store.trials import counts

POLL_SECONDS = 1.0
ENDED = (TrialState.COMPLETE, TrialState.PRUNED, TrialState.FAIL)


WorkerExit = Callable[[int, int], None]
"""Called with (pid, exit code) when a worker process fails; the others go on."""


def run_workers(
    options: SearchOptions,
    study: optuna.Study,
    on_trial: Callable[[FrozenTrial], None] | None,
    on_worker_exit: WorkerExit | None,
) -> None:
    """Start `options.workers` worker processes and report trials until all have exited."""
    payload = json.dumps(asdict(replace(options, workers=1, quiet=True)))
    processes = [_start(payload) for _ in range(options.workers)]
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
                        on_worker_exit(process.pid, process.returncode)
            if not running:
                break
            time.sleep(POLL_SECONDS)
    except KeyboardInterrupt:
        _stop(processes)
        raise
    if len(reported) == len(processes) and counts(study).finished < options.trials:
        raise SearchAborted(
            "every worker process failed (see the messages above); fix the cause and "
            "run the same command again to resume"
        )


def _start(payload: str) -> subprocess.Popen:
    process = subprocess.Popen(
        [sys.executable, "-m", "search.run.worker"],
        stdin=subprocess.PIPE,
        text=True,
        preexec_fn=_die_with_parent,
    )
    assert process.stdin is not None
    process.stdin.write(payload)
    process.stdin.close()
    return process


def _stop(processes: list[subprocess.Popen]) -> None:
    """Ask every worker to stop like Ctrl-C (each requeues its trial), then wait for them."""
    for process in processes:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
    for process in processes:
        process.wait()


def _die_with_parent() -> None:
    """On Linux, a worker gets SIGTERM when the parent dies, so none is left behind unseen."""
    if sys.platform.startswith("linux"):
        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
