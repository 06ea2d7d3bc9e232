"""Many workers at scale: worker processes of the real runner (a stand-in objective, no torch)
behind `lstm-search serve` in front of PostgreSQL, and on a journal file, while some are
SIGKILLed and restarted: exactly N finished, no grid cell twice, nothing finished lost."""

import random
import subprocess
import sys
import time
from pathlib import Path

import optuna
import pytest
from optuna.trial import TrialState

from search.store import schema
from search.store.storage import open_storage
from search.store.trials import FINISHED, counts

ROOT = Path(__file__).parents[3]
pytestmark = pytest.mark.slow


def start_worker(url: str, target: int) -> subprocess.Popen[str]:
    """A stand-in worker on study `s`, its grid exactly `target` cells."""
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "tests.search.run.stand_in",
            url,
            str(target),
            "--seconds",
            "0.1",
            "--steps",
            "1",
            "--cells",
            str(target),
        ],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def run_with_kills(url: str, workers: int, target: int, kills: int, direct: str = "") -> float:
    """Run `workers` stand-in workers to `target`, SIGKILLing a random one (and starting another
    in its place) `kills` times along the way; check the study; return trials per second.

    The test watches the study through `direct` (the database behind a proxy), so that its own
    reads do not load the proxy the workers share."""
    optuna.create_study(study_name="s", storage=open_storage(url))
    study = optuna.load_study(study_name="s", storage=open_storage(direct or url))
    started = time.monotonic()
    processes = [start_worker(url, target) for _ in range(workers)]
    finished_before: dict[int, float | None] = {}
    rng = random.Random(0)
    for kill in range(1, kills + 1):
        while counts(study).finished < kill * target // (kills + 2):
            assert time.monotonic() - started < 900, "the workers made no progress"
            time.sleep(0.5)
        victim = rng.choice([p for p in processes if p.poll() is None])
        victim.kill()
        victim.wait()
        processes.remove(victim)
        processes.append(start_worker(url, target))
        finished_before |= {t.number: t.value for t in study.get_trials(states=FINISHED)}
    for process in processes:
        _, err = process.communicate(timeout=300)
        assert process.returncode == 0, err
    rate = target / (time.monotonic() - started)
    trials = study.trials
    finished = [t for t in trials if t.state in FINISHED]
    assert len(finished) == target
    assert len({t.params["x"] for t in finished}) == target  # every cell once
    assert not [t for t in trials if t.state in (TrialState.RUNNING, TrialState.WAITING)]
    for number, value in finished_before.items():
        assert trials[number].value == value
    successors = {t.system_attrs.get(schema.REQUEUED_FROM) for t in trials}
    for lost in (t for t in trials if t.state == TrialState.FAIL):  # each killed one ran again
        assert lost.user_attrs[schema.FAIL_REASON] == schema.PROCESS_DIED
        assert lost.number in successors
    return rate


def test_32_workers_behind_the_proxy_finish_exactly_2000_while_8_are_killed(
    fresh_postgres_url: str, proxy_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    rate = run_with_kills(proxy_url, workers=32, target=2000, kills=8, direct=fresh_postgres_url)
    with capsys.disabled():
        print(f"\n32 workers behind lstm-search serve (PostgreSQL): {rate:.1f} trials/s")


def test_8_workers_on_a_journal_file_finish_exactly_300_while_2_are_killed(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    rate = run_with_kills(f"journal:///{tmp_path / 'studies.log'}", 8, 300, 2)
    with capsys.disabled():
        print(f"\n8 workers on a journal file: {rate:.1f} trials/s")
