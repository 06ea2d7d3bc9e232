"""Many workers, one study: soak, kills and a reader under load, on SQLite and PostgreSQL."""

import os
import random
import signal
import subprocess
import sys
import time
from dataclasses import replace
from pathlib import Path

import optuna
import pytest
from optuna.trial import TrialState

from search.run import SearchOptions
from search.store import schema
from search.store.storage import open_storage
from tests.search.conftest import Proxy, installed_script

FINISHED = (TrialState.COMPLETE, TrialState.PRUNED)
TINY = ["--space", "small", "--epochs", "2", "--patience", "2", "--seq-len", "14", "--quiet"]


def command(csv: Path, url: str, *args: str) -> list[str]:
    return [sys.executable, "-m", "search", "--data", str(csv), "--storage", url, *TINY, *args]


def study_of(url: str, name: str) -> optuna.Study:
    return optuna.load_study(study_name=name, storage=url)


def assert_exact(study: optuna.Study, n: int, grid: bool = False) -> None:
    trials = study.trials
    finished = [t for t in trials if t.state in FINISHED]
    assert len(finished) == n
    assert not [t for t in trials if t.state == TrialState.RUNNING]
    assert len({t.number for t in trials}) == len(trials)
    for trial in finished:  # every finished trial kept its learning curve and attributes
        assert trial.intermediate_values
        if trial.state == TrialState.COMPLETE:
            assert {"epochs_run", "best_epoch", "param_count"} <= set(trial.user_attrs)
    if grid:
        cells = [tuple(sorted(t.params.items())) for t in finished]
        assert len(cells) == len(set(cells))


