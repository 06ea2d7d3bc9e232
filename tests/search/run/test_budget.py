"""The training budget: counted in work, so the same seed gives the same trials on any machine."""

import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import optuna
import pytest

from search.cli.main import main
from search.training.budget import TrialBudget

SMALL_RUN = [
    "--space", "small", "--strategy", "bayes", "--trials", "5", "--workers", "1",
    "--seq-len", "14", "--epochs", "5", "--work-budget", "1e6", "--min-epochs", "1", "--quiet",
    "--pruner", "none",
]  # fmt: skip
TRAIN_WINDOWS = 125  # of the 200-row test series with --seq-len 14


@pytest.mark.parametrize(
    ("work", "parameters", "windows", "cap", "epochs"),
    [
        (1e10, 200_000, 1_546, 30, 30),  # a mid-size model on CO2: the cap
        (1e10, 1_840_000, 1_546, 30, 5),  # the seed space's largest on CO2: the floor
        (1e10, 200_000, 10_000, 30, 5),  # a mid-size model on a 14,400-row hourly series
        (1e10, 100_000, 10_000, 30, 10),  # between the floor and the cap
        (1e3, 1_000, 1_000, 30, 5),  # never less than the floor
        (1e3, 1_000, 1_000, 3, 3),  # nor more than the cap
        (None, 1_840_000, 10_000, 30, 30),  # no work budget: the cap alone
    ],
)
def test_the_work_budget_is_whole_epochs_within_the_cap(
    work: float | None, parameters: int, windows: int, cap: int, epochs: int
) -> None:
    budget = TrialBudget(
        work, cap, patience=5, folds=1, trial_seconds=None, min_epochs=5, epoch_windows=None
    )
    assert budget.epochs_for(parameters, windows) == epochs


def trials_of(url: str) -> list[tuple[float, dict, list]]:
    study = optuna.load_study(study_name="det", storage=url)
    return [(t.value, t.params, list(t.intermediate_values.values())) for t in study.trials]


def test_same_seed_same_trials_on_an_idle_and_on_a_busy_machine(
    series_csv: Path, tmp_path: Path, capsys
) -> None:
    idle, busy = (f"sqlite:///{tmp_path / name}.db" for name in ("idle", "busy"))
    common = ["--data", str(series_csv), "--study", "det", *SMALL_RUN]
    assert main([*common, "--storage", idle]) == 0
    # Two processes that keep both cores busy for the whole second run.
    burners = [subprocess.Popen([sys.executable, "-c", "while True: pass"]) for _ in range(2)]
    try:
        assert main([*common, "--storage", busy]) == 0
    finally:
        for burner in burners:
            burner.kill()
            burner.wait()
    first, second = trials_of(idle), trials_of(busy)
    assert len(first) == 5
    assert first == second
    assert "training: 125 windows per epoch; a work budget of 1e+06" in capsys.readouterr().out
    # Each trial trained the epochs its size buys with the budget, whatever the load.
    budget = TrialBudget(
        1e6, 5, patience=5, folds=1, trial_seconds=None, min_epochs=1, epoch_windows=None
    )
    allotted = []
    for trial in optuna.load_study(study_name="det", storage=busy).trials:
        epochs = budget.epochs_for(trial.user_attrs["param_count"], TRAIN_WINDOWS)
        allotted.append(epochs)
        assert len(trial.intermediate_values) <= epochs
        if trial.user_attrs.get("stopped_by") == "epochs":
            assert trial.user_attrs["epochs_run"] == epochs
    assert len(set(allotted)) > 1  # models of different sizes got different epochs


def test_a_per_fold_pruner_with_too_few_folds_is_refused_before_anything_is_written(
    series_csv: Path, tmp_path: Path, capsys
) -> None:
    url = f"sqlite:///{tmp_path / 'studies.db'}"
    args = ["--data", str(series_csv), "--storage", url, "--pruner", "wilcoxon", "--folds", "4"]
    assert main(args) == 2
    err = capsys.readouterr().err
    assert "needs --folds 5 or more" in err and len(err.strip().splitlines()) == 1
    assert not (tmp_path / "studies.db").exists()


