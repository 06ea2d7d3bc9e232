"""The bayes sampler's own time: seconds per suggestion after 50 and after 200 told trials.

A study over the `seed` space is filled with random trials scored by a smooth function of the
parameters, then the GP sampler makes three suggestions in a row (one BLAS and torch thread,
as a worker has). The first of them fits the kernel; past 100 observations the next ones keep
it until the observations have grown by 10 %.

    python benchmarks/suggestion_time.py
"""

from __future__ import annotations

import statistics
import time

import numpy as np
import optuna
from record import recorded

from search.strategies import make_sampler
from search.training.device import set_threads
from search.training.hyperparameters import load_search_space

SUGGESTIONS = 3


def main() -> None:
    set_threads(1)
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    space = load_search_space("seed")
    rng = np.random.default_rng(0)
    for told in (50, 200):
        study = optuna.create_study(sampler=optuna.samplers.RandomSampler(seed=told))
        for _ in range(told):
            trial = study.ask()
            params = space.suggest(trial)
            value = np.log(params["hidden_size"]) / 10 + params["num_layers"] / 20
            study.tell(trial, float(value + rng.normal(0, 0.05)))
        study.sampler = make_sampler("bayes", space, 0)
        seconds = []
        for _ in range(SUGGESTIONS):
            trial = study.ask()
            started = time.perf_counter()
            space.suggest(trial)  # Optuna runs the GP at the first suggest
            seconds.append(time.perf_counter() - started)
            study.tell(trial, 1.0)
        shown = ", ".join(f"{s:.2f}" for s in seconds)
        print(f"{told} trials: suggestions {shown} s (median {statistics.median(seconds):.2f} s)")


if __name__ == "__main__":
    with recorded("suggestion_time"):
        main()
