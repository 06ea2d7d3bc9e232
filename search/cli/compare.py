"""`lstm-search compare`: several strategies at the same budget, each in its own study.

Every (strategy, repeat) is an ordinary study named `<prefix>-<strategy>-r<repeat>` in the one
storage, run as `lstm-search` runs a search, so a compare resumes like any search and each of its
studies can be opened with `show`, `best` or the dashboard.
"""

from __future__ import annotations

import argparse
import math
import statistics
import time
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from optuna.storages import BaseStorage
from optuna.trial import FrozenTrial, TrialState

from search.cli.options import search_options, search_parser
from search.cli.plots import BestSoFar, best_so_far, plot_best_so_far
from search.console import Printer, table
from search.data import data_name
from search.errors import ConfigError
from search.run import (
    Plan,
    SearchOptions,
    best_model,
    held_out_score,
    open_search,
    plan,
    positive_int,
    prestarted,
    watched_trials,
)
from search.store import FINISHED, masked, read_target
from search.strategies import STRATEGIES
from search.text import printable

# "Within 5 % of the overall best" is how close a strategy must get to count as having found a
# good configuration; the table reports how many trials and seconds that took.
WITHIN = 0.05


@dataclass(frozen=True)
class Run:
    """One study of the race: a strategy's repeat and its best-so-far history."""

    strategy: str
    study: str
    curve: BestSoFar

    @property
    def best(self) -> float:
        """Best validation MSE of the study; nan while it has no complete trial."""
        return self.curve.best[-1] if self.curve.best else math.nan


def compare(argv: Sequence[str]) -> int:
    """race several strategies at the same budget"""
    args = _parser().parse_args(argv)
    strategies, repeats = args.strategies, args.repeats
    base = search_options(args)
    data, plans = _check_all(base, strategies, repeats, args.out)
    storage, url = plans[0].storage, plans[0].url
    prefix = base.study or f"compare-{data}"
    out = Path(args.out or f"{prefix}.png")
    each = f"{base.trials} trials each, {_plural(repeats, 'repeat')}"
    print(f"compare {', '.join(strategies)} on {data} ({each}) in {masked(url)}")
    runs = []
    for checked in plans:
        _run_one(checked)
        strategy, name = checked.options.strategy, checked.name
        runs.append(Run(strategy, name, best_so_far(_trials(storage, name))))
    overall = min((run.best for run in runs if math.isfinite(run.best)), default=math.nan)
    threshold = overall + WITHIN * abs(overall) if math.isfinite(overall) else None
    print()
    print(_table(runs, strategies, threshold))
    if threshold is not None:
        winner = next(run.study for run in runs if run.best == overall)
        print(
            f"within 5 %: validation MSE <= {threshold:.4g}, the overall best ({overall:.4g}, "
            f"{winner}) + 5 %"
        )
    if repeats > 1:
        print(
            f"medians over {repeats} repeats; one that never got within 5 % counts as slower "
            "than any that did"
        )
    seeds = f", seeds {base.seed}-{base.seed + repeats - 1}" if repeats > 1 else ""
    title = f"best-so-far by strategy: {data}, {base.trials} trials, space {base.space}{seeds}"
    curves = {s: [run.curve for run in runs if run.strategy == s] for s in strategies}
    plot_best_so_far(curves, out, title, threshold, "within 5 % of the overall best")
    print(f"plot: {out}")
    return 0


def strategy_list(text: str) -> tuple[str, ...]:
    """Comma-separated strategy names, each one of STRATEGIES, in the order given."""
    names = tuple(dict.fromkeys(name.strip() for name in text.split(",") if name.strip()))
    unknown = [name for name in names if name not in STRATEGIES]
    if unknown or not names:
        raise argparse.ArgumentTypeError(
            f"expected a comma-separated list of {', '.join(STRATEGIES)}, but got {text!r}"
        )
    return names


def _parser() -> argparse.ArgumentParser:
    parser = search_parser(
        "lstm-search compare",
        "Race search strategies at the same budget: each strategy and repeat runs as its own "
        "study (<study>-<strategy>-r<repeat>) in one storage; "
        "run again to resume. Prints a table and writes best-so-far curves as a PNG. "
        "--timeout applies to each study.",
        with_strategy=False,
        study_help="study name prefix (default: compare-<data>)",
    )
    parser.add_argument(
        "--strategies",
        type=strategy_list,
        default=",".join(STRATEGIES),
        metavar="LIST",
        help=f"comma-separated strategies to race (default: {','.join(STRATEGIES)})",
    )
    parser.add_argument(
        "--repeats",
        type=positive_int,
        default=1,
        metavar="R",
        help="runs of each strategy, with seeds SEED, SEED+1, ... (default: 1)",
    )
    parser.add_argument(
        "--out", metavar="FILE.png", help="PNG of the curves (default: <study prefix>.png)"
    )
    return parser


