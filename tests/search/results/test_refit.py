"""The final refit on train + validation: stored whole or not at all, scored, and handed out."""

import shutil
import signal
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import numpy as np
import optuna
import pytest
import torch

from search.cli.main import main
from search.data.series import load_series
from search.data.windows import ForecastDataset
from search.store import schema
from search.training.budget import TrialBudget
from search.training.checkpoint import decode
from search.training.recipe import build_forecaster, train_settings
from search.training.train import fit
from tests.search.conftest import artifact_dir, writable_copy

# A few trials on the bundled data whose best trains for many epochs, so a refit lasts seconds.
RUN = [
    "--space", "small", "--strategy", "random", "--trials", "2", "--epochs", "40",
    "--patience", "40", "--quiet", "--workers", "1", "--study", "r",
    "--season", "1",  # no seasonal baselines: MSTL alone would take 25 s here
]  # fmt: skip


def study(url: str) -> optuna.Study:
    return optuna.load_study(study_name="r", storage=url)


@pytest.mark.slow
def test_a_refit_killed_half_way_is_stored_nowhere_and_done_again(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'studies.db'}"
    command = [sys.executable, "-m", "search", "--storage", url, *RUN]
    subprocess.run(command, check=True, capture_output=True, cwd=tmp_path)
    assert schema.REFIT not in study(url).user_attrs
    files = set(artifact_dir(url).iterdir())

    # The same study, now with the refit (not part of its configuration): straight to refitting.
    process = subprocess.Popen(
        [*command, "--refit"], stdout=subprocess.PIPE, text=True, cwd=tmp_path
    )
    assert process.stdout is not None
    lines = iter(process.stdout.readline, "")
    line = next((line for line in lines if line.startswith("refitting trial ")), None)
    assert line is not None, process.wait()
    process.send_signal(signal.SIGKILL)
    process.wait()
    assert process.returncode == -signal.SIGKILL
    assert schema.REFIT not in study(url).user_attrs
    assert set(artifact_dir(url).iterdir()) == files  # nothing half-stored

    done = subprocess.run(
        [*command, "--refit"], check=True, capture_output=True, text=True, cwd=tmp_path
    )
    assert "refitting trial" in done.stdout and "refit on train+validation" in done.stdout
    finished = study(url)
    refit = finished.user_attrs[schema.REFIT]
    best = finished.best_trial
    assert refit["trial"] == best.number
    assert refit["epochs"] == best.user_attrs[schema.BEST_EPOCH] > 1
    score = finished.user_attrs[schema.TEST_SCORE]
    assert score["refit_epochs"] == refit["epochs"]
    assert np.isfinite(score["refit"]["mse"]) and score["refit"]["mse"] != score["model"]["mse"]

    # Run again: the refit is reused, not redone.
    again = subprocess.run(command, check=True, capture_output=True, text=True, cwd=tmp_path)
    assert "refitting" not in again.stdout
    assert study(url).user_attrs[schema.REFIT] == refit


def test_export_and_predict_hand_out_the_selected_model_and_the_refit_when_asked(
    searched, tmp_path: Path, capsys
) -> None:
    _, url = searched
    name = "load-random"
    refit = optuna.load_study(study_name=name, storage=url).user_attrs[schema.REFIT]
    selected = tmp_path / "selected.pt"
    assert main(["export", name, "--storage", url, "--out", str(selected)]) == 0
    assert "validation MSE" in capsys.readouterr().out
    own = decode(selected)
    assert "refit" not in own.provenance
    refit_file = tmp_path / "refit.pt"
    assert main(["export", name, "--storage", url, "--out", str(refit_file), "--refit"]) == 0
    assert "refit on train + validation" in capsys.readouterr().out
    handed = decode(refit_file)
    assert handed.provenance["refit"] == "train + validation rows"
    assert handed.provenance["epochs"] == refit["epochs"]
    assert any(
        not torch.equal(own.state_dict[key], handed.state_dict[key]) for key in own.state_dict
    )
    assert main(["predict", name, "--storage", url]) == 0
    assert "validation MSE" in capsys.readouterr().out
    assert main(["predict", name, "--storage", url, "--refit"]) == 0
    assert "refit on train + validation" in capsys.readouterr().out


def test_export_refit_without_a_refit_says_how_to_make_one(tmp_path: Path, capsys) -> None:
    url = f"sqlite:///{tmp_path / 'studies.db'}"
    run = ["--storage", url, "--space", "small", "--trials", "1", "--epochs", "1", "--quiet"]
    assert main([*run, "--workers", "1", "--study", "n", "--season", "1"]) == 0
    capsys.readouterr()
    assert main(["export", "n", "--storage", url, "--refit", "--out", str(tmp_path / "m.pt")]) == 2
    err = capsys.readouterr().err
    assert "no refit of trial 0" in err and "with --refit" in err


def test_a_new_refit_makes_the_stored_score_stale(searched, tmp_path: Path) -> None:
    csv, _ = searched
    url = writable_copy(searched, tmp_path)
    name = "load-random"
    stored = optuna.load_study(study_name=name, storage=url)
    before = stored.user_attrs[schema.TEST_SCORE]
    assert before["refit_checkpoint"] == stored.user_attrs[schema.REFIT]["checkpoint"]
    # Another machine's refit of the same trial: same record but for its file.
    record = {**stored.user_attrs[schema.REFIT], "checkpoint": "another-refit"}
    shutil.copy(artifact_dir(url) / before["refit_checkpoint"], artifact_dir(url) / "another-refit")
    stored.set_user_attr(schema.REFIT, record)
    assert main(["best", name, "--storage", url, "--data", str(csv)]) == 0
    after = optuna.load_study(study_name=name, storage=url).user_attrs[schema.TEST_SCORE]
    assert after["refit_checkpoint"] == "another-refit"
    assert after["refit"]["mse"] == pytest.approx(before["refit"]["mse"])


def test_the_refit_trains_the_best_trials_epochs_of_at_most_epoch_windows(
    series_csv: Path, tmp_path: Path
) -> None:
    url = f"sqlite:///{tmp_path / 'studies.db'}"
    run = [
        "--data", str(series_csv), "--storage", url, "--study", "b", "--space", "small",
        "--trials", "1", "--epochs", "3", "--work-budget", "0", "--seq-len", "14",
        "--pruner", "none", "--quiet", "--workers", "1", "--season", "1", "--refit",
        "--epoch-windows", "50",
    ]  # fmt: skip
    assert main(run) == 0
    handed = tmp_path / "refit.pt"
    assert main(["export", "b", "--storage", url, "--refit", "--out", str(handed)]) == 0
    refit = decode(handed)
    seed = optuna.load_study(study_name="b", storage=url).best_trial.user_attrs[schema.SEED]
    dataset = ForecastDataset(load_series(series_csv))
    windows = dataset.refit_windows(14)
    assert len(windows) > 50

    def refit_with(epoch_windows: int | None) -> dict[str, torch.Tensor]:
        budget = TrialBudget(None, 3, 3, 1, None, min_epochs=1, epoch_windows=epoch_windows)
        torch.manual_seed(seed)
        model = build_forecaster(refit.hyperparameters, dataset)
        settings = train_settings(refit.hyperparameters, budget, seed, model, len(windows))
        stop_after = int(refit.provenance["epochs"])
        return fit(model, windows, None, replace(settings, stop_after=stop_after)).state_dict

    def same(state: dict[str, torch.Tensor]) -> bool:
        return all(torch.equal(state[key], refit.state_dict[key]) for key in state)

    assert same(refit_with(50))
    assert not same(refit_with(None))  # whole epochs of the train + validation windows
