"""A stored test score as rows: the same figures for the terminal, the note and the report."""

from __future__ import annotations

from search.results.baselines import CLASSICAL, label
from search.results.metrics import METRICS, SERIES_METRIC, SKILL_METRIC
from search.store import TestScore

SHOWN_SERIES = 20
"""A panel's score lists each series up to this many; beyond, the worst and best half of them."""


def forecasters(score: TestScore) -> dict[str, str]:
    """The forecasts a stored test score holds, by key, with the label each is shown under."""
    season = score.season
    labels = {
        "model": f"selected model (trial {score.trial})",
        "refit": f"refit on train+validation ({score.refit_epochs} epochs)",
        "persistence": "persistence (last value)",
        "seasonal_naive": f"seasonal naive (season {season})",
        **{key: label(key, season) for key in CLASSICAL},
    }
    return {key: text for key, text in labels.items() if key in score.forecasts}


def score_rows(score: TestScore) -> tuple[list[str], list[list[object]]]:
    """Headers and one row per forecast of a stored test score: its errors over every step (a
    metric the score was stored without shows as None)."""
    rows: list[list[object]] = [
        [text, *(score.forecasts[key].metrics.get(metric) for metric in METRICS)]
        for key, text in forecasters(score).items()
    ]
    return ["forecast", *METRICS], rows


def series_rows(score: TestScore) -> tuple[list[str], list[list[object]]]:
    """Headers and one row per series of a panel's score, worst SERIES_METRIC of the model
    first: that metric of the model and of each baseline. Past SHOWN_SERIES series, the worst
    and the best ones only, SHOWN_SERIES in all."""
    by_series = {
        key: found
        for key in forecasters(score)
        if (found := score.forecasts[key].by_series) is not None
    }
    keys = list(by_series)
    names = sorted(by_series["model"], key=lambda name: -by_series["model"][name][SERIES_METRIC])
    if len(names) > SHOWN_SERIES:
        names = names[: SHOWN_SERIES // 2] + names[-SHOWN_SERIES // 2 :]
    rows = [[name, *(by_series[key][name][SERIES_METRIC] for key in keys)] for name in names]
    return [f"series ({METRICS[SERIES_METRIC].label})", *keys], rows


def step_rows(score: TestScore) -> tuple[list[str], list[list[object]]]:
    """Headers and one row per forecast: its MSE at each horizon step, in data units."""
    steps = len(score.model.mse_by_step)
    rows = [[text, *score.forecasts[key].mse_by_step] for key, text in forecasters(score).items()]
    return ["forecast", *(f"step {h}" for h in range(1, steps + 1))], rows


def skill_lines(score: TestScore) -> list[str]:
    """Each model's skill against persistence and the best baseline; the baselines skipped."""
    labels = forecasters(score)
    best = labels.get(score.best_baseline, score.best_baseline)
    panel = score.series is not None
    judged = METRICS[SKILL_METRIC]
    error = judged.label
    if panel and judged.aggregate == "series mean":
        error = " ".join(filter(None, ("mean", judged.unit, judged.label)))
    lines = [
        f"skill of the {'refit' if key == 'refit' else 'selected'} model"
        f"{' (the one export and predict use)' if key == 'model' else ''}: "
        f"{model.skill:.3f} against persistence, "
        f"{model.skill_vs_best_baseline:.3f} against the best baseline, {best} "
        f"(1 - {error} model / {judged.label} baseline)"
        for key in ("model", "refit")
        if (model := score.forecasts.get(key)) is not None
    ]
    if panel:
        shares = ", ".join(
            f"{labels.get(other, other)} on {share:.0%}"
            for other, share in (score.model.beats or {}).items()
        )
        compared = METRICS[SERIES_METRIC].label
        lines.append(f"the selected model's {compared} is lower than: {shares} of the series")
    lines += [f"{label(key, None)} skipped: {why}" for key, why in score.skipped.items()]
    return lines
