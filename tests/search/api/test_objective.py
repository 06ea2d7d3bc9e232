"""search.objective: the command's trial objective in a user's own Optuna study."""

from pathlib import Path

import optuna

import search
from search.cli.main import main
from search.store import schema


def test_a_users_study_gets_the_commands_trials(series_csv: Path, tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'studies.db'}"
    command = ["--space", "small", "--epochs", "2", "--seq-len", "14", "--strategy", "random"]
    assert main(["--data", str(series_csv), "--storage", url, *command, "--trials", "1",
                 "--workers", "1", "--quiet"]) == 0  # fmt: skip
    trial = optuna.load_study(study_name="load-random", storage=url).trials[0]
    study = optuna.create_study(pruner=optuna.pruners.NopPruner())
    study.enqueue_trial(trial.params)
    objective = search.objective(series_csv, space="small", epochs=2, seq_len=14)
    study.optimize(objective, n_trials=2)
    mine = study.trials[0]
    assert mine.value == trial.value and mine.params == trial.params
    assert mine.intermediate_values == trial.intermediate_values  # a report per epoch
    assert mine.user_attrs[schema.EPOCHS_RUN] == trial.user_attrs[schema.EPOCHS_RUN]
    assert study.trials[1].state == optuna.trial.TrialState.COMPLETE
