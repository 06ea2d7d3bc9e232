"""The command line through main([...]): searches, resumes, refusals and read-back commands."""

import json
import sqlite3
from dataclasses import asdict
from pathlib import Path

import optuna
import pytest

from search.cli.main import main
from search.cli.options import search_parser
from search.run.options import SearchOptions
from search.store import schema

FAST = [
    "--space",
    "small",
    "--epochs",
    "2",
    "--patience",
    "2",
    "--seq-len",
    "14",
    "--strategy",
    "random",
    "--quiet",
    "--workers",
    "1",
]


def search(csv: Path, url: str, *extra: str) -> int:
    return main(["--data", str(csv), "--storage", url, *FAST, *extra])


def finished(url: str, name: str = "load-random") -> int:
    study = optuna.load_study(study_name=name, storage=url)
    return sum(t.state.is_finished() and t.state.name != "FAIL" for t in study.trials)


def test_search_then_resume_continues_to_the_new_target(
    series_csv: Path, storage_url: str, capsys: pytest.CaptureFixture
) -> None:
    assert search(series_csv, storage_url, "--trials", "3") == 0
    out = capsys.readouterr().out
    assert "starting, 3 trials" in out and "best trial" in out
    data = next(line for line in out.splitlines() if line.startswith("data: "))
    assert "200 rows, time column 'day' 2024-01-01 to 2024-07-18, frequency D" in data
    assert "season 7; target 'load', features none; 2 values interpolated" in data
    assert finished(storage_url) == 3
    study = optuna.load_study(study_name="load-random", storage=storage_url)
    assert study.metric_names == ["val_loss"]  # optuna-dashboard's label for the objective
    assert search(series_csv, storage_url, "--trials", "5") == 0
    assert "resuming at 3 of 5" in capsys.readouterr().out
    assert finished(storage_url) == 5


def test_finished_study_says_so_and_runs_nothing(
    series_csv: Path, storage_url: str, capsys: pytest.CaptureFixture
) -> None:
    search(series_csv, storage_url, "--trials", "2")
    capsys.readouterr()
    assert search(series_csv, storage_url, "--trials", "2") == 0
    assert "already has 2 finished trials" in capsys.readouterr().out
    assert len(optuna.load_study(study_name="load-random", storage=storage_url).trials) == 2


def test_study_records_its_configuration(series_csv: Path, storage_url: str) -> None:
    search(series_csv, storage_url, "--trials", "1")
    study = optuna.load_study(study_name="load-random", storage=storage_url)
    config = study.user_attrs[schema.CONFIG]
    assert config["target"] == "load" and config["seq_len"] == 14 and config["epochs"] == 2
    assert config["space"]["name"] == "small" and config["strategy"] == "random"
    assert {"torch", "optuna", "scikit-optimize"} <= set(study.user_attrs["versions"])
    trial = study.trials[0]
    assert {
        "param_count",
        "epochs_run",
        "best_epoch",
        "seconds",
        "samples_per_second",
        "seed",
    } <= set(trial.user_attrs)
    assert list(trial.intermediate_values) == [1, 2]  # the learning curve, per epoch


def test_resume_with_changed_data_is_refused_and_storage_untouched(
    series_csv: Path, storage_url: str, tmp_path: Path, capsys: pytest.CaptureFixture
) -> None:
    search(series_csv, storage_url, "--trials", "2")
    capsys.readouterr()
    series_csv.write_text(series_csv.read_text().replace("50.", "51.", 1))
    db = Path(storage_url.removeprefix("sqlite:///"))
    before = db.read_bytes()
    assert search(series_csv, storage_url, "--trials", "4") == 2
    err = capsys.readouterr().err.strip()
    assert "fingerprint: stored" in err and "--study load-random-2" in err and "\n" not in err
    assert finished(storage_url) == 2
    assert db.read_bytes() == before


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["--target", "nope"], "column 'nope' is not in"),
        (["--space", "nospace"], "unknown"),
        (["--seq-len", "150"], "too few rows"),
        (["--split", "0.5,0.5,0.5"], "--split"),
        (["--seq-len", "5000"], "too few rows for seq_len 5000"),
    ],
)
def test_bad_input_is_one_line_exit_2_and_creates_no_storage(
    series_csv: Path, tmp_path: Path, capsys: pytest.CaptureFixture, args: list, expected: str
) -> None:
    url = f"sqlite:///{tmp_path / 'never.db'}"
    assert search(series_csv, url, *args) == 2
    err = capsys.readouterr().err
    assert expected in err and err.count("\n") == 1 and "Traceback" not in err
    assert not (tmp_path / "never.db").exists()


