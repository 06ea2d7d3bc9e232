"""`lstm-search report STUDY`: the pictures of a study, as PNG files.

- history.png: best validation MSE so far, against finished trials and wall time, with
  persistence's validation MSE as the line to beat;
- importances.png: Optuna's parameter importances (its default evaluator, PED-ANOVA);
- learning_curves.png: validation MSE per epoch of the top trials;
- test_forecast.png: the best model's (and its refit's) one-step forecasts of the test split
  against the actual values and the persistence baseline (for a panel: of the series where the
  model's MASE is worst, median and best);
- test_scores.png: the stored test score of the models and every baseline, one chart for each
  metric its registry row draws (MSE and MASE).
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import matplotlib
import numpy as np
import optuna
import torch
from matplotlib.figure import Figure
from optuna.trial import FrozenTrial, TrialState

from search.cli.parsing import (
    add_data_options,
    file_name,
    open_named_study,
    output_dir,
    study_parser,
    writing,
)
from search.cli.plots import best_so_far, plot_best_so_far, save_png
from search.data import ForecastDataset
from search.errors import ConfigError
from search.results import (
    METRICS,
    MODELS,
    SERIES_METRIC,
    HeldOutForecasts,
    best_held_out_forecasts,
    best_score,
    errors,
    forecasters,
    require_best,
    score_rows,
    study_dataset,
)
from search.store import TestScore, ranked, read_config

TOP_CURVES = 5


def report(argv: Sequence[str]) -> int:
    """PNG plots of a study's history, importances, learning curves and test forecast"""
    parser = study_parser("report", report.__doc__)
    parser.add_argument(
        "--out", type=output_dir, help="directory for the PNG files (default: report-STUDY)"
    )
    add_data_options(parser, season=True)
    args = parser.parse_args(argv)
    study, url = open_named_study(args)
    complete = study.get_trials(deepcopy=False, states=(TrialState.COMPLETE,))
    if not complete:
        raise ConfigError(f"study {args.study!r} has no complete trial yet; run the search first")
    out = args.out or Path(f"report-{file_name(study.study_name)}")
    with writing(out, "--out"):
        out.mkdir(parents=True, exist_ok=True)
    dataset = study_dataset(study, args.data)
    persistence = _persistence_val_mse(study, dataset)
    written = [
        plot_best_so_far(
            {study.study_name: [best_so_far(study.get_trials(deepcopy=False))]},
            out / "history.png",
            f"{study.study_name}: best validation MSE so far",
            threshold=persistence,
            threshold_label=f"persistence ({persistence:.3g})",
        ),
        save_png(learning_curves(complete), out / "learning_curves.png"),
    ]
    importances = parameter_importances(study)
    if importances is not None:
        written.append(save_png(importances, out / "importances.png"))
    best = require_best(study, url)
    forecasts = best_held_out_forecasts(study, dataset, best, args.season)
    figure = forecast_figure(forecasts, best.trial, dataset.series.target, study.study_name)
    written.append(save_png(figure, out / "test_forecast.png"))
    score = best_score(study, url, lambda: dataset, best, args.season)
    written.append(save_png(score_figure(score, study.study_name), out / "test_scores.png"))
    for path in written:
        print(f"wrote {path}")
    if importances is None:
        print("importances: skipped, they need two complete trials with different parameters")
    return 0


def learning_curves(complete: Sequence[FrozenTrial]) -> Figure:
    """Validation MSE per epoch of the best few complete trials, the best one marked."""
    figure = Figure(figsize=(8, 4.8), layout="constrained")
    axes = figure.subplots()
    top = ranked(complete)[:TOP_CURVES]
    for rank, trial in enumerate(top):
        epochs = sorted(trial.intermediate_values)
        axes.plot(
            epochs,
            [trial.intermediate_values[e] for e in epochs],
            marker="o",
            markersize=3,
            linewidth=2.5 if rank == 0 else 1.2,
            label=f"trial {trial.number} (best {trial.value:.3g})",
        )
    axes.set_xlabel("epoch")
    axes.set_ylabel("validation MSE (scaled)")
    axes.grid(True, alpha=0.3)
    axes.legend()
    axes.set_title(f"learning curves of the top {len(top)} trials")
    return figure


def parameter_importances(study: optuna.Study) -> Figure | None:
    """Optuna's parameter importances; None until two trials are complete.

    With fewer, Optuna's default evaluator (PED-ANOVA) has nothing to compare and draws every
    parameter as equally unimportant.
    """
    if len(study.get_trials(deepcopy=False, states=(TrialState.COMPLETE,))) < 2:
        return None
    matplotlib.use("Agg")  # Optuna's matplotlib plots go through pyplot; never open a window
    from matplotlib import pyplot

    # Optuna switches pyplot to its "ggplot" style; rc_context keeps that out of our figures.
    with warnings.catch_warnings(), matplotlib.rc_context():
        warnings.simplefilter("ignore", optuna.exceptions.ExperimentalWarning)
        try:
            axes = optuna.visualization.matplotlib.plot_param_importances(study)
        except (RuntimeError, ValueError):
            return None
    figure = axes.get_figure()
    assert isinstance(figure, Figure)  # Optuna draws on a figure of its own, not a subfigure
    pyplot.close(figure)  # drop pyplot's reference; the figure itself stays usable
    figure.set_size_inches(8, 4.8)
    figure.set_layout_engine("constrained")
    return figure


