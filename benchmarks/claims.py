"""How long a worker holds the study's lock to claim a trial, as the study grows.

    python benchmarks/claims.py [--sizes 100 1000 10000] [--claims 20] [--postgres URL]

For each storage (a fresh SQLite file; PostgreSQL too with --postgres, whose studies named
`claims-*` are replaced) and each size, fills a study with that many finished trials shaped like
the default job's (five parameters, 30 intermediate values, its user attributes), then claims
`--claims` trials with the runner's own code in one worker process, as a worker does between
its trials: the first claim (cold: the worker reads the whole study once) is printed apart,
then the median and maximum of the others, for the time the lock is held (dead-trial check,
counts, creating the trial) and for the whole claim (with the reads before the lock and the
random sampler's draw after it).
Each claimed trial is told COMPLETE at once.
"""

from __future__ import annotations

import argparse
import contextlib
import statistics
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import optuna
from optuna.distributions import CategoricalDistribution, FloatDistribution, IntDistribution
from optuna.trial import TrialState, create_trial
from record import recorded

from search.run.runner import _claim
from search.store.backends import study_lock
from search.store.lease import LeaseWatch
from search.store.locks import StudyLock
from search.store.storage import open_storage

DISTRIBUTIONS = {
    "hidden_size": IntDistribution(16, 256, log=True),
    "num_layers": IntDistribution(1, 3),
    "dropout": FloatDistribution(0.0, 0.5),
    "learning_rate": FloatDistribution(1e-4, 1e-2, log=True),
    "batch_size": CategoricalDistribution([32, 64, 128]),
}


def finished_trial(number: int) -> optuna.trial.FrozenTrial:
    """A finished trial like the default job's: every third pruned after 5 epochs."""
    pruned = number % 3 == 0
    epochs = 5 if pruned else 30
    return create_trial(
        state=TrialState.PRUNED if pruned else TrialState.COMPLETE,
        value=None if pruned else 0.7 + (number % 97) / 1000,
        params={
            "hidden_size": 16 + number % 200,
            "num_layers": 1 + number % 3,
            "dropout": (number % 50) / 100,
            "learning_rate": 1e-3,
            "batch_size": 32,
        },
        distributions=DISTRIBUTIONS,
        intermediate_values={step: 1.0 - step / 100 for step in range(epochs)},
        user_attrs={"seed": number, "epochs_run": epochs, "param_count": 50_000, "seconds": 9.5},
    )


class TimedLock:
    """The study's lock, noting how long each hold lasted (from acquiring to releasing)."""

    def __init__(self, lock: StudyLock) -> None:
        self.lock = lock
        self.holds: list[float] = []

    @contextlib.contextmanager
    def held(self) -> Iterator[None]:
        with self.lock.held():
            started = time.perf_counter()
            try:
                yield
            finally:
                self.holds.append(time.perf_counter() - started)

    def close(self) -> None:
        self.lock.close()


def measure(url: str, size: int, claims: int) -> tuple[float, float, list[float], list[float]]:
    """Seconds of the cold claim (holding the lock, whole), then of the others."""
    name = f"claims-{size}"
    if name in optuna.get_all_study_names(url):
        optuna.delete_study(study_name=name, storage=url)
    filler = optuna.create_study(study_name=name, storage=open_storage(url))
    filler.add_trials([finished_trial(n) for n in range(size)])
    worker = optuna.load_study(
        study_name=name, storage=open_storage(url), sampler=optuna.samplers.RandomSampler(0)
    )
    lock = TimedLock(study_lock(url, name))
    watch = LeaseWatch()
    whole = []
    for _ in range(claims + 1):
        started = time.perf_counter()
        trial, _ = _claim(worker, size + claims + 1, lock, watch)
        whole.append(time.perf_counter() - started)
        assert trial is not None
        worker.tell(trial, trial.suggest_float("x", 0, 1))
    lock.close()
    return lock.holds[0], whole[0], lock.holds[1:], whole[1:]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[100, 1_000, 10_000])
    parser.add_argument("--claims", type=int, default=20)
    parser.add_argument("--postgres", help="also on this PostgreSQL URL")
    args = parser.parse_args()
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    print(
        f"{'storage':<10} {'finished':>8} {'cold: lock ms':>13} {'claim ms':>8} "
        f"{'lock ms (median, max)':>22} {'claim ms (median, max)':>23}"
    )
    with tempfile.TemporaryDirectory() as folder:
        storages = {"sqlite": f"sqlite:///{Path(folder) / 'claims.db'}"}
        if args.postgres:
            storages["postgresql"] = args.postgres
        for size in args.sizes:
            for label, url in storages.items():
                cold_lock, cold, locked, whole = measure(url, size, args.claims)
                print(
                    f"{label:<10} {size:>8,} {cold_lock * 1000:13.1f} {cold * 1000:8.1f} "
                    f"{statistics.median(locked) * 1000:13.1f}, {max(locked) * 1000:6.1f} "
                    f"{statistics.median(whole) * 1000:14.1f}, {max(whole) * 1000:6.1f}",
                    flush=True,
                )


if __name__ == "__main__":
    with recorded("claims"):
        main()
