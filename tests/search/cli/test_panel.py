"""A panel from the command line: search, the scores of every series, predict and export."""

import json
from pathlib import Path

import optuna
import pandas as pd
import pytest
import torch

from search.cli.main import main
from search.cli.report import forecast_figure
from search.results import best_held_out_forecasts, require_best, study_dataset
from tests.search.cli.test_main import FAST
from tests.search.conftest import LENGTHS, panel_frame


@pytest.fixture
def panel_csv(tmp_path: Path) -> Path:
    path = tmp_path / "panel.csv"
    panel_frame().to_csv(path, index=False)
    return path


def test_a_panel_is_searched_scored_per_series_and_forecast_per_series(
    panel_csv: Path, storage_url: str, tmp_path: Path, capsys: pytest.CaptureFixture
) -> None:
    search = ["--data", str(panel_csv), "--id-col", "id", "--storage", storage_url, *FAST]
    assert main([*search, "--trials", "2"]) == 0
    out = capsys.readouterr().out
    data = next(line for line in out.splitlines() if line.startswith("data: "))
    assert "3 series ('id') of 150 to 300 rows, 690 rows in all, 0 left out" in data
    assert "time column 'day' 2024-01-01 to 2024-10-28" in data and "season 7" in data

    assert main(["best", "panel-random", "--storage", storage_url, "--json"]) == 0
    score = json.loads(capsys.readouterr().out)["test_score"]
    assert score["series"] == 3
    for method in ("model", "persistence", "seasonal_naive", "auto_ets"):
        assert set(score[method]["by_series"]) == set(LENGTHS)
    assert set(score["model"]["beats"]) >= {"persistence", "seasonal_naive", "auto_ets"}
    assert main(["best", "panel-random", "--storage", storage_url]) == 0
    table = capsys.readouterr().out
    assert "of 3 series" in table and "series (MASE)" in table
    assert "the selected model's MASE is lower than: persistence (last value) on" in table

    assert main(["studies", "--storage", storage_url]) == 0
    row = capsys.readouterr().out.splitlines()[1].split()
    assert row[:3] == ["panel-random", "random", "2/2"] and row[4] == "3"
    assert float(row[6]) == pytest.approx(score["model"]["mase"], rel=1e-3)  # test_mase

    report = tmp_path / "report"
    assert main(["report", "panel-random", "--storage", storage_url, "--out", str(report)]) == 0
    assert (report / "test_forecast.png").stat().st_size > 10_000
    study = optuna.load_study(study_name="panel-random", storage=storage_url)
    best = require_best(study, storage_url)
    forecasts = best_held_out_forecasts(study, study_dataset(study), best)
    trial = best.trial
    titles = [axes.get_title() for axes in forecast_figure(forecasts, trial, "y", "p").axes]
    worst = max(LENGTHS, key=lambda name: score["model"]["by_series"][name]["mase"])
    assert titles[0].startswith(f"worst MASE: series {worst!r}") and len(titles) == 3

    forecast = tmp_path / "forecast.csv"
    assert main(["predict", "panel-random", "--storage", storage_url, "--out", str(forecast)]) == 0
    frame = pd.read_csv(forecast, parse_dates=["time"])
    assert list(frame.columns) == ["id", "step", "time", "y"]
    last_day = (
        panel_frame().assign(day=lambda f: pd.to_datetime(f["day"])).groupby("id")["day"].max()
    )
    assert dict(zip(frame["id"], frame["time"], strict=True)) == {
        name: day + pd.Timedelta(days=1) for name, day in last_day.items()
    }
    # Each series is forecast in its own units: the small one near 1, the big one near 100 x 50.
    level = dict(zip(frame["id"], frame["y"], strict=True))
    assert level["small"] < 100 < 1000 < level["big"]
    capsys.readouterr()
    assert main(["predict", "panel-random", "--storage", storage_url, "--series", "late"]) == 0
    assert "for 1 series" in capsys.readouterr().out
    assert main(["predict", "panel-random", "--storage", storage_url, "--series", "nope"]) == 2
    assert "not trained on a series 'nope'" in capsys.readouterr().err
    without_late = tmp_path / "without-late.csv"
    panel_frame().query("id != 'late'").to_csv(without_late, index=False)
    predict_late = ["predict", "panel-random", "--storage", storage_url, "--series", "late"]
    assert main([*predict_late, "--data", str(without_late)]) == 2
    assert "series 'late' is not in the data" in capsys.readouterr().err

    model = tmp_path / "model.pt"
    assert main(["export", "panel-random", "--storage", storage_url, "--out", str(model)]) == 0
    stored = torch.load(model, weights_only=True)
    assert set(stored["scaling"]) == set(LENGTHS)
    assert (
        stored["scaling"]["big"]["target_step_std"]
        > 50 * stored["scaling"]["small"]["target_step_std"]
    )

    assert main([*search, "--trials", "2"]) == 0  # the same command: nothing left to run
    assert "already has 2 finished trials" in capsys.readouterr().out


def test_a_panel_read_as_one_series_is_refused_pointing_at_the_id_column(
    panel_csv: Path, storage_url: str, capsys: pytest.CaptureFixture
) -> None:
    assert main(["--data", str(panel_csv), "--storage", storage_url, *FAST, "--target", "y"]) == 2
    assert "duplicate timestamp 2024-03-01" in (err := capsys.readouterr().err)
    assert "--id-col if the file holds many series" in err
    assert not Path(storage_url.removeprefix("sqlite:///")).exists()
