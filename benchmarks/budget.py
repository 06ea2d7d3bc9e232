"""How the work budget ranks configurations on a long series, and what the default search costs
there: the evidence for --min-epochs and --epoch-windows.

    python benchmarks/budget.py [--rows 14400] [--configs 6] [--epochs 12] [--search] [--trials 30]
                                [--default-only]

Builds an hourly series of `--rows` rows (daily and weekly seasons, a slow trend, AR(1) noise;
seeded), horizon 24, and trains `--configs` configurations drawn from the space (seeded random
draws), one thread, three ways:

- longer training, the reference: `--epochs` whole epochs each, no early stopping. Prints each
  configuration's best validation MSE after 1, 2, 3, 5, 10 ... epochs and its seconds per epoch,
  and the Spearman rank correlation of the ranking after k epochs with the one after all of them;
- the default budget (SearchOptions(): work budget, floor, cap and patience, in epochs of at most
  --epoch-windows windows);
- the same budget in whole epochs (--epoch-windows 0, the behaviour before that option).

Prints each configuration's epochs, seconds and best validation MSE under both budgets, and the
Spearman rank correlation of each budget's ranking with the reference's.

With `--search`, also runs the default search (`lstm-search --data <series> --horizon 24 --trials
N`, its default workers) with the default --epoch-windows and with --epoch-windows 0, in studies
of their own, and prints each one's wall time, best validation MSE, and its handed model's test
MSE and skill against persistence and against the best baseline. `--default-only` leaves out the
search in whole epochs (hours on 14,400 rows) and `--configs 0` the ranking.

The output also goes to `--out` (benchmarks/results/budget.txt) with the commit and the machine.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

import numpy as np
import optuna
import pandas as pd
import torch
from record import header, invocation

from search.data.series import load_series
from search.data.windows import ForecastDataset
from search.run.options import SearchOptions
from search.store import FINISHED, read_test_score
from search.training.budget import TrialBudget
from search.training.hyperparameters import load_search_space, with_defaults
from search.training.objective import train_trial

CHECKPOINTS = (1, 2, 3, 5, 10, 15, 20, 30)
HORIZON = 24
RESULTS = Path(__file__).parent / "results" / "budget.txt"


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


def ranking(args: argparse.Namespace, dataset: ForecastDataset, say: list[str]) -> None:
    """The reference curves, both budgets' results, and their rank agreement with the reference."""
    defaults = SearchOptions()
    windows = len(dataset.windows(defaults.seq_len)["train"])
    bounded = TrialBudget(
        defaults.work_budget,
        defaults.epochs,
        defaults.patience,
        1,
        None,
        defaults.min_epochs,
        defaults.epoch_windows,
    )
    budgets = {"bounded": bounded, "whole": replace(bounded, epoch_windows=None)}
    reference = TrialBudget(None, args.epochs, args.epochs, 1, None, 1, None)
    space = load_search_space(args.space)
    study = optuna.create_study(sampler=optuna.samplers.RandomSampler(seed=0))
    fixed = {"arch": defaults.arch, "seq_len": defaults.seq_len}
    shown = [k for k in CHECKPOINTS if k <= args.epochs]
    curves: list[list[float]] = []
    finals: dict[str, list[float]] = {name: [] for name in budgets}
    say.append(
        f"rank agreement: {args.configs} configurations of the {args.space} space; reference "
        f"{args.epochs} whole epochs of {windows:,} windows, no early stopping; default budget in "
        f"epochs of {bounded.epoch_size(windows):,} windows (bounded) and of {windows:,} (whole)"
    )
    say.append(
        f"{'config':<44} "
        + " ".join(f"{f'ep{k}':>7}" for k in shown)
        + "  s/epoch | bounded: epochs   s    val | whole: epochs   s    val"
    )
    for number in range(args.configs):
        config = with_defaults(space.suggest(study.ask()), fixed)
        started = time.perf_counter()
        result = train_trial(config, dataset, reference, seed=number)
        per_epoch = (time.perf_counter() - started) / result.epochs_run
        curves.append(list(np.minimum.accumulate(result.history)))
        cells = []
        for name, budget in budgets.items():
            started = time.perf_counter()
            trained = train_trial(config, dataset, budget, seed=number)
            seconds = time.perf_counter() - started
            finals[name].append(trained.best_loss)
            cells.append(f"{trained.epochs_run:>14} {seconds:5.0f} {trained.best_loss:6.4f}")
        label = (
            f"h{config['hidden_size']} l{config['num_layers']} d{config['dropout']:.2f} "
            f"lr{config['learning_rate']:.4f} b{config['batch_size']}"
        )
        say.append(
            f"{label:<44} "
            + " ".join(f"{curves[-1][k - 1]:7.4f}" for k in shown)
            + f"  {per_epoch:7.1f} | "
            + " | ".join(cells)
        )
        print(say[-1], flush=True)
    final = [curve[-1] for curve in curves]
    say.append(
        f"Spearman with the ranking after {args.epochs} epochs: "
        + "  ".join(f"ep{k} {spearman([c[k - 1] for c in curves], final):.2f}" for k in shown)
    )
    say.append(
        "Spearman of the default budget's ranking with the reference: "
        + "  ".join(f"{name} {spearman(losses, final):.2f}" for name, losses in finals.items())
    )
    print("\n".join(say[-2:]), flush=True)