def test_grid_over_a_space_without_grid_values_is_refused_before_any_write(
    series_csv: Path, tmp_path: Path, capsys: pytest.CaptureFixture
) -> None:
    space = tmp_path / "ranges.toml"
    space.write_text("[hidden_size]\nlow = 4\nhigh = 8\n")
    url = f"sqlite:///{tmp_path / 'never.db'}"
    assert search(series_csv, url, "--space", str(space), "--strategy", "grid") == 2
    err = capsys.readouterr().err
    assert "hidden_size has no grid values" in err and err.count("\n") == 1
    assert not (tmp_path / "never.db").exists()


@pytest.mark.parametrize(
    "args",
    [
        ["--seed", "-1"],
        ["--seed", "4294967296"],
        ["--split", "nan,0.5,0.5"],
        ["--trial-seconds", "nan"],
        ["--timeout", "-1"],
        ["--timeout", "inf"],
    ],
)
def test_an_option_out_of_range_is_refused_before_any_write(
    series_csv: Path, tmp_path: Path, capsys: pytest.CaptureFixture, args: list
) -> None:
    url = f"sqlite:///{tmp_path / 'never.db'}"
    with pytest.raises(SystemExit) as exited:
        search(series_csv, url, *args)
    assert exited.value.code == 2
    err = capsys.readouterr().err
    assert args[0] in err and err.count("\n") == 1
    assert not (tmp_path / "never.db").exists()


@pytest.mark.parametrize(
    ("space", "name"),
    [
        ("[dropout]\nlow = 1.0\nhigh = 1.5\n", "dropout"),
        ("[hidden_size]\nlow = 0\nhigh = 8\n", "hidden_size"),
        ("[hidden_size]\nlow = 8\nhigh = 1000000\n", "hidden_size"),
        ("[num_layers]\nlow = 0\nhigh = 2\n", "num_layers"),
        ("[batch_size]\nchoices = [0, 32]\n", "batch_size"),
        ("[learning_rate]\nlow = -0.1\nhigh = 0.1\n", "learning_rate"),
    ],
)
def test_a_space_reaching_impossible_values_is_refused_before_any_write(
    series_csv: Path, tmp_path: Path, capsys: pytest.CaptureFixture, space: str, name: str
) -> None:
    path = tmp_path / "bad.toml"
    path.write_text(space)
    url = f"sqlite:///{tmp_path / 'never.db'}"
    assert search(series_csv, url, "--space", str(path)) == 2
    err = capsys.readouterr().err
    assert f"error: {name}: expected" in err and err.count("\n") == 1
    assert not (tmp_path / "never.db").exists()


def test_a_mistyped_command_is_told_the_closest_one(capsys: pytest.CaptureFixture) -> None:
    assert main(["studeis"]) == 2
    err = capsys.readouterr().err
    assert "unknown command 'studeis'; did you mean 'studies'?" in err and err.count("\n") == 1


def test_version(capsys: pytest.CaptureFixture) -> None:
    assert main(["--version"]) == 0
    assert capsys.readouterr().out.startswith("lstm-search ")


def test_usage_error_is_one_line_exit_2(capsys: pytest.CaptureFixture) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["--strategy", "annealing"])
    assert exited.value.code == 2
    assert capsys.readouterr().err.count("\n") == 1


def test_grid_beyond_its_size_stops_at_the_grid(
    series_csv: Path, storage_url: str, tmp_path: Path, capsys: pytest.CaptureFixture
) -> None:
    grid = tmp_path / "tiny.toml"
    grid.write_text("[hidden_size]\nlow = 4\nhigh = 8\ngrid = [4, 8]\n")
    args = [
        "--data",
        str(series_csv),
        "--storage",
        storage_url,
        "--space",
        str(grid),
        "--strategy",
        "grid",
        "--trials",
        "5",
        "--epochs",
        "1",
        "--seq-len",
        "14",
        "--quiet",
    ]
    assert main(args) == 0
    assert "grid has 2 cells" in capsys.readouterr().out
    assert finished(storage_url, "load-grid") == 2


def test_read_back_commands(
    series_csv: Path, storage_url: str, capsys: pytest.CaptureFixture
) -> None:
    search(series_csv, storage_url, "--trials", "2")
    capsys.readouterr()
    assert main(["studies", "--storage", storage_url]) == 0
    out = capsys.readouterr().out
    assert "load-random" in out and "2/2" in out
    assert main(["show", "load-random", "--storage", storage_url]) == 0
    header, *rows = capsys.readouterr().out.splitlines()
    assert "hidden_size" in header and "suggest_s" in header and header.endswith("stopped")
    # Two epochs, patience two: a trial ran all its epochs or was pruned, and says which.
    trials = optuna.load_study(study_name="load-random", storage=storage_url).trials
    reasons = {
        t.number: "ran all its epochs" if t.state.name == "COMPLETE" else "pruned at"
        for t in trials
    }
    assert all(reasons[int(row.split()[0])] in row for row in rows)
    study = optuna.load_study(study_name="load-random", storage=storage_url)
    suggest = [t.user_attrs["suggest_seconds"] for t in study.trials]
    assert all(0 <= s < 60 for s in suggest)
    column = header.split().index("suggest_s")
    assert [float(row.split()[column]) for row in rows] == pytest.approx(suggest, abs=1e-3)
    assert main(["best", "load-random", "--storage", storage_url, "--json"]) == 0
    record = json.loads(capsys.readouterr().out)
    study = optuna.load_study(study_name="load-random", storage=storage_url)
    assert record["trial"] == study.best_trial.number
    assert record["val_loss"] == study.best_value
    assert main(["best", "nope", "--storage", storage_url]) == 2
    assert "no study 'nope'" in capsys.readouterr().err


