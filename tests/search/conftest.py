"""Small real fixtures for the search tests: a 200-row seasonal CSV and a SQLite URL."""

import functools
import glob
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from search.store.artifacts import artifact_location
from tests.helpers import free_port, skip_or_fail


def write_series_csv(path: Path) -> Path:
    """200 daily rows: trend, a weekly season and noise, with two gaps."""
    t = np.arange(200)
    noise = np.random.default_rng(0).normal(0, 0.3, 200)
    values = 50 + 0.2 * t + 3 * np.sin(2 * np.pi * t / 7) + noise
    days = np.datetime64("2024-01-01") + t
    lines = ["day,load"] + [
        f"{day},{'' if i in (40, 41) else f'{v:.3f}'}"
        for i, (day, v) in enumerate(zip(days, values, strict=True))
    ]
    path.write_text("\n".join(lines) + "\n")
    return path


# Three series of different lengths, start dates and sizes: "big" from January, "small" from
# March (a hundredth of its size), "late" from June, its rows shuffled in the file.
LENGTHS = {"big": 300, "small": 240, "late": 150}
STARTS = {"big": "2024-01-01", "small": "2024-03-01", "late": "2024-06-01"}
SIZES = {"big": 100.0, "small": 1.0, "late": 10.0}


def panel_frame(seed: int = 0) -> pd.DataFrame:
    """A panel in long format (id, day, y) of the three series above, one after the other."""
    rng = np.random.default_rng(seed)
    frames = []
    for name, length in LENGTHS.items():
        t = np.arange(length)
        level = SIZES[name] * (
            50 + np.sin(2 * np.pi * t / 7) + np.cumsum(rng.normal(0, 0.3, length))
        )
        time = pd.date_range(STARTS[name], periods=length, freq="D")
        frames.append(pd.DataFrame({"id": name, "day": time.strftime("%Y-%m-%d"), "y": level}))
    return pd.concat(frames, ignore_index=True)


@pytest.fixture
def series_csv(tmp_path: Path) -> Path:
    """200 daily rows: trend, a weekly season and noise, with two gaps."""
    return write_series_csv(tmp_path / "load.csv")


@pytest.fixture
def storage_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'studies.db'}"


def artifact_dir(url: str) -> Path:
    """The artifact directory of the storage at `url` (no S3 location set)."""
    return Path(artifact_location(url))


def _postgres_bin() -> Path | None:
    found = shutil.which("initdb")
    if found:
        return Path(found).parent
    versions = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    return Path(versions[-1]).parent if versions else None


@dataclass(frozen=True)
class PostgresCluster:
    """A throwaway local PostgreSQL server that a test may restart."""

    url: str
    pg_ctl: list[str]
    log: Path
    options: str

    def stop(self) -> None:
        """Stop the server (fast: every session cut); `start` brings it back."""
        subprocess.run(
            [*self.pg_ctl, "-m", "fast", "-w", "stop"], check=True, timeout=120, capture_output=True
        )

    def start(self) -> None:
        """Start the stopped server again on the same port."""
        subprocess.run(
            [*self.pg_ctl, "-o", self.options, "-l", str(self.log), "-w", "start"],
            check=True,
            timeout=120,
            capture_output=True,
        )

    def restart(self) -> None:
        """Stop the server (fast: every session cut) and start it again on the same port."""
        subprocess.run(
            [*self.pg_ctl, "-l", str(self.log), "-m", "fast", "-w", "restart"],
            check=True,
            timeout=120,
            capture_output=True,
        )


@pytest.fixture(scope="session")
def postgres_cluster() -> Iterator[PostgresCluster]:
    """A throwaway PostgreSQL cluster on a free local port, removed afterwards."""
    bin_dir = _postgres_bin()
    if bin_dir is None:
        skip_or_fail("PostgreSQL binaries (initdb, pg_ctl) not found; apt-get install postgresql")
    # initdb refuses to run as root; CI runs as root, so the cluster belongs to `postgres`.
    as_user = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
    data = Path(tempfile.mkdtemp(prefix="lstm-search-pg-"))
    if as_user:
        shutil.chown(data, "postgres")
    port = free_port()
    run = functools.partial(subprocess.run, check=True, capture_output=True, timeout=120)
    run(
        [
            *as_user,
            str(bin_dir / "initdb"),
            "-D",
            str(data / "db"),
            "-U",
            "postgres",
            "--auth=trust",
        ]
    )
    options = f"-p {port} -k {data} -c listen_addresses=127.0.0.1 -c max_connections=200"
    pg_ctl = [*as_user, str(bin_dir / "pg_ctl"), "-D", str(data / "db")]
    run([*pg_ctl, "-o", options, "-l", str(data / "log"), "-w", "start"])
    try:
        url = f"postgresql+psycopg://postgres@127.0.0.1:{port}/postgres"
        yield PostgresCluster(url, pg_ctl, data / "log", options)
    finally:
        subprocess.run([*pg_ctl, "-m", "immediate", "stop"], capture_output=True, timeout=60)
        shutil.rmtree(data, ignore_errors=True)


