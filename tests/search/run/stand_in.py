"""A worker of the real runner with a stand-in objective (no torch), for tests of many workers:

    python -m tests.search.run.stand_in URL TARGET [--seconds S] [--steps K] [--cells C]

Runs study `s` at URL until it has TARGET finished trials; each trial reports K steps (3) over
S seconds (0.3) and returns x, drawn at random or, with --cells, a cell of a grid of
C cells (our grid sampler: each cell at most once). Prints how many trials the study finished.
"""

import argparse
import time

import optuna

from search.run.runner import run_trials
from search.store.backends import study_lock
from search.store.storage import open_storage
from search.strategies.grid import CellGridSampler


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("url")
    parser.add_argument("target", type=int)
    parser.add_argument("--seconds", type=float, default=0.3)
    parser.add_argument("--steps", type=int, default=3)
    parser.add_argument("--cells", type=int, default=0)
    args = parser.parse_args()
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    sampler = None
    if args.cells:
        sampler = CellGridSampler([{"x": i} for i in range(args.cells)])
    study = optuna.load_study(study_name="s", storage=open_storage(args.url), sampler=sampler)

    def objective(trial: optuna.Trial) -> float:
        if args.cells:
            x = float(trial.suggest_int("x", 0, args.cells - 1))
        else:
            x = trial.suggest_float("x", 0, 1)
        for step in range(args.steps):
            time.sleep(args.seconds / args.steps)
            trial.report(x, step)
        return x

    print(run_trials(study, objective, args.target, study_lock(args.url, "s")).finished)


if __name__ == "__main__":
    main()