def test_read_back_of_a_missing_storage_creates_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture
) -> None:
    assert main(["studies", "--storage", f"sqlite:///{tmp_path / 'none.db'}"]) == 2
    assert "no storage" in capsys.readouterr().err
    assert not (tmp_path / "none.db").exists()


def test_password_in_a_url_is_never_printed(capsys: pytest.CaptureFixture) -> None:
    url = "postgresql+psycopg://user:s3cret@127.0.0.1:1/db"
    assert main(["studies", "--storage", url]) == 2
    err = capsys.readouterr().err
    assert "s3cret" not in err and "***" in err


def test_same_seed_on_a_fresh_storage_gives_the_same_trial_values(
    series_csv: Path, tmp_path: Path
) -> None:
    def values(db: str, seed: str) -> list[float]:
        url = f"sqlite:///{tmp_path / db}"
        assert search(series_csv, url, "--trials", "3", "--seed", seed) == 0
        return [t.value for t in optuna.load_study(study_name="load-random", storage=url).trials]

    first = values("a.db", "5")
    assert first == values("b.db", "5")
    assert first != values("c.db", "6")


def test_the_parser_defaults_are_exactly_the_search_options_defaults() -> None:
    # One home for each default: a program calling run_search(SearchOptions()) runs the same
    # search as `lstm-search` with no options.
    parsed = vars(search_parser("lstm-search", "").parse_args([]))
    assert parsed.pop("debug") is False
    assert parsed == asdict(SearchOptions())


def test_a_smoke_test_then_the_default_space_names_both_spaces_and_a_separate_study(
    series_csv: Path, storage_url: str, capsys: pytest.CaptureFixture
) -> None:
    assert search(series_csv, storage_url, "--trials", "1") == 0  # FAST searches `small`
    capsys.readouterr()
    assert search(series_csv, storage_url, "--trials", "1", "--space", "seed") == 2
    err = capsys.readouterr().err
    assert "space: stored small, now seed" in err and "--study load-random-2" in err
    assert search(series_csv, storage_url, "--trials", "1", "--space", "seed", "--study",
                  "load-random-2", "--epochs", "1") == 0  # fmt: skip


def test_a_storage_that_is_not_a_database_is_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture
) -> None:
    text = tmp_path / "notes.db"
    text.write_text("not a database\n")
    folder = tmp_path / "folder.db"
    folder.mkdir()
    for path in (text, folder):
        assert main(["studies", "--storage", f"sqlite:///{path}"]) == 2
        err = capsys.readouterr().err
        assert err.count("\n") == 1 and "Traceback" not in err
    assert text.read_text() == "not a database\n"


def test_outputs_go_only_where_they_can_and_names_stay_in_the_folder(
    series_csv: Path, storage_url: str, tmp_path: Path, monkeypatch, capsys
) -> None:
    assert search(series_csv, storage_url, "--trials", "1", "--study", "../../x") == 0
    for out in (str(tmp_path / "missing" / "m.pt"), str(tmp_path)):
        with pytest.raises(SystemExit) as exited:
            main(["export", "../../x", "--storage", storage_url, "--out", out])
        assert exited.value.code == 2
    capsys.readouterr()
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)
    assert main(["export", "../../x", "--storage", storage_url]) == 0
    assert [p.name for p in work.iterdir()] == ["_.._x.pt"]


def test_a_storage_from_a_newer_optuna_schema_is_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture
) -> None:
    path = tmp_path / "newer.db"
    optuna.create_study(storage=f"sqlite:///{path}", study_name="s")
    with sqlite3.connect(path) as connection:
        connection.execute("UPDATE alembic_version SET version_num = 'v99.0.0.a'")
    connection.close()
    assert main(["studies", "--storage", f"sqlite:///{path}"]) == 2
    err = capsys.readouterr().err
    assert "table schema this Optuna" in err and err.count("\n") == 1


def test_a_study_name_with_escape_codes_prints_escaped(
    series_csv: Path, storage_url: str, capsys: pytest.CaptureFixture
) -> None:
    name = "evil\x1b[2J\nname"
    assert search(series_csv, storage_url, "--trials", "1", "--study", name) == 0
    out = capsys.readouterr().out
    assert "\x1b" not in out and "evil\\x1b[2J\\nname" in out
    assert main(["studies", "--storage", storage_url]) == 0
    assert "\x1b" not in capsys.readouterr().out
