"""Which search hands the user the better forecaster: today's defaults against the new ones.

    python benchmarks/selection.py [--seeds 0 1 2 3 4] [--trials 50] [--variants ...]

Runs the default job (`lstm-search --strategy bayes`) on the bundled CO2 series once per seed
and variant, interleaved (seed by seed, variants in a rotating order), each in a fresh SQLite
storage, and prints per run the test skill against persistence of the model the search hands
the user (the selected trial's: what `export` and `predict` use), of the refit where there is
one, and the wall time; then per variant the median and spread (max - min) of the handed skill,
the median refit skill and the median wall time.

Variants:
  time-limit   the defaults before the work budget: a 30 s time limit per trial, no refit
  refit        the defaults before 347ac3c: the work budget of 1e10 parameter-windows, the refit
  cost-blind   today's defaults with --no-cost-aware (gp_hedge): the defaults before they were
               cost-aware (in results measured at 5090d4d, "defaults"; "cost-aware" was today's)
  defaults     today's defaults (the work budget, no refit, cost-aware bayes)
  budget5e9    today's defaults with half the work budget
  folds3       today's defaults with --folds 3
  folds5       today's defaults with --folds 5 (hyperband judges every epoch of every fold)
  wilcoxon5    today's defaults with --folds 5 --pruner wilcoxon (judges whole folds)
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import optuna
from record import recorded

VARIANTS: dict[str, list[str]] = {
    "time-limit": ["--trial-seconds", "30"],
    "refit": ["--work-budget", "1e10", "--refit"],
    "cost-blind": ["--no-cost-aware"],
    "defaults": [],
    "budget5e9": ["--work-budget", "5e9"],
    "folds3": ["--folds", "3"],
    "folds5": ["--folds", "5"],
    "wilcoxon5": ["--folds", "5", "--pruner", "wilcoxon"],
}


def skills(score: dict) -> tuple[float, float]:
    """Skill against persistence of the selected trial's model and of the refit (NaN if none)."""
    persistence = score["persistence"]["mse"]
    refit = score["refit"]["mse"] if "refit" in score else float("nan")
    return 1 - score["model"]["mse"] / persistence, 1 - refit / persistence


def run(variant: str, seed: int, trials: int, root: Path) -> dict[str, float]:
    """One search; its wall time, the handed and refit models' skill, and its best value."""
    url = f"sqlite:///{root / f'{variant}-{seed}.db'}"
    command = [sys.executable, "-m", "search", "--strategy", "bayes", "--trials", str(trials)]
    command += ["--seed", str(seed), "--storage", url, "--study", "job", "--quiet"]
    started = time.perf_counter()
    subprocess.run([*command, *VARIANTS[variant]], check=True, capture_output=True, cwd=root)
    seconds = time.perf_counter() - started
    study = optuna.load_study(study_name="job", storage=url)
    handed, refit = skills(study.user_attrs["test_score"])
    return {"seconds": seconds, "handed": handed, "refit": refit, "best": study.best_value}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2, 3, 4])
    parser.add_argument("--trials", type=int, default=50)
    parser.add_argument("--variants", nargs="+", choices=VARIANTS, default=list(VARIANTS))
    parser.add_argument("--out", type=Path, help="also write every run as JSON here")
    args = parser.parse_args()
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    results: dict[str, list[dict[str, float]]] = {v: [] for v in args.variants}
    print(f"{args.trials} trials per search, seeds {args.seeds}, variants {args.variants}")
    with tempfile.TemporaryDirectory() as folder:
        for position, seed in enumerate(args.seeds):
            shift = position % len(args.variants)
            for variant in args.variants[shift:] + args.variants[:shift]:
                found = run(variant, seed, args.trials, Path(folder))
                results[variant].append({"seed": seed, **found})
                print(
                    f"seed {seed} {variant:<10} {found['seconds']:6.0f} s  handed skill "
                    f"{found['handed']:.3f}  refit skill {found['refit']:.3f}  best "
                    f"val {found['best']:.4f}",
                    flush=True,
                )
    header = f"{'variant':<10} {'median skill':>12} {'spread':>7} {'min':>6} {'max':>6}"
    print(f"\n{header} {'refit':>6} {'median s':>9}")
    for variant, runs in results.items():
        handed = [r["handed"] for r in runs]
        print(
            f"{variant:<10} {statistics.median(handed):12.3f} {max(handed) - min(handed):7.3f} "
            f"{min(handed):6.3f} {max(handed):6.3f} "
            f"{statistics.median(r['refit'] for r in runs):6.3f} "
            f"{statistics.median(r['seconds'] for r in runs):9.0f}"
        )
    if args.out:
        args.out.write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    with recorded("selection"):
        main()