@pytest.fixture(scope="session")
def postgres_url(postgres_cluster: PostgresCluster) -> str:
    """The URL of the test cluster."""
    return postgres_cluster.url


@pytest.fixture
def fresh_postgres_url(postgres_url: str) -> str:
    """The test cluster, with every study of earlier tests deleted."""
    import optuna

    for name in optuna.get_all_study_names(postgres_url):
        optuna.delete_study(study_name=name, storage=postgres_url)
    return postgres_url


class Proxy:
    """`lstm-search serve` in front of `storage` (given through the environment, as the README
    says) on a free port, which a test may restart."""

    def __init__(self, storage: str) -> None:
        self.port = free_port()
        self.url = f"grpc://127.0.0.1:{self.port}"
        self._env = {**os.environ, "LSTM_SEARCH_STORAGE": storage}
        self._process = self._start()

    def _start(self) -> subprocess.Popen[str]:
        process = subprocess.Popen(
            [sys.executable, "-m", "search", "serve", "--port", str(self.port)],
            env=self._env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        assert process.stdout is not None and process.stderr is not None
        first = process.stdout.readline()
        assert first.startswith("serving "), process.stderr.read()
        return process

    def stop(self) -> None:
        """Stop the proxy as Ctrl-C or SIGTERM would."""
        self._process.terminate()
        self._process.wait(timeout=30)

    def restart(self) -> None:
        """Stop the proxy and start it again on the same port: its locks are forgotten."""
        self.stop()
        self._process = self._start()


@contextmanager
def proxy_on(storage: str) -> Iterator[Proxy]:
    """`lstm-search serve` in front of `storage`, stopped afterwards."""
    proxy = Proxy(storage)
    try:
        yield proxy
    finally:
        proxy.stop()


@pytest.fixture
def proxy_url(fresh_postgres_url: str) -> Iterator[str]:
    """`lstm-search serve` in front of the test PostgreSQL cluster, every earlier study gone."""
    with proxy_on(fresh_postgres_url) as proxy:
        yield proxy.url


def installed_script(name: str) -> str:
    """The path of a console script installed beside this Python (optuna, optuna-dashboard)."""
    found = shutil.which(name, path=os.path.dirname(sys.executable)) or shutil.which(name)
    assert found, f"{name} is installed with the project's dependencies; reinstall them"
    return found


SEARCHED = [
    "--space", "small", "--epochs", "3", "--patience", "2", "--seq-len", "14",
    "--horizon", "3", "--strategy", "random", "--trials", "4", "--quiet", "--workers", "1",
    "--refit",
]  # fmt: skip


@pytest.fixture(scope="session")
def searched(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """One real finished search (study `load-random`, horizon 3) for read-back tests: CSV, URL.

    Shared across test modules; tests may read it and add attributes, never trials.
    """
    from search.cli.main import main

    root = tmp_path_factory.mktemp("searched")
    csv = write_series_csv(root / "load.csv")
    url = f"sqlite:///{root / 'studies.db'}"
    assert main(["--data", str(csv), "--storage", url, *SEARCHED]) == 0
    return csv, url


def writable_copy(searched: tuple[Path, str], tmp_path: Path) -> str:
    """A copy of the shared searched storage that a test may write to."""
    _, url = searched
    copy = tmp_path / "studies.db"
    # SQLite's backup API: the shared storage is in WAL mode, so its file alone is not the database.
    with sqlite3.connect(url.removeprefix("sqlite:///")) as source, sqlite3.connect(copy) as target:
        source.backup(target)
    shutil.copytree(artifact_dir(url), artifact_dir(f"sqlite:///{copy}"))
    return f"sqlite:///{copy}"