def search(args: argparse.Namespace, csv: Path, root: Path, say: list[str]) -> None:
    """The default search with the default --epoch-windows and with whole epochs, side by side."""
    url = f"sqlite:///{root / 'studies.db'}"
    say.append(f"the default search, {args.trials} trials, --space {args.space}:")
    variants = [("default", [])]
    if not args.default_only:
        variants.append(("--epoch-windows 0", ["--epoch-windows", "0"]))
    for label, extra in variants:
        name = f"budget-{len(extra)}"
        command = [sys.executable, "-m", "search", "--data", str(csv), "--horizon", str(HORIZON)]
        command += ["--trials", str(args.trials), "--space", args.space, "--quiet"]
        command += ["--study", name, "--storage", url, *extra]
        started = time.perf_counter()
        subprocess.run(command, check=True, stdout=subprocess.DEVNULL)
        wall = time.perf_counter() - started
        study = optuna.load_study(study_name=name, storage=url)
        done = len(study.get_trials(deepcopy=False, states=FINISHED))
        score = read_test_score(study.user_attrs)
        assert score is not None  # every finished search is scored
        model = score.model
        say.append(
            f"{label:<18} wall {wall / 60:5.1f} min, {done} trials, best validation MSE "
            f"{study.best_value:.4f}, test MSE {model.metrics['mse']:.4f}, skill "
            f"{model.skill:.3f} against persistence, {model.skill_vs_best_baseline:.3f} against "
            f"{score.best_baseline}"
        )
        print(say[-1], flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=14_400)
    parser.add_argument("--configs", type=int, default=6)
    parser.add_argument("--epochs", type=int, default=12, help="the reference's whole epochs")
    parser.add_argument("--space", default="seed")
    parser.add_argument("--search", action="store_true", help="also run the default search")
    parser.add_argument("--trials", type=int, default=30)
    parser.add_argument(
        "--default-only", action="store_true", help="search with the default --epoch-windows only"
    )
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args()
    torch.set_num_threads(1)
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    head = header(invocation())  # the code as it was when the run began
    say: list[str] = []
    co2 = ForecastDataset(load_series())
    seq_len = SearchOptions().seq_len
    with tempfile.TemporaryDirectory() as folder:
        csv = hourly_series(args.rows, Path(folder))
        dataset = ForecastDataset(load_series(csv), HORIZON)
        say.append(
            f"the {args.rows:,}-row hourly series: "
            f"{len(dataset.windows(seq_len)['train']):,} training windows, horizon {HORIZON} "
            f"(CO2: {len(co2.windows(seq_len)['train']):,})"
        )
        print("\n".join([head, *say]), flush=True)
        if args.configs:
            ranking(args, dataset, say)
        if args.search:
            search(args, csv, Path(folder), say)
    args.out.parent.mkdir(exist_ok=True)
    args.out.write_text("\n".join([head, *say]) + "\n")


if __name__ == "__main__":
    main()
