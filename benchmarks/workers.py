"""Worker scaling: the same study with 1 and with 2 worker processes, side by side.

`--strategy random` seeds each trial from (seed, trial number), so both runs evaluate exactly the
same trials; each run starts on a fresh SQLite file and is timed end to end (process start,
imports and the study's last trial included). Runs are interleaved. Each run also prints the
seconds from the command's start to its first claimed trial (process start, imports, data), and
to its last finished trial: what follows (the refit, the test score and the classical
baselines, which one worker fits after its trials and two fit beside theirs) is the same work
whatever the workers.

    python benchmarks/workers.py [--trials 16] [--repeats 2] [--epochs 8]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path

import optuna
from record import recorded

SEARCH = ["--strategy", "random", "--space", "small", "--pruner", "none", "--quiet"]


def timed_run(workers: int, trials: int, epochs: int) -> tuple[float, int, float, float]:
    """Wall seconds, finished epochs, and seconds to the first claim and to the last finished
    trial, of one run on a fresh storage."""
    with tempfile.TemporaryDirectory() as directory:
        url = f"sqlite:///{Path(directory) / 'bench.db'}"
        command = [
            sys.executable,
            "-m",
            "search",
            "--storage",
            url,
            "--trials",
            str(trials),
            "--workers",
            str(workers),
            "--epochs",
            str(epochs),
            "--patience",
            str(epochs),
            *SEARCH,
        ]
        spawned = datetime.now()  # Optuna stamps trials with local naive times
        started = time.perf_counter()
        subprocess.run(command, check=True, capture_output=True)
        seconds = time.perf_counter() - started
        study = optuna.load_study(study_name="co2-random", storage=url)
        finished_epochs = sum(len(t.intermediate_values) for t in study.trials)
        first_claim = min(t.datetime_start for t in study.trials if t.datetime_start) - spawned
        last = max(t.datetime_complete for t in study.trials if t.datetime_complete) - spawned
    return seconds, finished_epochs, first_claim.total_seconds(), last.total_seconds()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trials", type=int, default=16)
    parser.add_argument("--repeats", type=int, default=2)
    parser.add_argument("--epochs", type=int, default=8, help="epochs of every trial")
    args = parser.parse_args()
    rates: dict[int, list[float]] = {1: [], 2: []}
    search_rates: dict[int, list[float]] = {1: [], 2: []}
    for repeat in range(args.repeats):
        for workers in (1, 2):
            seconds, epochs, first_claim, last = timed_run(workers, args.trials, args.epochs)
            rates[workers].append(epochs / seconds)
            search_rates[workers].append(epochs / last)
            print(
                f"repeat {repeat}: {workers} worker(s): {args.trials} trials, {epochs} epochs "
                f"in {seconds:.1f} s ({3600 * args.trials / seconds:.0f} trials/hour), first "
                f"claim after {first_claim:.1f} s, last trial done after {last:.1f} s",
                flush=True,
            )
    for what, measured in (("whole command", rates), ("to the last trial", search_rates)):
        one, two = statistics.median(measured[1]), statistics.median(measured[2])
        print(
            f"finished epochs per second, {what}: 1 worker {one:.2f}, 2 workers {two:.2f}, "
            f"ratio {two / one:.2f}x"
        )


if __name__ == "__main__":
    with recorded("workers"):
        main()
