"""`lstm-search report`: the four PNG files, and what each figure draws."""

from pathlib import Path

import matplotlib
import numpy as np
import optuna
import pytest
from optuna.trial import TrialState

from search.cli.main import main
from search.cli.report import (
    forecast_figure,
    learning_curves,
    parameter_importances,
    score_figure,
)
from search.results import best_held_out_forecasts, require_best, study_dataset
from search.store import read_test_score

STUDY = "load-random"
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def test_report_writes_every_picture_as_a_png(searched, tmp_path: Path, capsys) -> None:
    _, url = searched
    out = tmp_path / "report"
    assert main(["report", STUDY, "--storage", url, "--out", str(out)]) == 0
    names = {
        "history.png",
        "importances.png",
        "learning_curves.png",
        "test_forecast.png",
        "test_scores.png",
    }
    assert {p.name for p in out.iterdir()} == names
    for name in names:
        data = (out / name).read_bytes()
        assert data.startswith(PNG_MAGIC) and len(data) > 10_000, name
    assert capsys.readouterr().out.count("wrote ") == 5


def test_learning_curves_draw_the_top_trials_per_epoch(searched) -> None:
    _, url = searched
    study = optuna.load_study(study_name=STUDY, storage=url)
    complete = study.get_trials(states=(TrialState.COMPLETE,))
    axes = learning_curves(complete).axes[0]
    best = study.best_trial
    first = axes.lines[0]
    assert first.get_label().startswith(f"trial {best.number} ")
    assert list(first.get_ydata()) == [
        best.intermediate_values[e] for e in sorted(best.intermediate_values)
    ]
    assert len(axes.lines) == min(5, len(complete))
    assert axes.get_xlabel() == "epoch" and "validation MSE" in axes.get_ylabel()


def test_forecast_figure_draws_actuals_model_and_persistence_over_time(searched) -> None:
    _, url = searched
    study = optuna.load_study(study_name=STUDY, storage=url)
    best = require_best(study, url)
    forecasts = best_held_out_forecasts(study, study_dataset(study), best)
    trial = best.trial
    axes = forecast_figure(forecasts, trial, "load", STUDY).axes[0]
    labels = [line.get_label() for line in axes.lines]
    assert labels[0] == "actual" and labels[1].startswith("persistence")
    assert labels[2].startswith(f"trial {trial.number}")
    np.testing.assert_allclose(axes.lines[2].get_ydata(), forecasts.model[:, 0])
    assert axes.get_xlabel() == "time" and axes.get_ylabel().startswith("load")
    assert STUDY in axes.get_title()
    # The legend's numbers are the score table's step-1 MSEs (horizon 3 here).
    stored = study.user_attrs["test_score"]
    for label, method in ((labels[1], "persistence"), (labels[2], "model"), (labels[3], "refit")):
        assert f"step-1 MSE {stored[method]['mse_by_step'][0]:.3g}" in label
    assert labels[3].startswith("its refit on train + validation")


def test_score_figure_draws_every_stored_forecast_with_the_models_marked(searched) -> None:
    _, url = searched
    score = read_test_score(optuna.load_study(study_name=STUDY, storage=url).user_attrs)
    assert score is not None
    mse_axes, mase_axes = score_figure(score, STUDY).axes
    labels = [tick.get_text() for tick in mse_axes.get_yticklabels()]
    assert labels[:2] == [f"selected model (trial {score.trial})", labels[1]]
    assert labels[1].startswith("refit on train+validation")
    assert {"persistence (last value)", "MSTL (season 7)", "AutoETS (season 7)"} <= set(labels)
    widths = [bar.get_width() for bar in mse_axes.patches]
    assert widths[0] == pytest.approx(score.model.metrics["mse"])
    assert mase_axes.patches[0].get_width() == pytest.approx(score.model.metrics["mase"])
    red = matplotlib.colors.to_rgba("tab:red")
    assert [bar.get_facecolor() == red for bar in mse_axes.patches][:3] == [True, True, False]


def test_importances_wait_for_two_complete_trials(tmp_path: Path) -> None:
    study = optuna.create_study(storage=f"sqlite:///{tmp_path / 's.db'}")
    study.optimize(lambda t: t.suggest_float("x", 0, 1) + t.suggest_float("y", 0, 1), 1)
    assert parameter_importances(study) is None
    study.optimize(lambda t: t.suggest_float("x", 0, 1) + t.suggest_float("y", 0, 1), 5)
    facecolor = matplotlib.rcParams["axes.facecolor"]
    figure = parameter_importances(study)
    assert figure is not None and len(figure.axes[0].patches) == 2
    # Optuna's plot switches pyplot's style; the figures drawn after it must not inherit it.
    assert matplotlib.rcParams["axes.facecolor"] == facecolor


def test_report_of_a_study_without_complete_trials_is_refused(tmp_path: Path, capsys) -> None:
    url = f"sqlite:///{tmp_path / 'studies.db'}"
    optuna.create_study(study_name="empty", storage=url)
    out = tmp_path / "report"
    assert main(["report", "empty", "--storage", url, "--out", str(out)]) == 2
    assert "no complete trial" in capsys.readouterr().err
    assert not out.exists()


@pytest.mark.parametrize("command", ["report", "export", "predict"])
def test_unknown_study_names_the_studies_there_are(searched, command: str, capsys) -> None:
    _, url = searched
    assert main([command, "nope", "--storage", url]) == 2
    assert f"studies: {STUDY}" in capsys.readouterr().err
