"""Leases: renewed while a trial runs, judged by the watcher's own clock."""

import threading
import time

import optuna
import pytest

from search.store import lease, schema
from search.store.lease import LeaseWatch, renew, renewing
from search.store.storage import open_storage


@pytest.fixture
def running(storage_url: str, monkeypatch: pytest.MonkeyPatch) -> tuple[optuna.Study, optuna.Trial]:
    """A study with one running trial, its lease renewed every 50 ms."""
    monkeypatch.setattr(lease, "HEARTBEAT_SECONDS", 0.05)
    study = optuna.create_study(storage=open_storage(storage_url), study_name="s")
    trial = study.ask()
    renew(study, trial)
    return study, trial


def test_a_running_trial_renews_its_lease_until_it_ends(
    running: tuple[optuna.Study, optuna.Trial],
) -> None:
    study, trial = running
    seen = set()
    deadline = time.monotonic() + 60  # against a hang only: renewals come every 50 ms
    with renewing(study, trial):
        while len(seen) < 3:
            assert time.monotonic() < deadline, f"the lease took {len(seen)} values in 60 s"
            seen.add(study.trials[0].system_attrs[schema.LEASE])
            time.sleep(0.05)
    ended = study.trials[0].system_attrs[schema.LEASE]
    time.sleep(0.2)
    assert study.trials[0].system_attrs[schema.LEASE] == ended


def test_a_watcher_forgets_trials_no_longer_running(storage_url: str) -> None:
    study = optuna.create_study(storage=open_storage(storage_url), study_name="s")
    trial = study.ask()
    renew(study, trial)
    now = [0.0]
    watch = LeaseWatch(lambda: now[0])
    assert watch.expired(study.trials) == []
    study.tell(trial, 1.0)
    assert watch.expired([]) == []
    now[0] += 10 * lease.GRACE_SECONDS
    second = study.ask()
    renew(study, second)
    assert watch.expired([study.trials[1]]) == []  # first seen now, however long ago the other


def test_renewing_stops_quietly_once_another_worker_failed_the_trial(
    running: tuple[optuna.Study, optuna.Trial], monkeypatch: pytest.MonkeyPatch
) -> None:
    study, trial = running
    errors = []
    monkeypatch.setattr(threading, "excepthook", errors.append)
    with renewing(study, trial):
        time.sleep(0.1)
        study.tell(trial, state=optuna.trial.TrialState.FAIL)  # judged lost meanwhile
        time.sleep(0.2)
    assert errors == []
