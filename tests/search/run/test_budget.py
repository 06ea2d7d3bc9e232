"""The training budget: counted in work, so the same seed gives the same trials on any machine."""

import subprocess
import sys
from pathlib import Path

import optuna
import pytest

from search.cli.main import main
from search.training.budget import budget_epochs

SMALL_RUN = [
    "--space", "small", "--strategy", "bayes", "--trials", "5", "--workers", "1",
    "--seq-len", "14", "--epochs", "30", "--window-budget", "300", "--quiet", "--no-refit",
]  # fmt: skip


@pytest.mark.parametrize(
    ("budget", "windows", "cap", "epochs"),
    [(100_000, 1_546, 30, 30), (100_000, 10_000, 30, 10), (50, 1_000, 30, 1), (999, 100, 5, 5)],
)
def test_the_budget_is_whole_epochs_within_the_cap(
    budget: int, windows: int, cap: int, epochs: int
) -> None:
    assert budget_epochs(budget, windows, cap) == epochs


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
    # 300 windows over the 125 training windows of this series: 3 epochs each, whatever the load.
    assert "training: up to 3 epochs of 125 windows per trial" in capsys.readouterr().out
    assert {len(curve) for _, _, curve in first} <= {1, 2, 3}


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
