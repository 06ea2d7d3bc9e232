"""`lstm-search serve`: Optuna's gRPC proxy with the study locks its workers share."""

import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import optuna
import pytest

from search.cli.main import main
from search.errors import ConfigError
from search.store import proxy
from search.store.backends import study_lock
from search.store.optuna_internals import make_proxy_server
from search.store.proxy import LockTable, open_proxy
from search.store.storage import open_storage
from tests.helpers import free_port
from tests.search.conftest import proxy_on


def test_a_proxy_lock_has_one_holder_at_a_time(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(proxy, "ACQUIRE_SECONDS", 30)
    table = LockTable()
    assert table.acquire("s", "a", wait=0)
    assert not table.acquire("s", "b", wait=0.1)
    assert table.acquire("other study", "b", wait=0)
    table.release("s", "b")  # not its holder: nothing happens
    assert not table.acquire("s", "b", wait=0)
    threading.Timer(0.1, table.release, ("s", "a")).start()
    started = time.monotonic()
    assert table.acquire("s", "b", wait=30)
    # The bound is the point: the release wakes the waiter (0.1 s), which would otherwise sleep
    # to its 30 s deadline; a busy machine gets a wide margin.
    assert time.monotonic() - started < 20


def test_a_proxy_lock_whose_holder_went_silent_lapses(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(proxy, "LOCK_HOLD_SECONDS", 0.2)
    monkeypatch.setattr(proxy, "ACQUIRE_SECONDS", 30)
    table = LockTable()
    started = time.monotonic()
    assert table.acquire("s", "frozen", wait=0)
    assert table.acquire("s", "waiting", wait=30)  # the hold lapsed
    assert time.monotonic() - started >= 0.2  # and not before


def test_workers_of_a_study_share_the_lock_on_the_proxy(tmp_path: Path) -> None:
    with proxy_on(f"sqlite:///{tmp_path / 'studies.db'}") as served:
        url = served.url
        optuna.create_study(study_name="s", storage=open_storage(url))
        first, second = study_lock(url, "s"), study_lock(url, "s")
        order = []

        def hold_briefly() -> None:
            with second.held():
                order.append("second")

        with first.held():
            waiting = threading.Thread(target=hold_briefly)
            waiting.start()
            time.sleep(0.5)
            order.append("first released")
        waiting.join()  # the lock's own wait bounds it
        assert order == ["first released", "second"]
        first.close()
        second.close()


def test_a_plain_optuna_proxy_is_refused_with_the_fix(tmp_path: Path) -> None:
    port = free_port()
    server = make_proxy_server(
        open_storage(f"sqlite:///{tmp_path / 'studies.db'}"), "127.0.0.1", port, None
    )
    server.start()
    try:
        lock = study_lock(f"grpc://127.0.0.1:{port}", "s")
        with (
            pytest.raises(ConfigError, match=r"plain Optuna proxy.*lstm-search serve"),
            lock.held(),
        ):
            pass
    finally:
        server.stop(0)


def test_no_proxy_at_the_address_is_one_line(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(proxy, "REACH_SECONDS", 1)
    with pytest.raises(ConfigError, match=r"no storage proxy answers at 127\.0\.0\.1"):
        open_proxy(f"127.0.0.1:{free_port()}")


@pytest.mark.parametrize("url", ["journal:///studies.log", "grpc://127.0.0.1:13000"])
def test_serve_puts_only_a_database_behind_the_proxy(url: str, capsys) -> None:
    assert main(["serve", "--storage", url]) == 2
    assert "puts a database behind the proxy" in capsys.readouterr().err


def test_serve_keeps_the_password_out_of_ps_and_output(fresh_postgres_url: str) -> None:
    # The throwaway cluster trusts local connections, so any password is accepted.
    secret = "s3cret-pw"
    url = fresh_postgres_url.replace("postgres@", f"postgres:{secret}@", 1)
    env = {k: v for k, v in os.environ.items() if not k.startswith("LSTM_SEARCH_")}
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "search", "serve", "--port", str(port)],
        env={**env, "LSTM_SEARCH_STORAGE": url},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert server.stdout is not None
        first = server.stdout.readline()
        assert first.startswith("serving postgresql+psycopg://postgres:***@"), first
        study = optuna.create_study(
            study_name="pw", storage=open_storage(f"grpc://127.0.0.1:{port}")
        )
        study.optimize(lambda trial: trial.suggest_float("x", 0, 1), n_trials=2)
        assert len(optuna.load_study(study_name="pw", storage=fresh_postgres_url).trials) == 2
        for entry in Path("/proc").iterdir():
            try:
                command = (entry / "cmdline").read_bytes()
            except (OSError, NotADirectoryError):
                continue
            assert secret.encode() not in command
    finally:
        server.terminate()
        out, err = server.communicate(timeout=30)
    assert server.returncode == 0, err
    assert secret not in first + out + err
