"""Time to quality: the source notes' search against `lstm-search --strategy bayes`, same budget.

The real measurement (it prints a per-seed table, the median ratio and the target check):

    python benchmarks/time_to_quality.py --out time_to_quality.json

(the defaults: N = 20 trials per side, seeds 0 and 1, 10 baseline epochs: under 30 minutes on
a 2-core machine).

Both sides search the `seed` space for N trials on the bundled CO2 series and are scored by the
same validation definition: `search.training.train.evaluate` (MSE on the scaled series) over the
validation windows of `ForecastDataset(load_series())`, default split, horizon 1, seq_len
`SearchOptions().seq_len`.

- Baseline, written the way the notes do it: `skopt.gp_minimize(objective, dims, n_calls=N,
  random_state=seed)` in this process with torch's default thread count. Each call builds the
  `stacked` model, trains it with Adam through `DataLoader(TensorDataset(x, y), shuffle=True)`
  for a fixed number of epochs (`--baseline-epochs`, default 10, where good CO2 configurations
  are near their best; more epochs make the baseline's run longer, not its search smarter),
  with no pruning and no early stopping, and scores the final epoch's validation MSE, as the
  notes do. Its clock starts when gp_minimize is called (data already loaded); a call's time is
  when its evaluation finished.
- Ours: the real CLI as a subprocess (`python -m search` run from the repository root, so it is
  the same checkout the baseline imports), `lstm-search --strategy bayes --trials N --seed S
  --storage <fresh sqlite> --quiet` with every other option at its default (one thread per
  worker by design; best-epoch validation MSE with early stopping and the median pruner). Its
  clock starts just before the process is launched, so start-up, imports, data loading and the
  final summary count against it; a trial's time is its `datetime_complete`. `--ours-args`
  appends arguments (e.g. `--epochs 1` for a smoke run); the real measurement passes none.

Threads: the baseline keeps torch's default (all cores), as the notes do; on a busy 2-core
machine that alone can cost it several times over (OpenMP threads spin-waiting). Running the
whole benchmark under `OMP_NUM_THREADS=1` gives the baseline one thread too, which separates the
search's gain from that effect; the header line prints the thread count used.

Time to quality (TTQ) of a side: the first time its best-so-far reached the baseline's final best
validation loss of the same seed (for the baseline, the time of its best call). Ratio = baseline
TTQ / ours TTQ; a seed where ours never gets there counts as ratio 0. Target: median ratio >= 3
with ours' median best loss at most the baseline's. Seeds are interleaved and alternate which
side runs first, so drift on the (shared) machine hits both. The run takes the sum of both
sides' searches over all seeds; lower --trials, --seeds or --baseline-epochs to fit a time box,
and report the command used. Run it as a script (it imports `train_throughput` beside it).
"""

from __future__ import annotations

import argparse
import json
import math
import shlex
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass, field
from datetime import datetime
from pathlib import Path

import optuna
import torch
from optuna.distributions import CategoricalDistribution, FloatDistribution, IntDistribution
from optuna.trial import TrialState
from record import recorded
from skopt import gp_minimize
from skopt.space import Categorical, Dimension, Integer, Real
from torch.utils.data import DataLoader, TensorDataset
from train_throughput import plain_loop  # the notes' training loop, shared with that benchmark

from models import build_model
from search.data.series import load_series
from search.data.windows import ForecastDataset, WindowSplit
from search.run.options import SearchOptions
from search.training.hyperparameters import load_search_space
from search.training.recipe import model_config
from search.training.train import evaluate
from spaces import Space

REPO = Path(__file__).resolve().parents[1]
# gp_minimize's default, and the random phase of our bayes strategy too.
INITIAL_POINTS = 10
# A diverged baseline call is told this instead of NaN (which would break the GP): about 8x
# persistence's validation MSE on CO2, large but on the scale of the other values.
DIVERGED = 10.0


@dataclass
class SideRun:
    """One side's search for one seed: wall seconds and (seconds, value, params) per result."""

    wall_s: float
    events: list[dict[str, object]] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)

    @property
    def best(self) -> float:
        return min((float(e["value"]) for e in self.events), default=math.inf)

    def time_to(self, target: float) -> float | None:
        """Seconds until the best-so-far was <= `target`, or None if it never was."""
        return next((float(e["t"]) for e in self.events if float(e["value"]) <= target), None)


