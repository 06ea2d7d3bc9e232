"""Best-so-far history from a real storage, and its PNG."""

import datetime
import math
import subprocess
import sys
from pathlib import Path

import optuna
from optuna.trial import TrialState, create_trial

from search.cli.plots import BestSoFar, best_so_far, best_so_far_figure, plot_best_so_far

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
T0 = datetime.datetime(2024, 5, 1, 12, 0, 0)


def add(
    study: optuna.Study, state: TrialState, start: float, end: float, value: float | None = None
) -> None:
    """A trial that ran from `start` to `end` seconds after T0."""
    trial = create_trial(state=state, value=value)
    trial.datetime_start = T0 + datetime.timedelta(seconds=start)
    trial.datetime_complete = T0 + datetime.timedelta(seconds=end)
    study.add_trial(trial)


def test_running_minimum_ignores_pruned_and_failed_trials(storage_url: str) -> None:
    study = optuna.create_study(study_name="history", storage=storage_url)
    add(study, TrialState.PRUNED, 0, 10)
    add(study, TrialState.COMPLETE, 10, 20, value=5.0)
    add(study, TrialState.FAIL, 20, 30)  # not a finished trial, but its time was spent
    add(study, TrialState.PRUNED, 30, 40)
    add(study, TrialState.COMPLETE, 40, 50, value=3.0)
    # Stopped for an hour, then resumed: the idle hour is not search time.
    add(study, TrialState.COMPLETE, 3650, 3660, value=4.0)
    # Numbered last but finished before the resumed one: completion order counts.
    add(study, TrialState.COMPLETE, 45, 60, value=2.0)

    curve = best_so_far(optuna.load_study(study_name="history", storage=storage_url).trials)

    assert curve.finished == (1, 2, 3, 4, 5, 6)
    assert math.isnan(curve.best[0])  # nothing complete after a lone pruned trial
    assert curve.best[1:] == (5.0, 5.0, 3.0, 2.0, 2.0)
    assert curve.seconds == (10.0, 20.0, 40.0, 50.0, 60.0, 70.0)
    assert curve.first_within(3.0) == 3 and curve.first_within(1.0) is None


def test_study_without_trials_has_an_empty_history() -> None:
    assert best_so_far([]) == BestSoFar((), (), ())


def curve(*best: float) -> BestSoFar:
    return BestSoFar(
        tuple(range(1, len(best) + 1)), tuple(30.0 * i for i in range(len(best))), best
    )


def test_png_of_named_curves(tmp_path: Path) -> None:
    path = plot_best_so_far(
        {"random": [curve(0.9, 0.5, 0.5)], "tpe": [curve(0.8, 0.8, 0.4), curve(0.7, 0.3, 0.3)]},
        tmp_path / "curves.png",
        "best-so-far",
        threshold=0.315,
        threshold_label="within 5 %",
    )
    assert path.read_bytes().startswith(PNG_MAGIC)


def test_axes_are_labelled_and_log_scaled_only_over_a_decade() -> None:
    narrow = best_so_far_figure({"a": [curve(0.9, 0.2)]}, "narrow")
    by_trial, by_time = narrow.axes
    assert by_trial.get_xlabel() == "finished trials"
    assert by_time.get_xlabel() == "wall time (min)"
    assert by_trial.get_ylabel() == "best validation MSE (scaled)"
    assert by_trial.get_yscale() == "linear"
    assert narrow.legends and narrow.get_suptitle() == "narrow"
    wide = best_so_far_figure({"a": [curve(1.5, 0.1)], "b": [curve(math.nan, 0.05)]}, "wide")
    assert wide.axes[0].get_yscale() == "log" and wide.axes[1].get_yscale() == "log"


def test_drawing_leaves_no_pyplot_state(tmp_path: Path) -> None:
    # A fresh interpreter: other tests may have imported pyplot into this one.
    png = str(tmp_path / "a.png")
    code = (
        "import sys; from search.cli.plots import BestSoFar, plot_best_so_far; "
        f"plot_best_so_far({{'a': [BestSoFar((1,), (0.0,), (1.0,))]}}, {png!r}, 't'); "
        "assert 'matplotlib.pyplot' not in sys.modules, 'pyplot imported'"
    )
    subprocess.run([sys.executable, "-c", code], check=True, timeout=120)
