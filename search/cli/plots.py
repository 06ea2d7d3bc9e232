"""Best-so-far history of studies and its picture, shared by `compare` and `report`.

Figures are built on `matplotlib.figure.Figure` with an Agg canvas, never through pyplot, so
drawing leaves no global figure state behind and needs no display.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.ticker import FormatStrFormatter, FuncFormatter, MaxNLocator
from optuna.trial import FrozenTrial, TrialState

from search.store import FINISHED

Y_LABEL = "best validation MSE (scaled)"
# Above this ratio between the largest and smallest value a linear axis flattens the late,
# small improvements that a comparison is about.
LOG_SPAN = 10.0
DPI = 120
# Strategies that share their first (random) trials draw identical curves; a dash pattern per
# name keeps every one of them visible where they overlap.
LINESTYLES = ("-", "--", ":", "-.")


@dataclass(frozen=True)
class BestSoFar:
    """One entry per finished (complete or pruned) trial of a study, in completion order."""

    finished: tuple[int, ...]  # 1-based count of finished trials
    seconds: tuple[float, ...]  # wall seconds since the first trial started, idle time left out
    best: tuple[float, ...]  # running minimum of COMPLETE values; nan until the first

    def first_within(self, threshold: float) -> int | None:
        """Position of the first entry whose best is at or below `threshold`, None if none."""
        return next((i for i, value in enumerate(self.best) if value <= threshold), None)


def best_so_far(trials: Iterable[FrozenTrial]) -> BestSoFar:
    """The best-so-far history of a study's trials (any order, any states).

    Pruned trials are counted but never lower the minimum; failed trials are not counted (they
    are retried and do not fill a slot) but their running time is. Time when no trial ran at all,
    such as the hours between a stopped search and its resume, is left out of `seconds`, so a
    resumed study's clock reads as if it had never stopped.
    """
    trials = list(trials)
    busy = _merged(
        (t.datetime_start, t.datetime_complete)
        for t in trials
        if t.datetime_start is not None and t.datetime_complete is not None
    )
    # (completion time, number, trial): the number breaks ties, so trials are never compared.
    finished = sorted(
        (t.datetime_complete, t.number, t)
        for t in trials
        if t.state in FINISHED and t.datetime_complete is not None
    )
    best, bests, seconds = math.inf, [], []
    for completed, _, trial in finished:
        if trial.state == TrialState.COMPLETE and trial.value is not None:
            best = min(best, trial.value)
        bests.append(best if math.isfinite(best) else math.nan)
        seconds.append(_busy_seconds(busy, completed))
    return BestSoFar(tuple(range(1, len(finished) + 1)), tuple(seconds), tuple(bests))


def best_so_far_figure(
    curves: Mapping[str, Sequence[BestSoFar]],
    title: str,
    threshold: float | None = None,
    threshold_label: str = "target",
) -> Figure:
    """Best-so-far against finished trials and against wall time, one colour per name.

    A name with several curves (repeats) draws each thin in its colour. A `threshold` is drawn as
    a dashed horizontal line on both axes.
    """
    figure = Figure(figsize=(12, 4.8), layout="constrained")
    by_trial, by_time = figure.subplots(1, 2, sharey=True)
    for index, (name, runs) in enumerate(curves.items()):
        label = name if len(runs) == 1 else f"{name} ({len(runs)} repeats, one line each)"
        style = {
            "color": f"C{index % 10}",
            "linestyle": LINESTYLES[index % len(LINESTYLES)],
            "linewidth": 2.0 if len(runs) == 1 else 1.0,
        }
        for run, curve in enumerate(runs):
            # Markers where the best improves: a one-trial curve is then still visible.
            marks = _improvements(curve.best)
            for axes, x in ((by_trial, curve.finished), (by_time, [s / 60 for s in curve.seconds])):
                axes.plot(
                    x,
                    curve.best,
                    drawstyle="steps-post",
                    marker="o",
                    markersize=3,
                    markevery=marks,
                    label=label if run == 0 else None,
                    **style,
                )
    if threshold is not None:
        for axes in (by_trial, by_time):
            axes.axhline(threshold, color="0.4", linestyle="--", linewidth=1, label=threshold_label)
    by_trial.set_xlabel("finished trials")
    by_trial.xaxis.set_major_locator(MaxNLocator(integer=True))
    by_time.set_xlabel("wall time (min)")
    by_time.set_xlim(left=0)
    by_trial.set_ylabel(Y_LABEL)
    if _spans_decade(curves):
        by_trial.set_yscale("log")  # shared with by_time
        # Plain numbers (0.1, 0.2, 0.5) rather than powers of ten (2 x 10^-1), and only the
        # 2s and 5s between decades: every minor tick labelled runs the labels together.
        by_trial.yaxis.set_major_formatter(FormatStrFormatter("%g"))
        by_trial.yaxis.set_minor_formatter(FuncFormatter(_two_and_five))
    for axes in (by_trial, by_time):
        axes.grid(True, which="major", alpha=0.3)
    _legend(figure, by_trial)
    figure.suptitle(title)
    return figure


def save_png(figure: Figure, path: str | Path) -> Path:
    """Write `figure` as a PNG at `path` through an Agg canvas; return the path."""
    FigureCanvasAgg(figure)  # attaches itself to the figure; no pyplot, no global backend
    figure.savefig(path, format="png", dpi=DPI)
    return Path(path)


def plot_best_so_far(
    curves: Mapping[str, Sequence[BestSoFar]],
    path: str | Path,
    title: str,
    threshold: float | None = None,
    threshold_label: str = "target",
) -> Path:
    """Draw best-so-far curves of named studies (see best_so_far_figure) into a PNG at `path`."""
    return save_png(best_so_far_figure(curves, title, threshold, threshold_label), path)


def _merged(intervals: Iterable[tuple[datetime, datetime]]) -> list[tuple[datetime, datetime]]:
    """Overlapping intervals joined: the stretches of time when some trial was running."""
    merged: list[tuple[datetime, datetime]] = []
    for start, end in sorted(intervals):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged


def _busy_seconds(busy: Sequence[tuple[datetime, datetime]], until: datetime) -> float:
    """Seconds up to `until` during which some trial was running."""
    return sum((min(end, until) - start).total_seconds() for start, end in busy if start < until)


def _improvements(best: Sequence[float]) -> list[int]:
    """Positions where the best value first appears or improves (nan is no value yet)."""
    return [
        i
        for i, value in enumerate(best)
        if math.isfinite(value) and not (i > 0 and value >= best[i - 1])
    ]


def _spans_decade(curves: Mapping[str, Sequence[BestSoFar]]) -> bool:
    values = [v for runs in curves.values() for c in runs for v in c.best if math.isfinite(v)]
    if not values or min(values) <= 0:
        return False
    return max(values) / min(values) > LOG_SPAN


def _two_and_five(value: float, position: int | None = None) -> str:
    """Label of a minor log tick: 0.2, 0.5, 2, 5, ...; the other minor ticks stay unlabelled."""
    if value <= 0:
        return ""
    mantissa = round(value / 10 ** math.floor(math.log10(value)), 6)
    return f"{value:g}" if mantissa in (2, 5) else ""


def _legend(figure: Figure, axes: Axes) -> None:
    """One legend below both axes, where it hides no curve."""
    handles, labels = axes.get_legend_handles_labels()
    if handles:
        figure.legend(handles, labels, loc="outside lower center", ncols=min(len(handles), 3))
