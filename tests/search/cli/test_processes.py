"""Real processes: the CLI as a subprocess, interrupted and killed mid-trial, and readers we did
not write (the optuna CLI, optuna-dashboard's server) on the database it made."""

import json
import os
import shutil
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import optuna
import pytest
from optuna.trial import TrialState

from tests.helpers import free_port
from tests.search.conftest import installed_script

N = 4
STUDY = "load-random"
"""The shared finished search's study (tests/search/conftest.py `searched`)."""
# Trials of a few seconds on the bundled data, so a signal lands inside one.
SLOW = [
    "--space",
    "small",
    "--strategy",
    "random",
    "--trials",
    str(N),
    "--epochs",
    "25",
    "--patience",
    "25",
    "--quiet",
    "--workers",
    "1",
]


def cli(url: str, *args: str) -> list[str]:
    return [sys.executable, "-m", "search", "--storage", url, *args]


def trials(url: str) -> list[optuna.trial.FrozenTrial]:
    return optuna.load_study(study_name="co2-random", storage=url).trials


def wait_for_running_trial(url: str, process: subprocess.Popen, after_finished: int) -> None:
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        assert process.poll() is None, process.communicate()
        try:
            states = [t.state for t in trials(url)]
        except KeyError:  # study not created yet
            states = []
        done = sum(s in (TrialState.COMPLETE, TrialState.PRUNED) for s in states)
        if done >= after_finished and TrialState.RUNNING in states:
            time.sleep(0.5)  # inside the trial's training, not its claim
            return
        time.sleep(0.1)
    pytest.fail("no trial started in time")


def assert_exactly_n_and_nothing_lost(url: str, completed_before: list) -> None:
    final = trials(url)
    finished = [t for t in final if t.state in (TrialState.COMPLETE, TrialState.PRUNED)]
    assert len(finished) == N
    assert not [t for t in final if t.state == TrialState.RUNNING]
    for before in completed_before:  # every trial finished before the stop is still there
        assert final[before.number].state == before.state
        assert final[before.number].value == before.value


@pytest.mark.slow
@pytest.mark.parametrize("stop", [signal.SIGINT, signal.SIGKILL], ids=["ctrl-c", "sigkill"])
def test_stopped_mid_trial_then_rerun_ends_with_exactly_n(storage_url: str, stop: int) -> None:
    process = subprocess.Popen(
        cli(storage_url, *SLOW), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    wait_for_running_trial(storage_url, process, after_finished=1)
    completed_before = [t for t in trials(storage_url) if t.state.is_finished()]
    process.send_signal(stop)
    _, err = process.communicate(timeout=60)
    if stop == signal.SIGINT:
        assert process.returncode == 130
        assert "run the same command again to resume" in err.lower()
        interrupted = [t for t in trials(storage_url) if t.state == TrialState.FAIL]
        assert [t.user_attrs["fail_reason"] for t in interrupted] == ["interrupted"]
    else:
        assert process.returncode == -signal.SIGKILL
        assert TrialState.RUNNING in [t.state for t in trials(storage_url)]
    rerun = subprocess.run(cli(storage_url, *SLOW), capture_output=True, text=True, timeout=300)
    assert rerun.returncode == 0, rerun.stderr
    assert_exactly_n_and_nothing_lost(storage_url, completed_before)


@pytest.fixture
def finished_study(searched: tuple[Path, str]) -> str:
    """The session's finished search (study load-random), read only."""
    return searched[1]


def optuna_cli(*args: str) -> object:
    executable = shutil.which("optuna", path=os.path.dirname(sys.executable)) or "optuna"
    result = subprocess.run(
        [executable, *args, "--format", "json"],
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    return json.loads(result.stdout)


def test_optuna_cli_reads_our_database(finished_study: str) -> None:
    ours = optuna.load_study(study_name=STUDY, storage=finished_study)
    studies = optuna_cli("studies", "--storage", finished_study)
    assert [s["name"] for s in studies] == [STUDY]
    assert studies[0]["n_trials"] == len(ours.trials)
    rows = optuna_cli("trials", "--study-name", STUDY, "--storage", finished_study)
    assert [r["state"] for r in rows] == [t.state.name for t in ours.trials]
    assert {r["state"] for r in rows} <= {"COMPLETE", "PRUNED"}
    best = optuna_cli("best-trial", "--study-name", STUDY, "--storage", finished_study)
    expected = ours.best_trial
    # The study names its objective, so Optuna's CLI shows it under that name.
    assert best["number"] == expected.number
    assert best["value"] == {"val_loss": pytest.approx(expected.value)}


def test_optuna_dashboard_serves_our_study(finished_study: str) -> None:
    executable = installed_script("optuna-dashboard")
    port = free_port()
    server = subprocess.Popen(
        [executable, finished_study, "--host", "127.0.0.1", "--port", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/studies") as reply:
                    studies = json.load(reply)["study_summaries"]
                break
            except OSError:
                assert server.poll() is None, server.communicate()[1]
                assert time.monotonic() < deadline, "dashboard did not answer in 60 s"
                time.sleep(0.3)
        (summary,) = studies
        assert summary["study_name"] == STUDY
        url = f"http://127.0.0.1:{port}/api/studies/{summary['study_id']}?after=0"
        with urllib.request.urlopen(url) as reply:
            detail = json.load(reply)
        ours = optuna.load_study(study_name=STUDY, storage=finished_study)
        assert len(detail["trials"]) == len(ours.trials)
        assert all(t["intermediate_values"] for t in detail["trials"])  # learning curves
    finally:
        server.terminate()
        server.wait(timeout=10)
