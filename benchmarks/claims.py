"""How long a worker holds the study's lock to claim a trial, as the study grows.

    python benchmarks/claims.py [--sizes 100 1000 10000] [--claims 20] [--postgres URL]

For each storage (a fresh SQLite file; PostgreSQL too with --postgres, whose studies named
`claims-*` are replaced) and each size, fills a study with that many finished trials shaped like
the default job's (five parameters, 30 intermediate values, its user attributes), then claims
`--claims` trials with the runner's own code in one worker process, as a worker does between
its trials: the first claim (cold: the worker reads the study once) is printed apart, then the
median and maximum of the others, for the time under the lock (dead-trial check, counts,
creating the trial) and for the whole claim (with the random sampler's draw after the lock).
Each claimed trial is told COMPLETE at once.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

import optuna
from optuna.distributions import CategoricalDistribution, FloatDistribution, IntDistribution
from optuna.trial import TrialState, create_trial

from search.run.runner import _started, _take_slot
from search.store.backends import study_lock
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


def measure(url: str, size: int, claims: int) -> tuple[float, list[float], list[float]]:
    """Seconds of the cold claim, then under the lock and in all of the others."""
    name = f"claims-{size}"
    if name in optuna.get_all_study_names(url):
        optuna.delete_study(study_name=name, storage=url)
    filler = optuna.create_study(study_name=name, storage=open_storage(url))
    filler.add_trials([finished_trial(n) for n in range(size)])
    worker = optuna.load_study(
        study_name=name, storage=open_storage(url), sampler=optuna.samplers.RandomSampler(0)
    )
    lock = study_lock(url, name)
    locked, whole = [], []
    for _ in range(claims + 1):
        started = time.perf_counter()
        with lock.held():
            trial_id, _ = _take_slot(worker, size + claims + 1)
        held = time.perf_counter() - started
        assert trial_id is not None
        trial = _started(worker, trial_id)
        whole.append(time.perf_counter() - started)
        locked.append(held)
        worker.tell(trial, trial.suggest_float("x", 0, 1))
    lock.close()
    return whole[0], locked[1:], whole[1:]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[100, 1_000, 10_000])
    parser.add_argument("--claims", type=int, default=20)
    parser.add_argument("--postgres", help="also on this PostgreSQL URL")
    args = parser.parse_args()
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    print(
        f"{'storage':<10} {'finished':>8} {'cold ms':>8} {'lock ms (median, max)':>22} "
        f"{'claim ms (median, max)':>23}"
    )
    with tempfile.TemporaryDirectory() as folder:
        storages = {"sqlite": f"sqlite:///{Path(folder) / 'claims.db'}"}
        if args.postgres:
            storages["postgresql"] = args.postgres
        for size in args.sizes:
            for label, url in storages.items():
                cold, locked, whole = measure(url, size, args.claims)
                print(
                    f"{label:<10} {size:>8,} {cold * 1000:8.1f} "
                    f"{statistics.median(locked) * 1000:13.1f}, {max(locked) * 1000:6.1f} "
                    f"{statistics.median(whole) * 1000:14.1f}, {max(whole) * 1000:6.1f}",
                    flush=True,
                )


if __name__ == "__main__":
    main()
