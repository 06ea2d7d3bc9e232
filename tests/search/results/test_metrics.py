"""The metric registry: every table, JSON and plot of a test score follows its rows."""

import json
from pathlib import Path
from typing import Any, cast

import numpy as np
import optuna
import pytest
from matplotlib.patches import Rectangle

from search.cli.main import main
from search.cli.report import score_figure
from search.results.evaluation import score
from search.results.metrics import METRICS, Metric, Windows
from search.results.note import study_note
from search.results.score_rows import score_rows
from search.store import TestScore, read_test_score, schema
from tests.search.conftest import writable_copy
from tests.search.results.test_evaluation import panel_forecasts

STUDY = "load-random"


def _max_error(windows: Windows) -> float:
    return float(np.max(np.abs(windows.error)))


MAX_AE = Metric(
    "max_ae",
    _max_error,
    "pooled",
    "max AE",
    "data units",
    by_series=True,
    drawn=("series", "panel"),
    studies=("model", "persistence"),
)


@pytest.fixture
def max_ae(monkeypatch: pytest.MonkeyPatch) -> Metric:
    """A metric added at run time as one registry row, and nothing else."""
    monkeypatch.setitem(METRICS, MAX_AE.name, MAX_AE)
    return MAX_AE


MODEL = np.array([[1.0], [-4.0], [2.0], [3.0]])
"""The model's forecasts of the two-series panel of zeros."""


def test_stored_scores_keep_the_names_they_were_stored_under() -> None:
    assert {"mse", "mae", "mase", "smape", "mse_scaled", "mae_scaled"} <= set(METRICS)


def test_an_added_row_is_scored_pooled_or_as_the_mean_of_the_series(max_ae: Metric) -> None:
    result: dict[str, Any] = score(panel_forecasts(MODEL, persistence=0.5))
    model = result["model"]
    assert model["max_ae"] == 4.0  # pooled over both series' windows
    assert model["by_series"] == {
        "a": pytest.approx(
            {"mae": 1.0, "mase": 1.0, "smape": 200.0, "mse_scaled": 1.0, "max_ae": 1.0}
        ),
        "b": pytest.approx(
            {"mae": 3.0, "mase": 0.75, "smape": 200.0, "mse_scaled": 29 / 12, "max_ae": 4.0}
        ),
    }
    assert result["persistence"]["max_ae"] == 0.5
    headers, rows = score_rows(TestScore.scored(0, 1.0, None, result))
    assert headers[-1] == "max_ae" and [row[-1] for row in rows] == [4.0, 0.5]

    series_mean = Metric("max_ae", _max_error, "series mean", "max AE", "data units")
    METRICS["max_ae"] = series_mean  # the fixture's monkeypatch restores the registry
    again: dict[str, Any] = score(panel_forecasts(MODEL, persistence=0.5))
    assert again["model"]["max_ae"] == (1.0 + 4.0) / 2
    assert series_mean.axis_label(panel=True) == "test max AE (data units, mean of the series')"


def test_an_added_row_reaches_best_json_the_tables_the_note_and_the_report(
    searched: tuple[Path, str], tmp_path: Path, capsys: pytest.CaptureFixture[str], max_ae: Metric
) -> None:
    url = writable_copy(searched, tmp_path)
    study = optuna.load_study(study_name=STUDY, storage=url)
    study.set_user_attr(schema.TEST_SCORE, None)  # so that `best` scores and stores again

    assert main(["best", STUDY, "--storage", url, "--json"]) == 0
    stored = json.loads(capsys.readouterr().out)["test_score"]
    for forecast in ("model", "refit", "persistence", "seasonal_naive"):
        assert stored[forecast]["max_ae"] >= stored[forecast]["mae"] > 0
    model = stored["model"]["max_ae"]

    assert main(["best", STUDY, "--storage", url]) == 0
    header, selected = capsys.readouterr().out.split("\nforecast ", 1)[1].splitlines()[:2]
    assert header.split()[-1] == "max_ae" and float(selected.split()[-1]) == pytest.approx(
        model, rel=1e-3
    )

    assert main(["studies", "--storage", url]) == 0
    headers, row = (line.split() for line in capsys.readouterr().out.splitlines()[:2])
    assert float(row[headers.index("test_max_ae")]) == pytest.approx(model, rel=1e-3)
    assert "persistence_max_ae" in headers

    study = optuna.load_study(study_name=STUDY, storage=url)
    assert "| mae_scaled | max_ae |" in study_note(study)
    stored_score = read_test_score(study.user_attrs)
    assert stored_score is not None
    bars = score_figure(stored_score, STUDY).axes[-1]
    assert bars.get_xlabel() == "test max AE (data units)"
    assert cast(Rectangle, bars.patches[0]).get_width() == pytest.approx(model)
