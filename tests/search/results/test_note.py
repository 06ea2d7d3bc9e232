"""The study's note in optuna-dashboard: the configuration and test score, readable."""

from pathlib import Path

import optuna
from optuna_dashboard import get_note, save_note

from search.cli.main import main
from search.results.note import write_note
from search.store import schema
from tests.search.conftest import writable_copy

STUDY = "load-random"


def test_the_note_shows_the_settings_the_space_and_the_stored_score(searched) -> None:
    _, url = searched
    study = optuna.load_study(study_name=STUDY, storage=url)
    note = get_note(study)
    score = study.user_attrs[schema.TEST_SCORE]
    assert note.startswith(f"## {STUDY}\n")
    assert "| horizon | 3 step(s) from an input window of 14 steps |" in note
    assert "| split | train 70%, validation 15%, test 15% (in time order) |" in note
    assert "| learning_rate | 0.001 to 0.03, log scale | always |" in note
    assert "| batch_size | 32, 64 | always |" in note
    model = score["model"]
    row = f"| selected model (trial {score['trial']}) | {model['mse']:.4g} | {model['mae']:.4g} |"
    assert row in note
    handed = "- skill of the selected model (the one export and predict use)"
    assert f"{handed}: {score['model']['skill']:.3f}" in note
    assert "| MSTL (season 7) |" in note
    assert "| forecast | step 1 | step 2 | step 3 |" in note  # horizon 3: errors by step


def test_a_note_edited_by_a_user_is_never_written_over(searched, tmp_path: Path) -> None:
    csv, _ = searched
    url = writable_copy(searched, tmp_path)
    study = optuna.load_study(study_name=STUDY, storage=url)
    save_note(study, "my own notes")
    study.set_user_attr(schema.TEST_SCORE, None)  # so that `best` scores and stores again
    assert main(["best", STUDY, "--storage", url, "--data", str(csv)]) == 0
    assert study.user_attrs[schema.TEST_SCORE] is not None
    assert get_note(study) == "my own notes"


def test_the_note_follows_the_score_while_nobody_edits_it(searched, tmp_path: Path) -> None:
    csv, _ = searched
    url = writable_copy(searched, tmp_path)
    study = optuna.load_study(study_name=STUDY, storage=url)
    study.set_user_attr(schema.TEST_SCORE, None)
    write_note(study)
    assert "Test score" not in get_note(study)
    assert main(["best", STUDY, "--storage", url, "--data", str(csv)]) == 0
    assert "Test score" in get_note(study)
    assert study.user_attrs[schema.TEST_SCORE] is not None
