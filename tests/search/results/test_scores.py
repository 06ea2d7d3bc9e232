"""What a finished study gives back: the kept model, its test score, export and predict."""

import json
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import optuna
import pandas as pd
import pytest
import torch

from search.cli.main import main
from search.data.series import load_series
from search.data.windows import ForecastDataset
from search.results.evaluation import held_out_forecasts, score
from search.store import schema
from search.training.checkpoint import decode, forecast_next, rebuild
from tests.search.conftest import artifact_dir

STUDY = "load-random"


def load(url: str) -> optuna.Study:
    return optuna.load_study(study_name=STUDY, storage=url)


def test_the_best_trial_keeps_its_model_and_only_best_so_far_trials_do(searched) -> None:
    _, url = searched
    study = load(url)
    kept = [t for t in study.trials if schema.CHECKPOINT in t.user_attrs]
    assert study.best_trial in kept
    running_best = np.minimum.accumulate([t.value for t in study.trials])
    for trial in kept:
        assert trial.value == running_best[trial.number]
    refit = study.user_attrs[schema.REFIT]
    assert refit["trial"] == study.best_trial.number
    assert len(list(artifact_dir(url).iterdir())) == len(kept) + 1  # and the refit model


def test_search_stores_and_prints_the_test_score_beside_the_baselines(searched, capsys) -> None:
    _, url = searched
    stored = load(url).user_attrs[schema.TEST_SCORE]
    assert stored["trial"] == load(url).best_trial.number
    assert stored["season"] == 7  # daily data
    assert {"model", "persistence", "seasonal_naive"} <= set(stored)
    # Horizon 3: one MSE per step, averaging to the whole MSE.
    assert len(stored["model"]["mse_by_step"]) == 3
    assert np.mean(stored["model"]["mse_by_step"]) == pytest.approx(stored["model"]["mse"])
    assert stored["model"]["skill"] == pytest.approx(
        1 - stored["model"]["mse"] / stored["persistence"]["mse"]
    )
    best = stored["best_baseline"]
    assert stored[best]["mse"] == min(
        stored[k]["mse"]
        for k in stored
        if isinstance(stored[k], dict) and "mse" in stored[k] and k not in ("model", "refit")
    )
    assert {"auto_ets", "auto_theta", "mstl"} <= set(stored)  # daily data: season 7
    assert main(["best", STUDY, "--storage", url, "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["test_score"] == stored
    assert main(["studies", "--storage", url]) == 0
    out = capsys.readouterr().out
    assert "test_mse" in out and f"{stored['model']['mse']:.4g}" in out
    assert main(["best", STUDY, "--storage", url]) == 0
    out = capsys.readouterr().out
    assert "MSE of each horizon step (data units):" in out
    lines = out.splitlines()
    header = lines[lines.index("MSE of each horizon step (data units):") + 1]
    assert header.split() == ["forecast", "step", "1", "step", "2", "step", "3"]


def test_exported_file_loads_with_weights_only_and_reproduces_the_test_score(
    searched, tmp_path: Path
) -> None:
    csv, url = searched
    out = tmp_path / "model.pt"
    assert main(["export", STUDY, "--storage", url, "--out", str(out)]) == 0
    stored_file = torch.load(out, weights_only=True)
    assert stored_file["columns"] == ["load"] and stored_file["horizon"] == 3
    # Rebuilt from the file alone plus the CSV: the same split, the same test score.
    checkpoint = decode(out)
    dataset = ForecastDataset(load_series(csv), checkpoint.horizon)
    model = rebuild(checkpoint)
    result = score(held_out_forecasts(model, dataset, checkpoint.seq_len, season=7))
    stored = load(url).user_attrs[schema.TEST_SCORE]
    for method in ("model", "persistence", "seasonal_naive"):
        assert result[method]["mse"] == pytest.approx(stored[method]["mse"], rel=1e-6)


def test_export_writes_the_trials_table(searched, tmp_path: Path) -> None:
    _, url = searched
    table = tmp_path / "trials.csv"
    assert main(["export", STUDY, "--storage", url, "--trials-csv", str(table)]) == 0
    frame = pd.read_csv(table)
    assert len(frame) == len(load(url).trials)
    # The columns of `show`, plus times: no artifact ids, no owner's host and pid.
    show = ["trial", "state", "val_loss", "epochs", "seconds", "suggest_s"]
    assert list(frame.columns[:6]) == show and "hidden_size" in frame.columns
    assert list(frame.columns[-3:]) == ["stopped", "started", "finished"]
    assert not (tmp_path / f"{STUDY}.pt").exists()


def test_predict_forecasts_the_steps_after_the_series_with_timestamps(
    searched, tmp_path: Path, capsys
) -> None:
    csv, url = searched
    out = tmp_path / "forecast.csv"
    assert main(["predict", STUDY, "--storage", url, "--out", str(out)]) == 0
    forecast = pd.read_csv(out)
    assert list(forecast.columns) == ["step", "time", "load"]
    assert list(forecast["time"]) == ["2024-07-19", "2024-07-20", "2024-07-21"]
    model_file = tmp_path / "model.pt"
    main(["export", STUDY, "--storage", url, "--out", str(model_file)])
    expected = forecast_next(decode(model_file), load_series(csv).values)
    np.testing.assert_allclose(forecast["load"], expected, rtol=1e-6)
    assert "2024-07-19" in capsys.readouterr().out


def test_the_model_forecasts_each_test_window_as_predict_would(searched) -> None:
    csv, url = searched
    checkpoint = decode(artifact_dir(url) / load(url).best_trial.user_attrs[schema.CHECKPOINT])
    series = load_series(csv)
    dataset = ForecastDataset(series, 3)
    forecasts = held_out_forecasts(rebuild(checkpoint), dataset, checkpoint.seq_len, None)
    anchor = int(dataset.windows(checkpoint.seq_len)["test"].anchors[5])
    np.testing.assert_allclose(
        forecast_next(checkpoint, series.values[: anchor + 1]), forecasts.model[5], rtol=1e-5
    )


def test_predict_reads_a_newer_file_with_the_models_scaling(searched, tmp_path: Path) -> None:
    csv, url = searched
    longer = tmp_path / "longer.csv"
    rows = csv.read_text().splitlines()
    longer.write_text("\n".join([*rows, "2024-07-19,90.0", "2024-07-20,91.0"]) + "\n")
    out = tmp_path / "forecast.csv"
    assert main(["predict", STUDY, "--storage", url, "--data", str(longer), "--out", str(out)]) == 0
    assert pd.read_csv(out)["time"].iloc[0] == "2024-07-21"


def test_a_study_without_a_complete_trial_has_no_model(tmp_path: Path, capsys) -> None:
    url = f"sqlite:///{tmp_path / 'studies.db'}"
    optuna.create_study(study_name="empty", storage=url)
    for command in ("export", "predict", "best"):
        assert main([command, "empty", "--storage", url]) == 2
        err = capsys.readouterr().err.strip()
        assert len(err.splitlines()) == 1 and "no complete trial" in err


def test_missing_model_files_are_named_with_the_fix(searched, tmp_path: Path, capsys) -> None:
    _, url = searched
    elsewhere = tmp_path / "empty-artifacts"
    elsewhere.mkdir()
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("LSTM_SEARCH_ARTIFACTS", str(elsewhere))
        assert main(["export", STUDY, "--storage", url, "--out", str(tmp_path / "m.pt")]) == 2
    err = capsys.readouterr().err
    assert "missing from" in err and "LSTM_SEARCH_ARTIFACTS" in err
    assert not (tmp_path / "m.pt").exists()


def test_a_changed_data_file_is_refused_for_scoring(searched, tmp_path: Path, capsys) -> None:
    csv, url = searched
    changed = tmp_path / "changed.csv"
    changed.write_text(csv.read_text().replace("2024-03-01,", "2024-03-01,1"))
    study = load(url)
    before = study.user_attrs[schema.TEST_SCORE]
    assert main(["best", STUDY, "--storage", url, "--data", str(changed), "--season", "3"]) == 2
    assert "pass --data with the original file" in capsys.readouterr().err
    assert load(url).user_attrs[schema.TEST_SCORE] == before


def test_the_readme_snippet_forecasts_what_predict_forecasts(
    searched, tmp_path: Path, capsys
) -> None:
    csv, url = searched
    readme = (Path(__file__).resolve().parents[3] / "README.md").read_text()
    section = readme.split("### Use model.pt in your own code", 1)[1]
    snippet = section.split("```python\n", 1)[1].split("```", 1)[0]
    assert main(["export", STUDY, "--storage", url, "--out", str(tmp_path / "model.pt")]) == 0
    shutil.copy(csv, tmp_path / "my_recent_data.csv")
    done = subprocess.run(
        [sys.executable, "-c", snippet], cwd=tmp_path, capture_output=True, text=True, check=True
    )
    printed = np.array(done.stdout.strip().strip("[]").split(), dtype=float)
    capsys.readouterr()
    assert main(["predict", STUDY, "--storage", url]) == 0
    rows = capsys.readouterr().out.strip().splitlines()[-len(printed) :]
    np.testing.assert_allclose(printed, [float(r.split()[-1]) for r in rows], rtol=1e-5)


def test_predict_on_a_file_with_a_renamed_column_is_one_line(
    searched, tmp_path: Path, capsys
) -> None:
    csv, url = searched
    renamed = tmp_path / "renamed.csv"
    renamed.write_text(csv.read_text().replace("day,load", "day,demand", 1))
    assert main(["predict", STUDY, "--storage", url, "--data", str(renamed)]) == 2
    err = capsys.readouterr().err
    assert "column 'load' is not in renamed.csv" in err and "column names" in err
    assert err.count("\n") == 1