# A grid checks exact N and unique cells at once. Many more workers, on every storage, run in
# test_scale.py with a stand-in objective.
@pytest.mark.slow
@pytest.mark.parametrize(("storage", "workers"), [("sqlite", 4), ("postgres", 8)])
def test_soak_many_workers_end_with_exactly_n(
    series_csv: Path,
    storage_url: str,
    request: pytest.FixtureRequest,
    storage: str,
    workers: int,
) -> None:
    url = storage_url if storage == "sqlite" else request.getfixturevalue("fresh_postgres_url")
    n = 30  # of the small grid's 32 cells
    result = subprocess.run(
        [
            *command(series_csv, url, "--strategy", "grid", "--trials", str(n)),
            "--workers",
            str(workers),
            "--pruner",
            "none",
        ],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stderr
    assert "database is locked" not in result.stderr
    assert_exact(study_of(url, "load-grid"), n, grid=True)


def children(pid: int) -> list[int]:
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                stat = Path(f"/proc/{entry}/stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                found.append(int(entry))
    return found


def wait_until_running(url: str, name: str, process: subprocess.Popen, finished: int) -> None:
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        assert process.poll() is None, process.communicate()
        try:
            trials = study_of(url, name).trials
        except KeyError:
            trials = []
        if sum(t.state in FINISHED for t in trials) >= finished and any(
            t.state == TrialState.RUNNING for t in trials
        ):
            return
        time.sleep(0.05)
    pytest.fail("no trial was running in time")


@pytest.mark.slow
@pytest.mark.parametrize("victim", ["worker", "parent"])
def test_sigkill_during_a_two_worker_run_then_rerun(
    series_csv: Path, storage_url: str, victim: str
) -> None:
    n = 12
    args = command(
        series_csv,
        storage_url,
        "--strategy",
        "grid",
        "--trials",
        str(n),
        "--workers",
        "2",
        "--epochs",
        "15",
        "--patience",
        "15",
        "--pruner",
        "none",
    )
    rng = random.Random(victim)
    process = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    wait_until_running(storage_url, "load-grid", process, finished=rng.randint(1, 4))
    time.sleep(rng.uniform(0, 0.5))  # a moment inside a trial or a claim
    before = {
        t.number: t.value
        for t in study_of(storage_url, "load-grid").trials
        if t.state == TrialState.COMPLETE
    }
    if victim == "worker":
        os.kill(children(process.pid)[0], signal.SIGKILL)
        _, err = process.communicate(timeout=300)
        assert process.returncode == 0, err  # the other worker finished the study
        assert "exited with code -9" in err
    else:
        process.kill()
        process.wait()
        time.sleep(2)  # the workers got SIGTERM from the kernel and requeue their trials
    rerun = subprocess.run(args, capture_output=True, text=True, timeout=600)
    assert rerun.returncode == 0, rerun.stderr
    study = study_of(storage_url, "load-grid")
    assert_exact(study, n, grid=True)
    for number, value in before.items():  # no finished trial was lost or changed
        assert study.trials[number].value == value


def test_dashboard_reading_while_workers_write_locks_nobody_out(
    series_csv: Path, storage_url: str
) -> None:
    search = subprocess.Popen(
        command(
            series_csv,
            storage_url,
            "--strategy",
            "random",
            "--trials",
            "30",
            "--workers",
            "3",
            "--pruner",
            "none",
        ),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    reads = 0
    while search.poll() is None:
        reader = subprocess.run(
            [
                installed_script("optuna"),
                "trials",
                "--study-name",
                "load-random",
                "--storage",
                storage_url,
                "--format",
                "json",
            ],
            capture_output=True,
            text=True,
            timeout=60,
        )
        reads += reader.returncode == 0
        assert "database is locked" not in reader.stderr
    _, err = search.communicate()
    assert search.returncode == 0, err
    assert "database is locked" not in err
    assert reads >= 3
    assert_exact(study_of(storage_url, "load-random"), 30)


def test_ctrl_c_to_the_parent_stops_every_worker_and_requeues_their_trials(
    series_csv: Path, storage_url: str
) -> None:
    args = command(
        series_csv,
        storage_url,
        "--strategy",
        "random",
        "--trials",
        "20",
        "--workers",
        "2",
        "--epochs",
        "40",
        "--patience",
        "40",
        "--pruner",
        "none",
    )
    # Only the parent gets the signal (a terminal would signal the whole group): it must pass
    # the stop on to its workers.
    process = subprocess.Popen(
        args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True
    )
    wait_until_running(storage_url, "load-random", process, finished=0)
    time.sleep(1)
    spawned = children(process.pid)  # the workers, and the parent's baseline fitter
    workers = [
        p for p in spawned if b"search.run.worker" in Path(f"/proc/{p}/cmdline").read_bytes()
    ]
    assert len(workers) == 2
    process.send_signal(signal.SIGINT)
    _, err = process.communicate(timeout=120)
    assert process.returncode == 130, err
    assert "run the same command again to resume" in err.lower()
    assert not any(Path(f"/proc/{pid}").exists() for pid in workers)
    deadline = time.monotonic() + 10  # helpers end as their parent's pipes close
    while any(Path(f"/proc/{pid}").exists() for pid in spawned):
        assert time.monotonic() < deadline, "a process of the search outlived it"
        time.sleep(0.1)
    trials = study_of(storage_url, "load-random").trials
    interrupted = [t for t in trials if t.user_attrs.get("fail_reason") == "interrupted"]
    waiting = [t for t in trials if t.state == TrialState.WAITING]
    assert not [t for t in trials if t.state == TrialState.RUNNING]
    assert interrupted and len(waiting) == len(interrupted)
    assert {tuple(sorted(t.params.items())) for t in waiting} == {
        tuple(sorted(t.params.items())) for t in interrupted
    }


@pytest.mark.parametrize("workers", [1, 2])
def test_grid_under_the_default_pruner_runs_each_cell_once(
    series_csv: Path, storage_url: str, workers: int
) -> None:
    # Hyperband hands the sampler only the trial's bracket; cells held in other brackets must
    # still count as taken. Three epochs give hyperband more than one bracket.
    n = 32  # the whole small grid
    tiny = [arg if arg != "2" else "3" for arg in TINY]  # --epochs 3 --patience 3
    result = subprocess.run(
        [sys.executable, "-m", "search", "--data", str(series_csv), "--storage", storage_url,
         *tiny, "--strategy", "grid", "--trials", str(n), "--workers", str(workers)],
        capture_output=True,
        text=True,
        timeout=600,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    study = study_of(storage_url, "load-grid")
    assert study.user_attrs["config"]["pruner"] == "hyperband"
    assert {t.state for t in study.trials} >= {TrialState.PRUNED}  # the pruner took part
    assert_exact(study, n, grid=True)


@pytest.mark.slow
@pytest.mark.parametrize("server", ["postgres", "proxy"])
def test_a_storage_restart_mid_search_is_ridden_out(
    server: str, request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    # PostgreSQL restarted under two workers, or the lstm-search serve they reach it through;
    # the test watches the database itself, not the proxy that restarts.
    if server == "postgres":
        cluster = request.getfixturevalue("postgres_cluster")
        url = direct = request.getfixturevalue("fresh_postgres_url")
        restart = cluster.restart
    else:
        direct = f"sqlite:///{tmp_path / 'studies.db'}"
        proxy = Proxy(direct)
        request.addfinalizer(proxy.stop)
        url, restart = proxy.url, proxy.restart
    optuna.create_study(study_name="s", storage=open_storage(url))
    n = 12
    # Trials of 2 s reporting every 0.1 s: a worker is nearly always inside one, so the restart
    # cuts off a running trial rather than falling between two.
    stand_in = [sys.executable, "-m", "tests.search.run.stand_in", url, str(n)]
    workers = [
        subprocess.Popen(
            [*stand_in, "--seconds", "2", "--steps", "20"],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(2)
    ]
    # Restart once both workers have claimed a trial and one is running: mid-search, not while
    # a worker still opens the storage, which no retry covers.
    watched = optuna.load_study(study_name="s", storage=open_storage(direct))
    searching = {w.pid for w in workers}
    deadline = time.monotonic() + 120  # against a hang only: the workers start within seconds
    while True:
        trials = watched.get_trials(deepcopy=False)
        owners = {t.system_attrs.get(schema.OWNER, {}).get("pid") for t in trials}
        if owners >= searching and any(t.state == TrialState.RUNNING for t in trials):
            break
        assert all(w.poll() is None for w in workers), [w.communicate() for w in workers]
        assert time.monotonic() < deadline, "the workers did not both start a trial in time"
        time.sleep(0.05)
    restart()
    for worker in workers:
        out, err = worker.communicate(timeout=120)
        assert worker.returncode == 0, err
        assert "Traceback" not in err and out.strip() == str(n)
    study = optuna.load_study(study_name="s", storage=open_storage(direct))
    assert len(study.get_trials(states=FINISHED)) == n
    assert not study.get_trials(states=(TrialState.RUNNING, TrialState.WAITING))
    successors = {t.system_attrs.get(schema.REQUEUED_FROM) for t in study.trials}
    lost = study.get_trials(states=(TrialState.FAIL,))
    assert lost, "the restart cut off no running trial"
    for trial in lost:  # each given back and queued again
        assert trial.user_attrs[schema.FAIL_REASON] == schema.STORAGE_LOST
        assert trial.number in successors


@pytest.mark.slow
def test_a_worker_started_while_the_database_is_down_waits_for_it(
    request: pytest.FixtureRequest, series_csv: Path
) -> None:
    # A worker process plans its search itself, after its parent has: a database restarting in
    # between is waited for, as one restarting mid-search is.
    cluster = request.getfixturevalue("postgres_cluster")
    url = request.getfixturevalue("fresh_postgres_url")
    options = SearchOptions(
        data=str(series_csv), storage=url, strategy="random", trials=2, workers=1, quiet=True
    )
    options = replace(options, space="small", epochs=2, patience=2, seq_len=14, study="down")
    cluster.stop()
    try:
        worker = subprocess.Popen(
            [sys.executable, "-m", "search.run.worker"],
            stdin=subprocess.PIPE,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        assert worker.stdin is not None and worker.stderr is not None
        worker.stdin.write(options.to_json())
        worker.stdin.close()
        # Long enough for the worker to import what training needs and reach the storage; a
        # worker still importing then would pass without the retry, never fail with it.
        time.sleep(10)
        assert worker.poll() is None, worker.stderr.read()
    finally:
        cluster.start()
    assert worker.wait(timeout=300) == 0, worker.stderr.read()
    err = worker.stderr.read()
    assert "Traceback" not in err
    assert len(study_of(url, "down").get_trials(states=FINISHED)) == 2
