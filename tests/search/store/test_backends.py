"""The study's lock and sessions: bounded waits, Ctrl-C through, one lock per database."""

import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import optuna
import pytest

from search.cli.main import main
from search.errors import ConfigError, SearchAborted
from search.run.runner import run_trials
from search.store import locks
from search.store.backends import backend, study_lock
from search.store.locks import AdvisoryLock, FileLock
from search.store.storage import open_storage


@contextmanager
def flock_held_elsewhere(database: Path) -> Iterator[subprocess.Popen[str]]:
    """Another process holds the study's flock (a frozen worker) until the block ends."""
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import fcntl, os, sys, time; f = open(sys.argv[1], 'a'); "
            "fcntl.flock(f, fcntl.LOCK_EX); f.write(str(os.getpid())); f.flush(); "
            "print('held', flush=True); time.sleep(60)",
            f"{database}.lock",
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline() == "held\n"
        yield holder
    finally:
        holder.kill()
        holder.wait()


def value(trial: optuna.Trial) -> float:
    return trial.suggest_float("x", 0, 1)


def test_one_database_reached_through_a_symlink_has_one_lock_and_one_artifact_folder(
    tmp_path: Path,
) -> None:
    (tmp_path / "real").mkdir()
    database = tmp_path / "real" / "studies.db"
    open_storage(f"sqlite:///{database}")
    (tmp_path / "link.db").symlink_to(database)
    direct, linked = f"sqlite:///{database}", f"sqlite:///{tmp_path / 'link.db'}"
    assert FileLock(str(database))._path == FileLock(str(tmp_path / "link.db"))._path
    assert backend(direct).artifact_dir(direct) == backend(linked).artifact_dir(linked)


@pytest.mark.parametrize("command", [["studies"], ["--trials", "1"]])
def test_a_database_with_a_second_hard_link_is_refused_in_one_line_and_left_untouched(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], command: list[str]
) -> None:
    database = tmp_path / "studies.db"
    storage = open_storage(f"sqlite:///{database}")
    optuna.create_study(storage=storage, study_name="s")
    assert isinstance(storage, optuna.storages.RDBStorage)
    storage.engine.dispose()  # its last connection's checkpoint now, not during the commands
    os.link(database, tmp_path / "hard.db")
    before, files = database.read_bytes(), sorted(tmp_path.iterdir())
    for name in ("studies.db", "hard.db"):
        assert main([*command, "--storage", f"sqlite:///{tmp_path / name}"]) == 2
        err = capsys.readouterr().err
        assert err.count("\n") == 1 and "has 2 hard links" in err, err
    assert database.read_bytes() == before
    assert sorted(tmp_path.iterdir()) == files  # no lock, WAL or artifact folder of hard.db


def test_a_worker_behind_a_frozen_flock_holder_waits_says_so_and_claims_once_it_lets_go(
    storage_url: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    monkeypatch.setenv(locks.LOCK_NOTICE_ENV, "0.2")
    study = optuna.create_study(storage=open_storage(storage_url), study_name="s")

    def notices() -> list[str]:
        return [
            r.getMessage()
            for r in caplog.records
            if "is waiting for the study's lock" in r.getMessage()
        ]

    with flock_held_elsewhere(tmp_path / "studies.db") as holder:

        def let_go_after_two_notices() -> None:
            deadline = time.monotonic() + 60  # failure bound only: the holder lets go anyway
            while len(notices()) < 2 and time.monotonic() < deadline:
                time.sleep(0.05)
            holder.kill()

        threading.Thread(target=let_go_after_two_notices, daemon=True).start()
        outcome = run_trials(study, value, 3, study_lock(storage_url, "s"))
    assert outcome.finished == 3
    said = notices()
    assert len(said) >= 2
    assert f"held by pid {holder.pid} " in said[0]
    assert f"kill -CONT {holder.pid}" in said[0]


def test_a_bad_lock_notice_setting_is_refused_in_one_line(
    storage_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(locks.LOCK_NOTICE_ENV, "soon")
    with pytest.raises(ConfigError, match=f"{locks.LOCK_NOTICE_ENV} must be a positive number"):
        study_lock(storage_url, "s")


def test_ctrl_c_while_waiting_for_the_lock_goes_through_and_claims_nothing(
    storage_url: str, tmp_path: Path
) -> None:
    study = optuna.create_study(storage=open_storage(storage_url), study_name="s")
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        with flock_held_elsewhere(tmp_path / "studies.db"):
            threading.Timer(0.5, os.kill, (os.getpid(), signal.SIGINT)).start()
            started = time.monotonic()
            with pytest.raises(KeyboardInterrupt):
                run_trials(study, value, 3, study_lock(storage_url, "s"))
            # The bound is the point: Ctrl-C ends the wait at once, not when the lock's 120 s
            # wait or the holder's 60 s end; a busy machine gets a wide margin below both.
            assert time.monotonic() - started < 30
    finally:
        signal.signal(signal.SIGINT, previous)
    assert study.trials == []


def test_postgres_ends_the_session_of_a_frozen_lock_holder(
    fresh_postgres_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(locks, "LOCK_HOLD_SECONDS", 1)
    frozen, waiting = AdvisoryLock(fresh_postgres_url, "s"), AdvisoryLock(fresh_postgres_url, "s")
    with frozen.held():
        time.sleep(3)  # frozen inside a claim: its session sits idle holding the lock
        # Taken while `frozen` still holds it: only the server ending frozen's session allows that
        # (else the wait ends in SearchAborted).
        with waiting.held():
            pass


def test_postgres_lock_wait_is_bounded(
    fresh_postgres_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(locks, "LOCK_WAIT_SECONDS", 1)
    holder, waiting = AdvisoryLock(fresh_postgres_url, "s"), AdvisoryLock(fresh_postgres_url, "s")
    with holder.held(), pytest.raises(SearchAborted, match="waited 1 s"), waiting.held():
        pass
