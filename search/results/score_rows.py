"""A stored test score as rows: the same figures for the terminal, the note and the report."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from search.results.baselines import CLASSICAL, label
from search.results.metrics import METRICS, SERIES_METRIC, SKILL_METRIC

SHOWN_SERIES = 20
"""A panel's score lists each series up to this many; beyond, the worst and best half of them."""


def forecasters(score: Mapping[str, Any]) -> dict[str, str]:
    """The forecasts a stored test score holds, by key, with the label each is shown under."""
    season = score.get("season")
    labels = {
        "model": f"selected model (trial {score['trial']})",
        "refit": f"refit on train+validation ({score.get('refit_epochs')} epochs)",
        "persistence": "persistence (last value)",
        "seasonal_naive": f"seasonal naive (season {season})",
        **{key: label(key, season) for key in CLASSICAL},
    }
    return {key: text for key, text in labels.items() if key in score}


def score_rows(score: Mapping[str, Any]) -> tuple[list[str], list[list[object]]]:
    """Headers and one row per forecast of a stored test score: its errors over every step (a
    metric the score was stored without shows as None)."""
    rows = [
        [text, *(score[key].get(metric) for metric in METRICS)]
        for key, text in forecasters(score).items()
    ]
    return ["forecast", *METRICS], rows


def series_rows(score: Mapping[str, Any]) -> tuple[list[str], list[list[object]]]:
    """Headers and one row per series of a panel's score, worst SERIES_METRIC of the model
    first: that metric of the model and of each baseline. Past SHOWN_SERIES series, the worst
    and the best ones only, SHOWN_SERIES in all."""
    keys = [key for key in forecasters(score) if "by_series" in score[key]]
    by_series = {key: score[key]["by_series"] for key in keys}
    names = sorted(by_series["model"], key=lambda name: -by_series["model"][name][SERIES_METRIC])
    if len(names) > SHOWN_SERIES:
        names = names[: SHOWN_SERIES // 2] + names[-SHOWN_SERIES // 2 :]
    rows = [[name, *(by_series[key][name][SERIES_METRIC] for key in keys)] for name in names]
    return [f"series ({METRICS[SERIES_METRIC].label})", *keys], rows


def step_rows(score: Mapping[str, Any]) -> tuple[list[str], list[list[object]]]:
    """Headers and one row per forecast: its MSE at each horizon step, in data units."""
    steps = len(score["model"].get("mse_by_step", []))
    rows = [[text, *score[key]["mse_by_step"]] for key, text in forecasters(score).items()]
    return ["forecast", *(f"step {h}" for h in range(1, steps + 1))], rows


def skill_lines(score: Mapping[str, Any]) -> list[str]:
    """Each model's skill against persistence and the best baseline; the baselines skipped."""
    labels = forecasters(score)
    best = labels.get(score["best_baseline"], score["best_baseline"])
    judged = METRICS[SKILL_METRIC]
    error = judged.label
    if "series" in score and judged.aggregate == "series mean":
        error = " ".join(filter(None, ("mean", judged.unit, judged.label)))
    lines = [
        f"skill of the {'refit' if key == 'refit' else 'selected'} model"
        f"{' (the one export and predict use)' if key == 'model' else ''}: "
        f"{score[key]['skill']:.3f} against persistence, "
        f"{score[key]['skill_vs_best_baseline']:.3f} against the best baseline, {best} "
        f"(1 - {error} model / {judged.label} baseline)"
        for key in ("model", "refit")
        if key in score
    ]
    if "series" in score:
        shares = ", ".join(
            f"{labels.get(other, other)} on {share:.0%}"
            for other, share in score["model"]["beats"].items()
        )
        compared = METRICS[SERIES_METRIC].label
        lines.append(f"the selected model's {compared} is lower than: {shares} of the series")
    lines += [f"{label(key, None)} skipped: {why}" for key, why in score.get("skipped", {}).items()]
    return lines