def _study_name(prefix: str, strategy: str, repeat: int) -> str:
    return f"{prefix}-{strategy}-r{repeat}"


def _options(base: SearchOptions, name: str, strategy: str, repeat: int) -> SearchOptions:
    """The search of one strategy's repeat: same data, space and budget; its own seed."""
    return replace(base, strategy=strategy, seed=base.seed + repeat, study=name)


def _check_all(
    base: SearchOptions, strategies: Sequence[str], repeats: int, out: str | None
) -> tuple[str, list[Plan]]:
    """Refuse before any study runs: every study's plan, and the --out directory.

    Checking all of them first keeps a refused compare from having run half its studies.
    Returns the data's name and the plans, repeat by repeat, strategy by strategy.
    """
    directory = Path(out or ".").parent
    if not directory.is_dir():
        raise ConfigError(f"directory {directory} for --out does not exist; create it first")
    data = data_name(base.data)
    prefix = base.study or f"compare-{data}"
    plans = [
        plan(_options(base, _study_name(prefix, strategy, repeat), strategy, repeat))
        for repeat in range(repeats)
        for strategy in strategies
    ]
    return data, plans


def _run_one(checked: Plan) -> None:
    """Run or resume one planned study; one line instead of a search's full summary."""
    storage, name = checked.storage, checked.name
    before = len(_trials(storage, name, FINISHED))
    started = time.monotonic()
    with prestarted(checked.options.workers) as pool:
        search = open_search(checked)
        watched_trials(search, pool, Printer(checked.options.quiet))
    # Stored on the study, as a search's end does.
    held_out_score(search, best_model(search))
    finished = len(_trials(storage, name, FINISHED))
    target = read_target(storage.get_study_user_attrs(storage.get_study_id_from_name(name)))
    best = best_so_far(_trials(storage, name)).best
    shown = f"best {best[-1]:.4g}" if best and math.isfinite(best[-1]) else "no complete trial"
    ran = finished - before
    done = f"+{ran} in {time.monotonic() - started:.0f} s" if ran else "already there"
    print(f"  {printable(name)}: {finished}/{target} finished ({done}), {shown}", flush=True)


def _trials(
    storage: BaseStorage, name: str, states: Sequence[TrialState] | None = None
) -> list[FrozenTrial]:
    """The study's trials in `states` (all when None); none while it does not exist."""
    try:
        study_id = storage.get_study_id_from_name(name)
    except KeyError:
        return []
    return storage.get_all_trials(study_id, deepcopy=False, states=states)


def _table(runs: Sequence[Run], strategies: Sequence[str], threshold: float | None) -> str:
    """One row per strategy: medians over its repeats."""
    rows = []
    for strategy in strategies:
        mine = [run for run in runs if run.strategy == strategy]
        bests = [run.best for run in mine if math.isfinite(run.best)]
        hits = [None if threshold is None else run.curve.first_within(threshold) for run in mine]
        # A repeat that never got within reach counts as slower than any that did (infinity),
        # so a median is only shown when more than half of the repeats got there.
        trials = [
            math.inf if i is None else run.curve.finished[i]
            for run, i in zip(mine, hits, strict=True)
        ]
        seconds = [
            math.inf if i is None else run.curve.seconds[i]
            for run, i in zip(mine, hits, strict=True)
        ]
        rows.append(
            [
                strategy,
                statistics.median(bests) if bests else None,
                _finite(statistics.median(trials)),
                _finite(statistics.median(seconds)),
                f"{sum(i is not None for i in hits)}/{len(mine)}",
            ]
        )
    return table(["strategy", "best_val_mse", "trials_to_5%", "seconds_to_5%", "reached"], rows)


def _finite(value: float) -> float | None:
    return value if math.isfinite(value) else None


def _plural(count: int, noun: str) -> str:
    return f"{count} {noun}{'s' if count != 1 else ''}"
