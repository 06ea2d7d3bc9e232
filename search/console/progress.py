"""What a user watches while searching: one bar for the study, one line per finished trial."""

from __future__ import annotations

import sys
from types import TracebackType

import optuna
from optuna.trial import FrozenTrial, TrialState
from tqdm import tqdm

from search.run import Stage
from search.store import best_trial, counts, schema
from search.text import printable


class Progress:
    """A bar of finished/target trials with the best value; elapsed and ETA come from tqdm."""

    def __init__(self, study: optuna.Study, target: int, quiet: bool = False) -> None:
        self._study = study
        self._quiet = quiet
        self._bar = tqdm(
            total=target,
            initial=counts(study).finished,
            desc=printable(study.study_name),
            unit="trial",
            file=sys.stderr,
            # Off a terminal (a log file, CI) a bar is noise; the trial lines still print.
            disable=quiet or not sys.stderr.isatty(),
            dynamic_ncols=True,
        )
        self._show_best()

    def __enter__(self) -> Progress:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self._bar.close()

    def update(self, trial: FrozenTrial) -> None:
        """Print the trial's line and move the bar to the study's finished count (all workers)."""
        if not self._quiet:
            self._bar.write(trial_line(trial), file=sys.stderr)
        finished = counts(self._study).finished
        self._bar.update(finished - self._bar.n)
        self._show_best()

    def _show_best(self) -> None:
        best = best_trial(self._study)
        if best is not None:
            self._bar.set_postfix_str(f"best {best.value:.4g} (#{best.number})")


STOPPED_BY = {
    "patience": "stopped early (patience)",
    "epochs": "ran all its epochs (work budget or cap)",
    "time": "cut by the time limit",
}


def stop_reason(trial: FrozenTrial) -> str:
    """Why a trial stopped: patience, epoch cap, time limit, pruned at epoch k, or its failure."""
    if trial.state == TrialState.FAIL:
        return f"failed: {trial.user_attrs.get(schema.FAIL_REASON, 'unknown reason')}"
    if trial.state == TrialState.PRUNED:
        where = trial.user_attrs.get(schema.PRUNED_AT)
        last = max(trial.intermediate_values, default=None)
        where = where or (f"epoch {last}" if last is not None else None)
        return f"pruned at {where}" if where is not None else "pruned"
    if trial.state == TrialState.COMPLETE:
        stopped = trial.user_attrs.get(schema.STOPPED_BY)
        return STOPPED_BY.get(str(stopped), "complete")
    return trial.state.name.lower()


def trial_line(trial: FrozenTrial) -> str:
    """One line saying how a trial ended."""
    outcome = stop_reason(trial)
    if trial.state == TrialState.COMPLETE:
        best_epoch = trial.user_attrs.get(schema.BEST_EPOCH)
        outcome = f"val {trial.value:.4g}, best epoch {best_epoch}, {outcome}"
    seconds = trial.duration.total_seconds() if trial.duration else 0.0
    params = " ".join(f"{k}={_compact(v)}" for k, v in trial.params.items())
    return f"trial {trial.number:>3} {outcome} ({seconds:.1f}s) {params}"


def _compact(value: object) -> str:
    return f"{value:.3g}" if isinstance(value, float) else str(value)


def stage_line(stage: Stage, trial: FrozenTrial) -> str:
    """What runs now that the trials are done, said as it begins."""
    if stage == "baselines":
        return "fitting classical baselines on the test split"
    if stage == "refit":
        epochs = trial.user_attrs.get(schema.BEST_EPOCH)
        return (
            f"refitting trial {trial.number}'s configuration on train + validation for {epochs} "
            "epochs"
        )
    return f"scoring trial {trial.number} on the test split"