def skopt_dimensions(space: Space) -> list[Dimension]:
    """The space's Optuna distributions as the skopt dimensions the notes would write."""
    dims: list[Dimension] = []
    for param in space.params:
        dist = param.distribution
        if param.condition is not None or getattr(dist, "step", None) not in (None, 1):
            raise ValueError(f"{param.name}: conditional or stepped parameters are not supported")
        prior = "log-uniform" if getattr(dist, "log", False) else "uniform"
        if isinstance(dist, IntDistribution):
            dims.append(Integer(dist.low, dist.high, prior=prior, name=param.key))
        elif isinstance(dist, FloatDistribution):
            dims.append(Real(dist.low, dist.high, prior=prior, name=param.key))
        elif isinstance(dist, CategoricalDistribution):
            dims.append(Categorical(list(dist.choices), name=param.key))
        else:
            raise ValueError(f"{param.name}: unsupported distribution {type(dist).__name__}")
    return dims


def run_baseline(
    dataset: ForecastDataset, windows: dict[str, WindowSplit], trials: int, epochs: int, seed: int
) -> SideRun:
    """gp_minimize over the seed space, fixed-epoch DataLoader training, final-epoch val MSE."""
    train = windows["train"]
    x, y = train.batch(torch.arange(len(train)))  # (N, L, F), (N, 1, 1)
    dims = skopt_dimensions(load_search_space("seed"))
    run = SideRun(wall_s=0.0, counts={"diverged": 0})

    def objective(point: list[object]) -> float:
        hyper = {dim.name: _plain(value) for dim, value in zip(dims, point, strict=True)}
        model = build_model("stacked", model_config(hyper, dataset))
        loader = DataLoader(TensorDataset(x, y), batch_size=int(hyper["batch_size"]), shuffle=True)
        plain_loop(model, loader, epochs, float(hyper["learning_rate"]))
        loss = evaluate(model, windows["val"])
        if not math.isfinite(loss):
            run.counts["diverged"] += 1
            loss = DIVERGED
        run.events.append({"t": time.perf_counter() - started, "value": loss, "params": hyper})
        return loss

    torch.manual_seed(seed)
    started = time.perf_counter()
    gp_minimize(
        objective,
        dims,
        n_calls=trials,
        n_initial_points=min(INITIAL_POINTS, trials),  # gp_minimize refuses n_calls < 10
        random_state=seed,
    )
    run.wall_s = time.perf_counter() - started
    return run


def ours_command(trials: int, seed: int, url: str, extra: list[str]) -> list[str]:
    """The search command line; run from the repository root, so it is this checkout's code."""
    return [
        sys.executable,
        "-m",
        "search",
        "--strategy",
        "bayes",
        "--trials",
        str(trials),
        "--seed",
        str(seed),
        "--storage",
        url,
        "--quiet",
        *extra,
    ]


def run_ours(trials: int, seed: int, extra: list[str]) -> SideRun:
    """`lstm-search --strategy bayes` on a fresh SQLite file; trial times from process launch."""
    with tempfile.TemporaryDirectory() as directory:
        url = f"sqlite:///{Path(directory) / 'bench.db'}"
        command = ours_command(trials, seed, url, extra)
        launched, started = datetime.now(), time.perf_counter()
        done = subprocess.run(command, capture_output=True, text=True, cwd=REPO)
        wall_s = time.perf_counter() - started
        if done.returncode != 0:
            raise RuntimeError(
                f"{shlex.join(command)} exited with {done.returncode}:\n{done.stderr[-2000:]}"
            )
        study = optuna.load_study(study_name="co2-bayes", storage=url)
        frozen = study.get_trials(deepcopy=False)
    run = SideRun(wall_s=wall_s)
    for state in (TrialState.COMPLETE, TrialState.PRUNED, TrialState.FAIL):
        run.counts[state.name.lower()] = sum(t.state == state for t in frozen)
    complete = [t for t in frozen if t.state == TrialState.COMPLETE]
    for trial in sorted(complete, key=lambda t: t.datetime_complete):
        seconds = (trial.datetime_complete - launched).total_seconds()
        run.events.append({"t": seconds, "value": trial.value, "params": trial.params})
    return run


def compare(baseline: SideRun, ours: SideRun) -> dict[str, object]:
    """Best losses, times to the baseline's final best, and their ratio."""
    target = baseline.best
    base_ttq, ours_ttq = baseline.time_to(target), ours.time_to(target)
    ratio = base_ttq / ours_ttq if base_ttq is not None and ours_ttq is not None else None
    return {
        "baseline_best": target,
        "ours_best": ours.best,
        "baseline_ttq_s": base_ttq,
        "ours_ttq_s": ours_ttq,
        "ratio": ratio,
    }


