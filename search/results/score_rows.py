"""A stored test score as rows: the same figures for the terminal, the note and the report."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

METRICS = ("mse", "mae", "mse_scaled", "mae_scaled")


def forecasters(score: Mapping[str, Any]) -> dict[str, str]:
    """The forecasts a stored test score holds, by key, with the label each is shown under."""
    labels = {
        "model": f"best model (trial {score['trial']})",
        "persistence": "persistence (last value)",
        "seasonal_naive": f"seasonal naive (season {score.get('season')})",
    }
    return {key: label for key, label in labels.items() if key in score}


def score_rows(score: Mapping[str, Any]) -> tuple[list[str], list[list[object]]]:
    """Headers and one row per forecast of a stored test score: its errors over every step."""
    rows = [
        [label, *(score[key][metric] for metric in METRICS)]
        for key, label in forecasters(score).items()
    ]
    return ["forecast", *METRICS], rows


def step_rows(score: Mapping[str, Any]) -> tuple[list[str], list[list[object]]]:
    """Headers and one row per forecast: its MSE at each horizon step, in data units."""
    steps = len(score["model"].get("mse_by_step", []))
    rows = [[label, *score[key]["mse_by_step"]] for key, label in forecasters(score).items()]
    return ["forecast", *(f"step {h}" for h in range(1, steps + 1))], rows
