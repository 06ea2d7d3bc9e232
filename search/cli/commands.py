"""Subcommands that read studies back: `studies`, `show`, `best`, `export` and `predict`."""

from __future__ import annotations

import argparse
import json
from collections.abc import Sequence
from pathlib import Path

import optuna

from search.cli.parsing import (
    add_data_options,
    command_parser,
    file_name,
    open_named_study,
    output_file,
    study_parser,
    writing,
)
from search.console import score_table, table, trials_frame, trials_table
from search.results import (
    METRICS,
    best_score,
    forecast_study,
    handed_model,
    require_best,
    study_dataset,
)
from search.store import (
    best_trial,
    counts,
    masked,
    open_storage,
    read_config,
    read_target,
    read_test_score,
    storage_url,
)
from search.text import printable
from search.training import encode

SKILLS = ("skill", "skill_vs_best_baseline")
"""Of the model export and predict hand out (the selected trial's), in the studies table."""


def studies(argv: Sequence[str]) -> int:
    """table of the studies in a storage"""
    args = command_parser("studies", studies.__doc__).parse_args(argv)
    url = storage_url(args.storage)
    storage = open_storage(url, create=False)
    # Columns (forecast, metric) as the metrics ask, e.g. test_mse for the model's MSE.
    columns = [(forecast, name) for name, metric in METRICS.items() for forecast in metric.studies]
    rows = []
    for summary in optuna.get_all_study_summaries(storage, include_best_trial=False):
        study = optuna.load_study(study_name=summary.study_name, storage=storage)
        best = best_trial(study)
        attrs = study.user_attrs
        config, score, target = read_config(attrs), read_test_score(attrs), read_target(attrs)
        metrics = {
            key: forecast.metrics for key, forecast in (score.forecasts if score else {}).items()
        }
        rows.append(
            [
                summary.study_name,
                config.strategy if config else None,
                f"{counts(study).finished}/{target if target is not None else '?'}",
                best.value if best else None,
                (score.series or 1) if score else None,
                *(metrics.get(forecast, {}).get(name) for forecast, name in columns),
                score.model.skill if score else None,
                score.model.skill_vs_best_baseline if score else None,
            ]
        )
    if not rows:
        print(f"no studies in {masked(url)}")
        return 0
    headers = [
        "study",
        "strategy",
        "finished",
        "best_val_mse",
        "series",
        *(f"{'test' if forecast == 'model' else forecast}_{name}" for forecast, name in columns),
        *SKILLS,
    ]
    print(table(headers, rows))
    return 0


def show(argv: Sequence[str]) -> int:
    """trials table of a study"""
    parser = study_parser("show", show.__doc__)
    args = parser.parse_args(argv)
    study, _ = open_named_study(args)
    print(trials_table(study.get_trials(deepcopy=False)))
    return 0


def best(argv: Sequence[str]) -> int:
    """the best trial of a study"""
    parser = study_parser("best", best.__doc__)
    parser.add_argument("--json", action="store_true", help="machine-readable output")
    add_data_options(parser, season=True)
    args = parser.parse_args(argv)
    study, url = open_named_study(args)
    best_model = require_best(study, url)
    trial = best_model.trial
    score = best_score(study, url, lambda: study_dataset(study, args.data), best_model, args.season)
    record = {
        "study": study.study_name,
        "trial": trial.number,
        "val_loss": trial.value,
        "params": trial.params,
        "attributes": trial.user_attrs,
        "finished_trials": counts(study).finished,
        "test_score": score.to_json(),
    }
    if args.json:
        print(json.dumps(record, indent=2))
        return 0
    name = printable(study.study_name)
    print(f"{name}: best trial {trial.number}, validation MSE {trial.value:.4g}")
    print(table(["parameter", "value"], list(trial.params.items())))
    print(table(["attribute", "value"], list(trial.user_attrs.items())))
    print(score_table(score))
    return 0


def export(argv: Sequence[str]) -> int:
    """the best model as a file, and the trials as CSV"""
    parser = study_parser("export", export.__doc__)
    parser.add_argument("--out", type=output_file, help="model file to write (default: STUDY.pt)")
    parser.add_argument(
        "--trials-csv", type=output_file, metavar="FILE", help="also write the trials table"
    )
    add_refit(parser)
    args = parser.parse_args(argv)
    study, url = open_named_study(args)
    if args.trials_csv:
        with writing(args.trials_csv, "--trials-csv"):
            trials_frame(study.get_trials(deepcopy=False)).to_csv(args.trials_csv, index=False)
        print(f"trials: {args.trials_csv}")
        if args.out is None:
            return 0
    _, checkpoint, what = handed_model(study, url, args.refit)
    out = args.out or Path(f"{file_name(study.study_name)}.pt")
    with writing(out, "--out"):
        out.write_bytes(encode(checkpoint))
    print(f"model: {out} ({what}); load it with torch.load(path, weights_only=True)")
    return 0


def predict(argv: Sequence[str]) -> int:
    """forecast the steps after the end of the series (of each series, for a panel)"""
    parser = study_parser("predict", predict.__doc__)
    add_data_options(parser)
    parser.add_argument(
        "--out", type=output_file, help="CSV file for the forecast (default: print only)"
    )
    parser.add_argument(
        "--series", metavar="ID", help="a panel's series to forecast (default: every series)"
    )
    add_refit(parser)
    args = parser.parse_args(argv)
    study, url = open_named_study(args)
    made = forecast_study(study, url, args.data, args.series, args.refit)
    forecast, series = made.frame, made.series
    if args.out:
        with writing(args.out, "--out"):
            forecast.to_csv(args.out, index=not series.ids)
        print(f"forecast: {args.out}")
    if series.ids:
        skipped = f"; not forecast (left out of the search): {', '.join(made.left_out)}"
        print(
            f"{printable(study.study_name)}: forecast of {printable(series.target)} for "
            f"{forecast[series.id_col].nunique()} series by "
            f"{made.what}{skipped if made.left_out else ''}"
        )
        print(forecast.to_string(index=False))
        return 0
    last = series.time[-1] if series.time is not None else f"row {len(series.values)}"
    print(
        f"{printable(study.study_name)}: forecast of {printable(series.target)} after {last} by "
        f"{made.what}, "
        f"where the last observed value is {series.values[-1, 0]:.6g}"
    )
    print(forecast.to_string())
    return 0


def add_refit(parser: argparse.ArgumentParser) -> None:
    """--refit: the best configuration's refit on train + validation, not the trial's model."""
    parser.add_argument(
        "--refit",
        action="store_true",
        help="use the best configuration's refit on train + validation rather than the best "
        "trial's own model (default: the trial's own; see docs/results.md)",
    )
