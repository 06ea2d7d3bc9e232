"""`lstm-search dashboard`: refusals through main([...]); the real dashboard in a real browser."""

import contextlib
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import optuna
import pytest

from search.cli.main import main
from tests.helpers import free_port, skip_or_fail

BROWSERS = ("chromium", "chromium-browser", "google-chrome")
STARTUP_SECONDS = 60


@pytest.fixture
def study_url(storage_url: str) -> str:
    """A SQLite storage holding study co2-bayes with three complete trials."""
    study = optuna.create_study(storage=storage_url, study_name="co2-bayes")
    study.optimize(lambda trial: trial.suggest_float("x", 0, 1), n_trials=3)
    return storage_url


@pytest.fixture
def chromium() -> str:
    """The system Chromium and the Playwright package that drives it."""
    found = next(filter(None, map(shutil.which, BROWSERS)), None)
    reason = None
    if found is None:
        reason = "no Chromium found (chromium, chromium-browser); apt-get install chromium"
    else:
        try:
            import playwright.sync_api  # noqa: F401 - only whether it imports
        except ImportError:
            reason = "playwright is not installed; pip install -e '.[test]'"
    if reason:
        skip_or_fail(reason)
    return found


@contextlib.contextmanager
def dashboard_on(
    url: str, tmp_path: Path, env: dict[str, str] | None = None
) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    """`python -m search dashboard` on `url`, answering on a free port; stopped afterwards."""
    port = free_port()
    env = env or {k: v for k, v in os.environ.items() if not k.startswith("LSTM_SEARCH_")}
    out, err = tmp_path / "dashboard.out", tmp_path / "dashboard.err"
    with out.open("wb") as stdout, err.open("wb") as stderr:
        # Files, not pipes: the server logs every request, and a full pipe would stall it.
        storage = ["--storage", url] if url else []
        command = ["dashboard", *storage, "--port", str(port)]
        process = subprocess.Popen(
            [sys.executable, "-m", "search", *command],
            stdout=stdout,
            stderr=stderr,
            env=env,
            cwd=tmp_path,
            start_new_session=True,
        )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + STARTUP_SECONDS
        while True:
            if process.poll() is not None:
                pytest.fail(f"dashboard exited {process.returncode}: {err.read_text()}")
            try:
                with urllib.request.urlopen(f"{base}/api/studies", timeout=5) as response:
                    response.read()
                break
            except (urllib.error.URLError, ConnectionError):
                if time.monotonic() > deadline:
                    pytest.fail(
                        f"dashboard not answering after {STARTUP_SECONDS}s: {err.read_text()}"
                    )
                time.sleep(0.2)
        assert out.read_text().splitlines()[0] == (
            f"dashboard: http://127.0.0.1:{port}/dashboard (Ctrl-C to stop)"
        )
        yield base, process
    finally:
        if process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()


@pytest.fixture
def served(study_url: str, tmp_path: Path) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    """The dashboard on a SQLite storage holding study co2-bayes with three complete trials."""
    with dashboard_on(study_url, tmp_path) as (base, process):
        with urllib.request.urlopen(f"{base}/api/studies", timeout=5) as response:
            assert b"co2-bayes" in response.read()
        yield base, process


def command_lines() -> list[str]:
    """Every process's command line on this machine, as `ps` shows them."""
    lines = []
    for entry in Path("/proc").iterdir():
        try:
            lines.append((entry / "cmdline").read_bytes().replace(b"\0", b" ").decode())
        except (OSError, NotADirectoryError):
            continue
    return lines


@pytest.mark.slow
@pytest.mark.parametrize("via", ["option", "environment"])
def test_a_storage_password_never_shows_in_ps_or_output(
    fresh_postgres_url: str, tmp_path: Path, via: str
) -> None:
    # The throwaway cluster trusts local connections, so any password is accepted.
    secret = "s3cret-pw"
    url = fresh_postgres_url.replace("postgres@", f"postgres:{secret}@", 1)
    optuna.create_study(storage=url, study_name="pw").optimize(
        lambda trial: trial.suggest_float("x", 0, 1), n_trials=1
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("LSTM_SEARCH_")}
    env["LSTM_SEARCH_ARTIFACTS"] = str(tmp_path / "artifacts")
    if via == "environment":
        env["LSTM_SEARCH_STORAGE"] = url
    with dashboard_on(url if via == "option" else "", tmp_path, env) as (base, _):
        with urllib.request.urlopen(f"{base}/api/studies", timeout=5) as response:
            assert b"pw" in response.read()
        shown = [line for line in command_lines() if secret in line]
        # The test's own command line holds the URL when passed as an option; nothing else may.
        assert [line for line in shown if "search dashboard" not in line] == []
        if via == "environment":
            assert shown == []
    for name in ("dashboard.out", "dashboard.err"):
        assert secret not in (tmp_path / name).read_text()


def test_dashboard_shows_the_study_and_its_trials_in_a_browser(
    chromium: str, served: tuple[str, subprocess.Popen[bytes]], tmp_path: Path
) -> None:
    from playwright.sync_api import expect, sync_playwright

    base, process = served
    assert (tmp_path / "studies-artifacts").is_dir()
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch_persistent_context(
            str(tmp_path / "profile"),
            executable_path=chromium,
            headless=True,
            args=["--no-sandbox", "--disable-gpu"],
        )
        try:
            page = browser.new_page()
            page.set_default_timeout(STARTUP_SECONDS * 1000)
            page.goto(f"{base}/dashboard")
            # optuna-dashboard 0.21's study list shows a card per study: "1. co2-bayes" and its
            # direction, no trial count; the count is on the study's "Trials (List)" page.
            card = page.get_by_role("link", name=re.compile(r"\bco2-bayes\b"))
            expect(card).to_contain_text("Direction: MINIMIZE")
            card.click()
            page.get_by_role("link", name="Trials (List)").click()
            expect(page.get_by_text("3 Trials", exact=True)).to_be_visible()
            trials = page.get_by_text(re.compile(r"^Trial \d+$"))
            expect(trials).to_have_text(["Trial 0", "Trial 1", "Trial 2"])
            page.screenshot(path=str(tmp_path / "dashboard.png"), full_page=True)
        finally:
            browser.close()
    png = (tmp_path / "dashboard.png").read_bytes()
    assert png.startswith(b"\x89PNG\r\n\x1a\n") and len(png) > 1000
    # Ctrl-C in a terminal signals the whole process group: the command stops the server, frees
    # the port and exits 0, and the server prints no KeyboardInterrupt traceback.
    os.killpg(process.pid, signal.SIGINT)
    assert process.wait(timeout=30) == 0
    assert "Traceback" not in (tmp_path / "dashboard.err").read_text()
    with socket.socket() as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        probe.bind(("127.0.0.1", int(base.rsplit(":", 1)[1])))


def test_dashboard_refuses_a_missing_sqlite_file(
    tmp_path: Path, capsys: pytest.CaptureFixture
) -> None:
    missing = tmp_path / "missing.db"
    code = main(["dashboard", "--storage", f"sqlite:///{missing}", "--port", str(free_port())])
    assert code == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "no storage at" in err and "--storage" in err
    assert not missing.exists() and not (tmp_path / "missing-artifacts").exists()


def test_dashboard_refuses_a_busy_port(study_url: str, capsys: pytest.CaptureFixture) -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        code = main(["dashboard", "--storage", study_url, "--port", str(port)])
    assert code == 2
    err = capsys.readouterr().err
    assert err == f"lstm-search: error: port {port} on 127.0.0.1 is in use; pass --port N\n"
