"""A study stored by an earlier version (tests/fixtures/v0_1_study) still reads back and resumes.

The fixture was made by a real search before the stored records were typed; every command that
reads a study back must work on it as it is, and the same search command must resume it.
"""

import json
import shutil
from pathlib import Path

import optuna
import pytest

from search.cli.main import main
from search.store import (
    read_baselines,
    read_config,
    read_refit,
    read_source,
    read_test_score,
    schema,
)
from search.store.records import config_json

FIXTURE = Path(__file__).parents[2] / "fixtures" / "v0_1_study"
STUDY = "co2-fixture"
# Made before --epoch-windows: it resumes as it was made, in whole epochs.
SEARCH = [
    "--space", "tiny.toml", "--epochs", "2", "--workers", "1", "--strategy", "tpe",
    "--epoch-windows", "0",
]  # fmt: skip


@pytest.fixture
def stored(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """A copy of the fixture study, in the working directory (its space file is relative)."""
    for name in ("studies.db", "studies-artifacts", "tiny.toml"):
        source = FIXTURE / name
        copy = shutil.copytree if source.is_dir() else shutil.copy
        copy(source, tmp_path / name)
    monkeypatch.chdir(tmp_path)
    return f"sqlite:///{tmp_path / 'studies.db'}"


def stored_attrs(url: str) -> dict[str, object]:
    return optuna.load_study(study_name=STUDY, storage=url).user_attrs


def test_fixture_holds_every_record(stored: str) -> None:
    attrs = stored_attrs(stored)
    for key in (schema.CONFIG, schema.SOURCE, schema.REFIT, schema.BASELINES, schema.TEST_SCORE):
        assert key in attrs, key
    baselines = attrs[schema.BASELINES]
    assert isinstance(baselines, dict)
    assert set(baselines["errors"]) == {"auto_ets", "auto_theta", "mstl"}


@pytest.mark.parametrize(
    ("command", "says"),
    [
        (["studies"], "co2-fixture  tpe       3/3"),
        (["show", STUDY], "2      complete  1.091"),
        (["best", STUDY], "refit on train+validation (2 epochs)"),
        (["export", STUDY, "--out", "model.pt", "--trials-csv", "t.csv"], "trial 2, validation"),
        (["export", STUDY, "--refit", "--out", "refit.pt"], "refit on train + validation"),
        (["predict", STUDY, "--out", "forecast.csv"], "2001-12-29 00:00:00 by trial 2"),
        (["predict", STUDY, "--refit"], "refit on train + validation (2 epochs)"),
    ],
    ids=["studies", "show", "best", "export", "export-refit", "predict", "predict-refit"],
)
def test_read_back_commands_work(
    stored: str, command: list[str], says: str, capsys: pytest.CaptureFixture[str]
) -> None:
    before = stored_attrs(stored)
    assert main([*command, "--storage", stored]) == 0
    assert says in capsys.readouterr().out
    # The stored score was current, so reading back rewrote no record.
    assert stored_attrs(stored) == before


def test_best_json_gives_the_stored_score(stored: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["best", STUDY, "--json", "--storage", stored]) == 0
    record = json.loads(capsys.readouterr().out)
    assert record["study"] == STUDY
    assert record["test_score"] == stored_attrs(stored)[schema.TEST_SCORE]
    assert record["trial"] == record["test_score"]["trial"]


def test_report_draws_every_picture(
    stored: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["report", STUDY, "--out", "pictures", "--storage", stored]) == 0
    drawn = {path.name for path in (tmp_path / "pictures").iterdir()}
    assert drawn == {
        "history.png",
        "importances.png",
        "learning_curves.png",
        "test_forecast.png",
        "test_scores.png",
    }


def test_the_same_search_resumes_it(stored: str, capsys: pytest.CaptureFixture[str]) -> None:
    command = [*SEARCH, "--study", STUDY, "--storage", stored]
    assert main([*command, "--trials", "4"]) == 0
    out = capsys.readouterr().out
    assert "resuming at 3 of 4" in out and "test score on 342 held-out windows" in out
    study = optuna.load_study(study_name=STUDY, storage=stored)
    assert sum(t.state.is_finished() for t in study.trials) == 4
    score = study.user_attrs[schema.TEST_SCORE]
    assert score["trial"] == study.best_trial.number
    assert study.user_attrs[schema.REFIT]["trial"] == study.best_trial.number


def test_every_record_reads_back_as_the_type_that_writes_it_again(stored: str) -> None:
    attrs = stored_attrs(stored)
    readers = {
        schema.CONFIG: read_config,
        schema.SOURCE: read_source,
        schema.REFIT: read_refit,
        schema.TEST_SCORE: read_test_score,
        schema.BASELINES: read_baselines,
    }
    for key, read in readers.items():
        record = read(attrs)
        # A config writes back with the keys added since it was stored, at the values it implied.
        stored = config_json(attrs) if key == schema.CONFIG else attrs[key]
        assert record is not None and record.to_json() == stored, key
    score = read_test_score(attrs)
    assert score is not None and score.trial == 2 and score.best_baseline == "mstl"
    assert list(score.forecasts)[:3] == ["model", "refit", "persistence"]
    assert score.model.skill is not None and score.forecasts["mstl"].skill is None


def test_a_config_stored_before_keys_were_added_reads_with_the_values_it_implied(
    stored: str,
) -> None:
    stored_config = stored_attrs(stored)[schema.CONFIG]
    assert isinstance(stored_config, dict)
    older = {key: value for key, value in stored_config.items() if key not in schema.CONFIG_ADDED}
    config = read_config({schema.CONFIG: older})
    assert config is not None
    assert (config.folds, config.work_budget, config.min_epochs) == (1, None, 1)
    assert config.epoch_windows is None  # whole epochs


def test_records_in_older_shapes_read_without_error(stored: str) -> None:
    attrs = stored_attrs(stored)
    source = attrs[schema.SOURCE]
    assert isinstance(source, dict)
    before_date_formats = {k: v for k, v in source.items() if k != "date_format"}
    read = read_source({schema.SOURCE: before_date_formats})
    assert read is not None and read.date_format is None and read.path == source["path"]
    # The score's shape before b68ae45: one skill for the whole score, no best baseline.
    one_skill = {
        "trial": 0,
        "val_loss": 0.5,
        "model": {"mse": 0.2, "mae": 0.3},
        "persistence": {"mse": 0.3, "mae": 0.4},
        "skill": 0.33,
        "windows": 342,
    }
    assert read_test_score({schema.TEST_SCORE: one_skill}) is None


def test_a_study_with_a_score_in_an_older_shape_is_listed_and_scored_again(
    stored: str, capsys: pytest.CaptureFixture[str]
) -> None:
    study = optuna.load_study(study_name=STUDY, storage=stored)
    study.set_user_attr(schema.TEST_SCORE, {"trial": 0, "val_loss": 0.5, "skill": 0.33})
    assert main(["studies", "--storage", stored]) == 0
    assert STUDY in capsys.readouterr().out
    assert main(["best", STUDY, "--storage", stored, "--json"]) == 0
    rescored = read_test_score(optuna.load_study(study_name=STUDY, storage=stored).user_attrs)
    assert rescored is not None and rescored.model.skill_vs_best_baseline is not None