def test_a_study_stored_before_folds_existed_resumes(series_csv: Path, tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'studies.db'}"
    common = ["--data", str(series_csv), "--storage", url, "--study", "det"]
    first = [*common, *SMALL_RUN]
    first[first.index("--trials") + 1] = "2"
    assert main(first) == 0
    study = optuna.load_study(study_name="det", storage=url)
    older = {k: v for k, v in study.user_attrs["config"].items() if k != "folds"}
    study.set_user_attr("config", older)
    assert main([*common, *SMALL_RUN]) == 0  # the same options: resumed, not refused
    assert len(study.trials) == 5
    assert main([*common, *SMALL_RUN, "--folds", "2"]) == 2  # a real change still is


@pytest.mark.parametrize(
    ("parameters", "windows", "epochs"),
    [
        (200_000, 1_546, 30),  # CO2, within the bound: as with whole epochs
        (200_000, 10_000, 25),  # a 14,400-row hourly series: epochs of 2,048, not 10,000
        (1_840_000, 10_000, 5),  # the floor, in epochs of 2,048
    ],
)
def test_the_work_budget_counts_epochs_of_at_most_epoch_windows(
    parameters: int, windows: int, epochs: int
) -> None:
    budget = TrialBudget(
        1e10, 30, patience=5, folds=1, trial_seconds=None, min_epochs=5, epoch_windows=2_048
    )
    assert budget.epoch_size(windows) == min(windows, 2_048)
    assert budget.epochs_for(parameters, windows) == epochs


def test_a_bounded_search_trains_and_says_epochs_of_epoch_windows(
    series_csv: Path, tmp_path: Path, capsys
) -> None:
    url = f"sqlite:///{tmp_path / 'studies.db'}"
    bounded = [*SMALL_RUN, "--epoch-windows", "50"]
    assert main(["--data", str(series_csv), "--storage", url, "--study", "det", *bounded]) == 0
    out = capsys.readouterr().out
    assert "training: 50 windows per epoch, in turn from a seeded order of all 125;" in out
    # Each trial trained the epochs the work budget buys in epochs of 50 windows, more than it
    # buys in whole epochs of 125 for the smaller models.
    budget = TrialBudget(1e6, 5, patience=5, folds=1, trial_seconds=None, min_epochs=1,
                         epoch_windows=50)  # fmt: skip
    whole = replace(budget, epoch_windows=None)
    trials = optuna.load_study(study_name="det", storage=url).trials
    for trial in trials:
        epochs = budget.epochs_for(trial.user_attrs["param_count"], TRAIN_WINDOWS)
        if trial.user_attrs.get("stopped_by") == "epochs":
            assert trial.user_attrs["epochs_run"] == epochs
    assert any(
        budget.epochs_for(t.user_attrs["param_count"], TRAIN_WINDOWS)
        > whole.epochs_for(t.user_attrs["param_count"], TRAIN_WINDOWS)
        for t in trials
        if t.user_attrs.get("stopped_by") == "epochs"
    )


def test_a_study_stored_before_epoch_windows_resumes_in_whole_epochs(
    series_csv: Path, tmp_path: Path, capsys
) -> None:
    older, whole = (f"sqlite:///{tmp_path / name}.db" for name in ("older", "whole"))
    common = ["--data", str(series_csv), "--study", "det", *SMALL_RUN]
    first = [*common, "--epoch-windows", "0"]
    first[first.index("--trials") + 1] = "2"
    assert main([*first, "--storage", older]) == 0
    study = optuna.load_study(study_name="det", storage=older)
    stored = {k: v for k, v in study.user_attrs["config"].items() if k != "epoch_windows"}
    study.set_user_attr("config", stored)
    capsys.readouterr()
    # Another epoch size is another configuration: refused, naming it.
    assert main([*common, "--storage", older, "--epoch-windows", "50"]) == 2
    assert "epoch_windows: stored null, now 50" in capsys.readouterr().err
    assert main([*common, "--storage", older, "--epoch-windows", "0"]) == 0
    # The same trials as a study made in whole epochs all along.
    assert main([*common, "--storage", whole, "--epoch-windows", "0"]) == 0
    assert trials_of(older) == trials_of(whole)
    bounded = f"sqlite:///{tmp_path / 'bounded.db'}"
    assert main([*common, "--storage", bounded, "--epoch-windows", "50"]) == 0
    assert trials_of(bounded) != trials_of(whole)
