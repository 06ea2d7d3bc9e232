"""Subcommands that read studies back: `studies`, `show STUDY`, `best STUDY [--json]`."""

from __future__ import annotations

import argparse
import json
from collections.abc import Sequence

import optuna

from search.errors import ConfigError
from search.parsing import OneLineParser, add_storage
from search.progress import best_trial
from search.slots import count
from search.storage import masked, open_storage, storage_url
from search.study import CONFIG_ATTR, TARGET_ATTR
from search.summary import table, trials_table


def studies(argv: Sequence[str]) -> int:
    """table of the studies in a storage"""
    args = _parser("studies", studies.__doc__).parse_args(argv)
    url = storage_url(args.storage)
    storage = open_storage(url, create=False)
    rows = []
    for summary in optuna.get_all_study_summaries(storage, include_best_trial=False):
        study = optuna.load_study(study_name=summary.study_name, storage=storage)
        best = best_trial(study)
        config = study.user_attrs.get(CONFIG_ATTR, {})
        rows.append(
            [
                summary.study_name,
                config.get("strategy"),
                f"{count(study)[0]}/{study.user_attrs.get(TARGET_ATTR, '?')}",
                best.value if best else None,
            ]
        )
    if not rows:
        print(f"no studies in {masked(url)}")
        return 0
    print(table(["study", "strategy", "finished", "best_val_loss"], rows))
    return 0


def show(argv: Sequence[str]) -> int:
    """trials table of a study"""
    parser = _parser("show", show.__doc__)
    parser.add_argument("study")
    args = parser.parse_args(argv)
    study = _load(args.study, args.storage)
    print(trials_table(study.get_trials(deepcopy=False)))
    return 0


def best(argv: Sequence[str]) -> int:
    """the best trial of a study"""
    parser = _parser("best", best.__doc__)
    parser.add_argument("study")
    parser.add_argument("--json", action="store_true", help="machine-readable output")
    args = parser.parse_args(argv)
    study = _load(args.study, args.storage)
    trial = best_trial(study)
    if trial is None:
        raise ConfigError(f"study {args.study!r} has no complete trial yet; run the search first")
    record = {
        "study": study.study_name,
        "trial": trial.number,
        "val_loss": trial.value,
        "params": trial.params,
        "attributes": trial.user_attrs,
        "finished_trials": count(study)[0],
    }
    if args.json:
        print(json.dumps(record, indent=2))
        return 0
    print(f"{study.study_name}: best trial {trial.number}, validation MSE {trial.value:.4g}")
    print(table(["parameter", "value"], list(trial.params.items())))
    print(table(["attribute", "value"], list(trial.user_attrs.items())))
    return 0


def _parser(name: str, help_text: str | None) -> argparse.ArgumentParser:
    parser = OneLineParser(prog=f"lstm-search {name}", description=help_text)
    add_storage(parser)
    parser.add_argument("--debug", action="store_true", help="tracebacks on errors")
    return parser


def _load(name: str, url: str | None) -> optuna.Study:
    url = storage_url(url)
    storage = open_storage(url, create=False)
    try:
        return optuna.load_study(study_name=name, storage=storage)
    except KeyError:
        names = ", ".join(optuna.get_all_study_names(storage)) or "none"
        raise ConfigError(
            f"no study {name!r} in {masked(url)} (studies: {names}); check the "
            "name with lstm-search studies"
        ) from None