def forecast_figure(
    forecasts: HeldOutForecasts, trial: FrozenTrial, target: str, study_name: str
) -> Figure:
    """Step-1 test forecasts of the best model and persistence against the actual values; the
    legend's MSEs are step 1's, as in the score table's per-step rows. For a panel, one panel
    each for the series where the model's SERIES_METRIC is worst, median and best."""
    assert forecasts.model is not None  # drawn once the best model has forecast the windows
    if not forecasts.names:
        figure = Figure(figsize=(12, 4.8), layout="constrained")
        shown = [("", np.ones(len(forecasts.actual), dtype=bool))]
    else:
        by_series: Mapping[str, Mapping[str, float]] = errors(forecasts.model, forecasts)[
            "by_series"
        ]
        worst_first = sorted(by_series, key=lambda name: -by_series[name][SERIES_METRIC])
        compared = METRICS[SERIES_METRIC].label
        picks = dict.fromkeys([worst_first[0], worst_first[len(worst_first) // 2], worst_first[-1]])
        figure = Figure(figsize=(12, 3.6 * len(picks)), layout="constrained")
        shown = [
            (
                f"{rank} {compared}: series {name!r} ({by_series[name][SERIES_METRIC]:.3g}), ",
                forecasts.series == forecasts.names.index(name),
            )
            for rank, name in zip(("worst", "median", "best"), picks, strict=False)
        ]
    for axes, (title, mine) in zip(
        np.atleast_1d(figure.subplots(len(shown), 1)), shown, strict=True
    ):
        _forecast_axes(axes, forecasts, mine, trial, target)
        axes.set_title(f"{title or study_name + ': '}{target}, test split, one step ahead")
    if forecasts.names:
        figure.suptitle(f"{study_name}: {len(forecasts.names)} series")
    return figure


def _forecast_axes(
    axes: Any, forecasts: HeldOutForecasts, mine: np.ndarray, trial: FrozenTrial, target: str
) -> None:
    """One series' step-1 forecasts: the windows `mine` of `forecasts`."""
    actual = forecasts.actual[mine, 0]
    x = forecasts.time[mine] if forecasts.time is not None else np.arange(len(actual))
    lines = [
        (
            "persistence",
            forecasts.persistence,
            {"color": "0.55", "linestyle": "--", "linewidth": 1.0},
        ),
        (f"trial {trial.number}", forecasts.model, {"color": "tab:red", "linewidth": 1.2}),
        (
            "its refit on train + validation",
            forecasts.refit,
            {"color": "tab:blue", "linewidth": 1.0},
        ),
    ]
    axes.plot(x, actual, color="black", linewidth=1.6, label="actual")
    for label, values, style in lines:
        if values is not None:
            mse = float(np.mean((values[mine, 0] - actual) ** 2))
            axes.plot(x, values[mine, 0], label=f"{label} (step-1 MSE {mse:.3g})", **style)
    axes.set_xlabel("time" if forecasts.time is not None else "row")
    axes.set_ylabel(f"{target} (data units)")
    axes.grid(True, alpha=0.3)
    axes.legend()


def score_figure(score: TestScore, study_name: str) -> Figure:
    """The stored test score of every forecast, as bars (the models in red): a chart for each
    metric drawn for one series or for a panel."""
    panel = score.series is not None
    drawn = [m for m in METRICS.values() if ("panel" if panel else "series") in m.drawn]
    headers, rows = score_rows(score)
    labels = [row[0] for row in rows]
    models = set(forecasters(score).values()) & {forecasters(score).get(key) for key in MODELS}
    colors = ["tab:red" if label in models else "0.6" for label in labels]
    figure = Figure(figsize=(12, 0.5 * len(rows) + 1.5), layout="constrained")
    subplots = figure.subplots(1, len(drawn), sharey=True, squeeze=False)[0]
    for axes, metric in zip(subplots, drawn, strict=True):
        # No bar for a metric a forecast was stored without (added to the registry since).
        values = [
            math.nan if v is None else v for v in (r[headers.index(metric.name)] for r in rows)
        ]
        axes.barh(labels, values, color=colors)
        axes.invert_yaxis()
        axes.set_xlabel(metric.axis_label(panel))
        axes.grid(True, axis="x", alpha=0.3)
    figure.suptitle(f"{study_name}: {score.windows} held-out test windows")
    return figure


def _persistence_val_mse(study: optuna.Study, dataset: ForecastDataset) -> float:
    """Persistence's validation MSE in the model's units, where its forecast change is 0."""
    config = read_config(study.user_attrs)
    assert config is not None  # the dataset was read by it
    val = dataset.windows(config.seq_len)["val"]
    return float(val.batch(torch.arange(len(val)))[1].square().mean())