def report(results: list[dict[str, object]]) -> dict[str, object]:
    """Print the per-seed table and the summary line; return the summary numbers."""
    print(
        f"\n{'seed':>4} {'first':>8} {'base wall':>9} {'base best':>9} {'base TTQ':>11} "
        f"{'ours wall':>9} {'ours best':>9} {'ours TTQ':>11} {'ratio':>7}"
    )
    for r in results:
        ratio = "fail" if r["ratio"] is None else f"{r['ratio']:.2f}x"
        print(
            f"{r['seed']:>4} {r['first']:>8} {r['baseline_wall_s']:>9.1f} "
            f"{r['baseline_best']:>9.4g} {_s(r['baseline_ttq_s']):>11} {r['ours_wall_s']:>9.1f} "
            f"{r['ours_best']:>9.4g} {_s(r['ours_ttq_s']):>11} {ratio:>7}"
        )
    ratio = statistics.median(r["ratio"] or 0.0 for r in results)
    base_best = statistics.median(r["baseline_best"] for r in results)
    ours_best = statistics.median(r["ours_best"] for r in results)
    met = ratio >= 3 and ours_best <= base_best
    print(
        f"median time-to-quality ratio {ratio:.2f}x (not reached counts as 0); median best "
        f"validation MSE: baseline {base_best:.4g}, ours {ours_best:.4g}; target (>= 3x at equal "
        f"or better loss): {'met' if met else 'NOT met'}"
    )
    return {
        "median_ratio": ratio,
        "baseline_best": base_best,
        "ours_best": ours_best,
        "target_met": met,
    }


def _plain(value: object) -> object:
    """A numpy scalar from skopt as the Python value (JSON, torch sizes)."""
    return value.item() if hasattr(value, "item") else value


def _s(seconds: float | None) -> str:
    return "not reached" if seconds is None else f"{seconds:.1f}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    # Defaults sized to finish within 30 minutes on 2 cores: the baseline trains every call,
    # the largest configurations included (about 10 s an epoch), for all its epochs.
    parser.add_argument("--trials", type=int, default=20, help="N for both sides (default: 20)")
    parser.add_argument("--seeds", default="0,1", help="comma-separated (default: 0,1)")
    parser.add_argument(
        "--baseline-epochs", type=int, default=10, help="fixed epochs per baseline call (10)"
    )
    parser.add_argument("--ours-args", default="", help="extra lstm-search arguments (smoke)")
    parser.add_argument("--out", type=Path, help="write the raw numbers as JSON here")
    args = parser.parse_args()
    seeds = [int(s) for s in args.seeds.split(",")]
    extra = shlex.split(args.ours_args)
    dataset = ForecastDataset(load_series())
    windows = dataset.windows(SearchOptions().seq_len)
    print(
        f"{args.trials} trials per side, seeds {seeds}; baseline: gp_minimize, "
        f"{args.baseline_epochs} epochs, {torch.get_num_threads()} torch threads; ours: "
        f"{shlex.join(ours_command(args.trials, 0, '<fresh sqlite>', extra))}",
        flush=True,
    )
    results: list[dict[str, object]] = []
    began = time.perf_counter()
    for i, seed in enumerate(seeds):
        order = ("baseline", "ours") if i % 2 == 0 else ("ours", "baseline")
        runs: dict[str, SideRun] = {}
        for side in order:
            if side == "baseline":
                runs[side] = run_baseline(dataset, windows, args.trials, args.baseline_epochs, seed)
            else:
                runs[side] = run_ours(args.trials, seed, extra)
            run = runs[side]
            print(
                f"seed {seed}: {side} done in {run.wall_s:.1f} s, best {run.best:.4g} "
                f"{run.counts} (elapsed {time.perf_counter() - began:.0f} s)",
                flush=True,
            )
        row = {"seed": seed, "first": order[0], **compare(runs["baseline"], runs["ours"])}
        row.update({f"{side}_wall_s": run.wall_s for side, run in runs.items()})
        results.append({**row, "runs": {side: asdict(run) for side, run in runs.items()}})
    summary = report(results)
    print(f"total {time.perf_counter() - began:.0f} s")
    if args.out is not None:
        payload = {"args": vars(args) | {"out": str(args.out)}, **summary, "seeds": results}
        args.out.write_text(json.dumps(payload, indent=2))


if __name__ == "__main__":
    with recorded("time_to_quality"):
        main()
