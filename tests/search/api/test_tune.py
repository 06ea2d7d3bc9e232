"""search.tune: the command's search from Python, with its guarantees and quiet by default."""

from pathlib import Path

import optuna
import pandas as pd
import pytest
from torch import nn

import search
from search.cli.main import main
from search.errors import ConfigError, DataError, LstmSearchError
from search.store import read_test_score
from tests.search.conftest import LENGTHS, artifact_dir, panel_frame

TINY = {"space": "small", "epochs": 2, "seq_len": 14, "workers": 1}
COMMAND = ["--space", "small", "--epochs", "2", "--seq-len", "14", "--workers", "1", "--quiet"]


def trials_of(study: optuna.Study) -> list[tuple[int, str, dict[str, object], float | None]]:
    return [(t.number, t.state.name, t.params, t.value) for t in study.trials]


def test_tune_runs_the_same_trials_as_the_command_and_prints_nothing(
    series_csv: Path, tmp_path: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    by_command = f"sqlite:///{tmp_path / 'command.db'}"
    args = ["--data", str(series_csv), "--storage", by_command, "--trials", "3", *COMMAND]
    assert main(args) == 0
    capfd.readouterr()
    optuna.logging.set_verbosity(optuna.logging.INFO)  # a notebook user's own choice
    try:
        url = f"sqlite:///{tmp_path / 'api.db'}"
        result = search.tune(series_csv, trials=3, storage=url, **TINY)
        assert capfd.readouterr() == ("", "")
        assert optuna.logging.get_verbosity() == optuna.logging.INFO
    finally:
        optuna.logging.set_verbosity(optuna.logging.WARNING)
    command = optuna.load_study(study_name="load-bayes", storage=by_command)
    assert result.study.study_name == "load-bayes"
    assert trials_of(result.study) == trials_of(command)
    assert result.best_params == command.best_trial.params
    assert result.score == read_test_score(command.user_attrs)
    assert result.score is not None and result.score.trial == command.best_trial.number
    assert "load-bayes" in repr(result) and len(repr(result).splitlines()) == 1


def test_a_second_tune_with_more_trials_resumes_to_exactly_n_and_progress_shows_it(
    series_csv: Path, storage_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    first = search.tune(series_csv, strategy="random", trials=2, storage=storage_url, **TINY)
    before = trials_of(first.study)
    again = search.tune(
        series_csv, strategy="random", trials=3, storage=storage_url, progress=True, **TINY
    )
    shown = capsys.readouterr()
    assert "resuming at 2 of 3" in shown.out and "\ndata: load" in shown.out
    assert "trial   2 " in shown.err and "best trial" in shown.out and "elapsed" in shown.out
    after = trials_of(again.study)
    assert after[:2] == before and len(after) == 3
    assert sum(t.state.is_finished() for t in again.study.trials) == 3
    # The model and forecast come from the stored study.
    forecast = again.predict()
    assert list(forecast.columns) == ["time", "load"] and len(forecast) == 1
    assert isinstance(again.model, nn.Module)


@pytest.mark.slow
def test_a_dataframe_panel_is_searched_by_worker_processes_resumed_and_forecast(
    tmp_path: Path,
) -> None:
    url = f"sqlite:///{tmp_path / 'studies.db'}"
    panel = panel_frame()
    options = {**TINY, "workers": 2, "id_col": "id", "strategy": "random"}
    first = search.tune(panel, trials=2, storage=url, **options)
    # Written once, by its content, beside the models: the study's data for workers and later.
    written = list((artifact_dir(url) / "data").glob("*.csv"))
    assert len(written) == 1
    assert pd.read_csv(written[0])["y"].tolist() == pytest.approx(panel["y"].tolist())
    again = search.tune(panel.copy(), trials=3, storage=url, **options)
    assert again.study.study_name == first.study.study_name == f"{written[0].stem}-random"
    assert sum(t.state.is_finished() for t in again.study.trials) == 3
    assert list((artifact_dir(url) / "data").glob("*.csv")) == written
    forecast = again.predict()
    assert sorted(forecast["id"]) == sorted(LENGTHS)
    assert again.predict(series="late")["id"].tolist() == ["late"]


def command_error(args: list[str], capsys: pytest.CaptureFixture[str]) -> str:
    """The message of the one line the command prints when it refuses `args`."""
    capsys.readouterr()
    assert main(args) == 2
    return capsys.readouterr().err.strip().removeprefix("lstm-search: error: ")


def test_refusals_raise_the_projects_errors_with_the_commands_message(
    series_csv: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    url = f"sqlite:///{tmp_path / 'never.db'}"
    with pytest.raises(DataError) as refused:
        search.tune(series_csv, target="nope", storage=url, **TINY)
    args = ["--data", str(series_csv), "--storage", url, "--target", "nope", *COMMAND]
    assert str(refused.value) == command_error(args, capsys)
    with pytest.raises(ConfigError) as refused:
        search.tune(series_csv, storage=url, space="nospace", workers=1)
    assert str(refused.value) == command_error([*args[:4], "--space", "nospace"], capsys)
    assert not (tmp_path / "never.db").exists()


def test_unknown_options_and_bad_values_are_refused_naming_them(
    series_csv: Path, tmp_path: Path
) -> None:
    (tmp_path / "store").mkdir()
    url = f"sqlite:///{tmp_path / 'store' / 'never.db'}"
    with pytest.raises(ConfigError, match="unknown option epoch"):
        search.tune(panel_frame(), storage=url, id_col="id", epoch=2)
    assert list((tmp_path / "store").iterdir()) == []  # not even the frame's file
    with pytest.raises(ConfigError, match="unknown option epoch; the options are strategy, "):
        search.tune(series_csv, epoch=2)
    with pytest.raises(ConfigError, match="trials=0: must be at least 1, but got 0"):
        search.tune(series_csv, trials=0)
    with pytest.raises(ConfigError, match="strategy='anneal' is not one of grid, random"):
        search.tune(series_csv, strategy="anneal")
    with pytest.raises(LstmSearchError, match="needs three fractions"):
        search.tune(series_csv, split=(0.8, 0.2))
