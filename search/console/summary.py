"""Reading a study back as text: tables of trials and the end-of-search summary."""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence

import optuna
import pandas as pd
from optuna.trial import FrozenTrial, TrialState

from search.console.progress import stop_reason
from search.data import Series, frequency
from search.results import BestModel, aggregation, score_rows, series_rows, skill_lines, step_rows
from search.store import DEFAULT_STORAGE, TestScore, artifact_location, masked, ranked, schema
from search.text import printable

TOP = 5


def table(headers: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    """Rows as left-aligned text columns under a header."""
    cells = [[str(h) for h in headers]] + [[_cell(v) for v in row] for row in rows]
    widths = [max(len(row[i]) for row in cells) for i in range(len(headers))]
    return "\n".join(
        "  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip() for row in cells
    )


def trials_table(trials: Sequence[FrozenTrial]) -> str:
    """Number, state, value, epochs, seconds, parameters and why each trial stopped."""
    return table(*trial_rows(trials))


def trials_frame(trials: Sequence[FrozenTrial]) -> pd.DataFrame:
    """The trials table's columns, plus when each trial started and finished (for CSV)."""
    headers, rows = trial_rows(trials)
    frame = pd.DataFrame(rows, columns=headers)
    frame["started"] = [t.datetime_start for t in trials]
    frame["finished"] = [t.datetime_complete for t in trials]
    return frame


def trial_rows(trials: Sequence[FrozenTrial]) -> tuple[list[str], list[list[object]]]:
    """Headers and one row per trial: the columns of `show` and of the exported CSV."""
    names = sorted({name for t in trials for name in t.params})
    headers = ["trial", "state", "val_loss", "epochs", "seconds", "suggest_s", *names, "stopped"]
    rows = [
        [
            t.number,
            t.state.name.lower(),
            t.value,
            t.user_attrs.get(schema.EPOCHS_RUN, len(t.intermediate_values) or None),
            t.duration.total_seconds() if t.duration else None,
            t.user_attrs.get(schema.SUGGEST_SECONDS),
            *(t.params.get(name) for name in names),
            stop_reason(t),
        ]
        for t in trials
    ]
    return headers, rows


def score_table(score: TestScore) -> str:
    """The test score of the best model beside the naive baselines, with its skill."""
    if score.series is not None:
        what = f"of {score.series} series ({aggregation()})"
    else:
        what = "(data units, and scaled)"
    lines = [
        f"test score on {score.windows} held-out windows {what}:",
        table(*score_rows(score)),
        *skill_lines(score),
    ]
    if score.series is not None:
        lines.append(table(*series_rows(score)))
    if "seasonal_naive" not in score.forecasts:
        lines.append("seasonal naive: no season known; pass --season STEPS")
    headers, by_step = step_rows(score)
    if len(headers) > 2:
        lines.append("MSE of each horizon step (data units):")
        lines.append(table(headers, by_step))
    return "\n".join(lines)


def print_summary(
    study: optuna.Study,
    url: str,
    best: BestModel | None,
    started: float | None = None,
    score: TestScore | None = None,
) -> None:
    """The top trials, the best model's parameters and test score, and where to look next;
    with `started` (a `time.monotonic()`), the seconds since then, last."""
    trials = study.get_trials(deepcopy=False)
    states = {s: sum(t.state == s for t in trials) for s in TrialState}
    complete = ranked(trials)
    print(
        f"\n{printable(study.study_name)}: {states[TrialState.COMPLETE]} complete, "
        f"{states[TrialState.PRUNED]} pruned, {states[TrialState.FAIL]} failed"
    )
    if complete:
        print(f"top {min(TOP, len(complete))} trials (validation MSE on the scaled series):")
        print(trials_table(complete[:TOP]))
    if best is not None:
        print(f"\nbest trial {best.trial.number}: validation MSE {best.value:.4g}")
        for name, value in best.trial.params.items():
            print(f"  {name} = {value}")
    if score is not None:
        print(f"\n{score_table(score)}")
    storage = "" if url == DEFAULT_STORAGE else f" --storage {masked(url)}"
    if best is not None:
        print(
            f"models: saved in {artifact_location(url)}; lstm-search export "
            f"{printable(study.study_name)}{storage} --out model.pt"
            + (" (add --refit for the refit)" if best.refit is not None else "")
        )
    print(f"dashboard: lstm-search dashboard{storage}")
    if started is not None:
        minutes, seconds = divmod(round(time.monotonic() - started), 60)
        print(f"\nelapsed {minutes} min {seconds} s")


def _cell(value: object) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:.4g}"
    return printable(str(value))


def data_line(series: Series, season: int | None, dropped: Mapping[str, str]) -> str:
    """One line saying what was read: rows (a panel's series and their lengths, those left out
    and why), time range, frequency, season, columns, gaps."""
    if series.time is not None:
        first, last = series.time.min(), series.time.max()
        when = (
            f"time column {series.time_col!r} {_stamp(first)} to {_stamp(last)}, frequency "
            f"{frequency(series.time) or 'irregular'}"
        )
    else:
        when = "no time column"
    seasonal = f"season {season}" if season is not None else "no season (pass --season N)"
    features = ", ".join(map(repr, series.features)) or "none"
    rows = f"{len(series.values):,} rows"
    if series.ids:
        lengths = [stop - start for _, start, stop in series.parts]
        left_out = "; ".join(f"{printable(name)!r}: {why}" for name, why in dropped.items())
        rows = (
            f"{len(lengths)} series ({series.id_col!r}) of {min(lengths):,} to {max(lengths):,} "
            f"rows, {rows} in all, {len(dropped)} left out{f' ({left_out})' if dropped else ''}"
        )
    return (
        f"data: {series.name} ({series.read_as}): {rows}, {when}, "
        f"{seasonal}; target {series.target!r}, features {features}; {series.imputed} "
        f"values interpolated, {series.dropped} leading/trailing rows dropped"
    )


def _stamp(time: pd.Timestamp) -> str:
    return str(time.date()) if time == time.normalize() else str(time)
