"""How many epochs rank configurations on a larger series: the evidence for --work-budget.

    python benchmarks/budget.py [--rows 14400] [--configs 6] [--epochs 12]

Builds an hourly series of `--rows` rows (daily and weekly seasons, a slow trend, AR(1) noise;
seeded), horizon 24, and trains `--configs` configurations drawn from the `seed` space (seeded
random draws) for `--epochs` epochs each with no early stopping, one thread. Prints each
configuration's best validation MSE after 1, 2, 3, 5, 10 ... epochs and its seconds per epoch,
then the Spearman rank correlation between the ranking after k epochs and after all of them: the
budget must give enough epochs for that ranking to hold. Also prints how many epochs the default
work budget gives each configuration here.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import numpy as np
import optuna
import pandas as pd
import torch

from search.data.series import load_series
from search.data.windows import ForecastDataset
from search.run.options import SearchOptions
from search.training.budget import TrialBudget
from search.training.hyperparameters import load_search_space, with_defaults
from search.training.objective import train_trial

CHECKPOINTS = (1, 2, 3, 5, 10, 15, 20, 30)


def hourly_series(rows: int, folder: Path) -> Path:
    """A seeded hourly CSV with daily and weekly seasons, trend and AR(1) noise."""
    rng = np.random.default_rng(0)
    t = np.arange(rows)
    noise = np.zeros(rows)
    shocks = rng.normal(0, 1.0, rows)
    for i in range(1, rows):
        noise[i] = 0.8 * noise[i - 1] + shocks[i]
    load = (
        100
        + 0.002 * t
        + 10 * np.sin(2 * np.pi * t / 24)
        + 4 * np.sin(2 * np.pi * t / 168)
        + 2 * noise
    )
    time_index = pd.date_range("2020-01-01", periods=rows, freq="h")
    path = folder / "hourly.csv"
    pd.DataFrame({"time": time_index, "load": load.round(3)}).to_csv(path, index=False)
    return path


def spearman(a: list[float], b: list[float]) -> float:
    """Spearman's rank correlation of two equally long lists without ties."""
    ra, rb = np.argsort(np.argsort(a)), np.argsort(np.argsort(b))
    return float(np.corrcoef(ra, rb)[0, 1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=14_400)
    parser.add_argument("--configs", type=int, default=6)
    parser.add_argument("--epochs", type=int, default=12)
    args = parser.parse_args()
    torch.set_num_threads(1)
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    defaults = SearchOptions()
    co2 = ForecastDataset(load_series())
    co2_windows = len(co2.windows(defaults.seq_len)["train"])
    with tempfile.TemporaryDirectory() as folder:
        dataset = ForecastDataset(load_series(hourly_series(args.rows, Path(folder))), 24)
    windows = len(dataset.windows(defaults.seq_len)["train"])
    print(
        f"the {args.rows:,}-row hourly series: {windows:,} training windows, horizon 24 "
        f"(CO2: {co2_windows:,}); work budget {defaults.work_budget:.0e} parameter-windows"
    )
    space = load_search_space("seed")
    study = optuna.create_study(sampler=optuna.samplers.RandomSampler(seed=0))
    fixed = {"arch": defaults.arch, "seq_len": defaults.seq_len}
    plan = TrialBudget(None, args.epochs, args.epochs, 1, None, min_epochs=1)
    # The epochs the work budget alone buys (no floor): what this benchmark set MIN_EPOCHS by.
    default = TrialBudget(
        defaults.work_budget, defaults.epochs, defaults.patience, 1, None, min_epochs=1
    )
    shown = [k for k in CHECKPOINTS if k <= args.epochs]
    curves: list[list[float]] = []
    print(f"{'config':<44} " + " ".join(f"{f'ep{k}':>7}" for k in shown) + "  s/epoch  budget")
    for number in range(args.configs):
        trial = study.ask()
        config = with_defaults(space.suggest(trial), fixed)
        started = time.perf_counter()
        result = train_trial(config, dataset, plan, seed=number)
        per_epoch = (time.perf_counter() - started) / result.epochs_run
        best_so_far = list(np.minimum.accumulate(result.history))
        curves.append(best_so_far)
        label = (
            f"h{config['hidden_size']} l{config['num_layers']} d{config['dropout']:.2f} "
            f"lr{config['learning_rate']:.4f} b{config['batch_size']}"
        )
        allotted = default.epochs_for(result.param_count, windows)
        print(
            f"{label:<44} "
            + " ".join(f"{best_so_far[k - 1]:7.4f}" for k in shown)
            + f"  {per_epoch:7.1f}  {allotted:6d}",
            flush=True,
        )
    final = [curve[-1] for curve in curves]
    correlations = "  ".join(
        f"ep{k} {spearman([c[k - 1] for c in curves], final):.2f}" for k in shown
    )
    print(f"Spearman rank correlation with the ranking after {args.epochs} epochs: {correlations}")


if __name__ == "__main__":
    main()
