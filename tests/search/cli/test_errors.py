"""Refusals found by attacking the command: each is one line on stderr and exit 2 (or works),
never a traceback."""

from pathlib import Path

import optuna
import pytest

from search.cli.main import main
from search.cli.options import search_parser
from search.run.values import MAX_TRIALS
from tests.search.conftest import writable_copy


def one_line_error(capsys: pytest.CaptureFixture[str]) -> str:
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("lstm-search"), err
    return err


def test_a_horizon_longer_than_the_series_is_refused_before_the_storage_is_made(
    series_csv: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    url = f"sqlite:///{tmp_path / 'studies.db'}"
    args = ["--data", str(series_csv), "--storage", url, "--horizon", "3000", "--trials", "1"]
    assert main(args) == 2
    assert "+ horizon 3000 in the train split" in one_line_error(capsys)
    assert not (tmp_path / "studies.db").exists()


@pytest.mark.parametrize(
    "command",
    [
        ["report", "load-random", "--out", "/proc/x"],
        ["export", "load-random", "--out", "/proc/x.pt"],
        ["export", "load-random", "--trials-csv", "/proc/x.csv"],
    ],
)
def test_an_output_that_cannot_be_written_is_refused_in_one_line(
    searched: tuple[Path, str], capsys: pytest.CaptureFixture[str], command: list[str]
) -> None:
    assert main([*command, "--storage", searched[1]]) == 2
    assert f"cannot write {command[-1]!r}" in one_line_error(capsys)


def test_export_and_report_of_a_study_with_a_5000_character_name_write_short_files(
    searched: tuple[Path, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = writable_copy(searched, tmp_path)
    name = "a" * 5000
    optuna.copy_study(
        from_study_name="load-random", from_storage=url, to_storage=url, to_study_name=name
    )
    monkeypatch.chdir(tmp_path)
    assert main(["export", name, "--storage", url]) == 0
    assert main(["report", name, "--storage", url]) == 0
    written = {p.name for p in tmp_path.iterdir() if "aaaa" in p.name}
    assert len(written) == 2 and max(map(len, written)) <= 120, written


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("postgresql+psycopg://u@localhost:abc/db", "port is not a number"),
        ("postgresql+psycopg://u:secret@localhost:abc/db", "port is not a number"),
        ("postgresql+nosuch://u@localhost/db", "driver 'postgresql+nosuch' is unknown"),
    ],
)
def test_a_storage_url_with_a_bad_port_or_driver_is_refused_in_one_line(
    url: str, expected: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["studies", "--storage", url]) == 2
    err = one_line_error(capsys)
    assert expected in err and "secret" not in err, err


def test_a_line_break_in_the_storage_path_is_shown_escaped_on_one_line(
    series_csv: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    url = f"sqlite:///{tmp_path}/no\nsuch/studies.db"
    assert main(["--data", str(series_csv), "--storage", url, "--trials", "1"]) == 2
    assert "no\\nsuch" in one_line_error(capsys)


def test_trials_are_bounded(capsys: pytest.CaptureFixture[str]) -> None:
    parser = search_parser("lstm-search", "")  # the parser alone: a regression runs nothing
    assert parser.parse_args(["--trials", str(MAX_TRIALS)]).trials == MAX_TRIALS
    with pytest.raises(SystemExit) as exited:
        parser.parse_args(["--trials", str(10**40)])
    assert exited.value.code == 2
    assert f"must be at most {MAX_TRIALS:,}" in one_line_error(capsys)
