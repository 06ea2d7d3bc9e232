"""`lstm-search compare`: real studies on a tiny CSV in a SQLite file, real training."""

from pathlib import Path

import optuna
import pytest

from search.cli.compare import compare
from search.errors import ConfigError
from search.store import schema
from search.strategies import STRATEGIES

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def fast(csv: Path, url: str, *extra: str) -> list[str]:
    return [
        "--data",
        str(csv),
        "--storage",
        url,
        "--seq-len",
        "8",
        "--epochs",
        "2",
        "--patience",
        "2",
        "--space",
        "small",
        "--quiet",
        "--workers",
        "1",
        *extra,
    ]


def finished(url: str) -> dict[str, int]:
    """Finished (complete or pruned) trials of every study in the storage."""
    return {
        name: sum(
            t.state in (optuna.trial.TrialState.COMPLETE, optuna.trial.TrialState.PRUNED)
            for t in optuna.load_study(study_name=name, storage=url).trials
        )
        for name in optuna.get_all_study_names(url)
    }


def table_rows(out: str) -> dict[str, list[str]]:
    """The compare table's rows by strategy."""
    lines = out.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("strategy "))
    rows = [line.split() for line in lines[start + 1 : start + 1 + len(STRATEGIES)]]
    return {row[0]: row for row in rows if row and row[0] in STRATEGIES}


def test_every_strategy_races_in_its_own_study_with_the_same_configuration(
    series_csv: Path,
    storage_url: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture,
) -> None:
    monkeypatch.chdir(tmp_path)
    assert compare(fast(series_csv, storage_url, "--trials", "2")) == 0
    out = capsys.readouterr().out

    names = {s: f"compare-load-{s}-r0" for s in STRATEGIES}
    assert finished(storage_url) == {name: 2 for name in names.values()}
    configs = {
        s: optuna.load_study(study_name=n, storage=storage_url).user_attrs[schema.CONFIG]
        for s, n in names.items()
    }
    for strategy, config in configs.items():
        assert config["strategy"] == strategy and config["seed"] == 0
    shared = [{k: v for k, v in c.items() if k != "strategy"} for c in configs.values()]
    assert all(c == shared[0] for c in shared)

    rows = table_rows(out)
    assert set(rows) == set(STRATEGIES)
    assert all(row[-1] in ("0/1", "1/1") for row in rows.values())
    assert "top 5 trials" not in out  # one line per study, not a search's summary
    png = tmp_path / "compare-load.png"  # the default --out
    assert png.read_bytes().startswith(PNG_MAGIC) and f"plot: {png.name}" in out


def test_repeats_have_their_own_seeds_and_the_same_command_resumes(
    series_csv: Path, storage_url: str, tmp_path: Path, capsys: pytest.CaptureFixture
) -> None:
    png = tmp_path / "race.png"
    argv = fast(series_csv, storage_url, "--strategies", "random,grid", "--repeats", "2")
    argv += ["--study", "race", "--out", str(png)]
    assert compare([*argv, "--trials", "2"]) == 0
    first = capsys.readouterr().out
    studies = {f"race-{s}-r{r}" for s in ("random", "grid") for r in (0, 1)}
    assert finished(storage_url) == dict.fromkeys(studies, 2)
    for name in studies:
        config = optuna.load_study(study_name=name, storage=storage_url).user_attrs[schema.CONFIG]
        assert config["seed"] == int(name[-1])
    assert set(table_rows(first)) == {"random", "grid"}
    assert png.read_bytes().startswith(PNG_MAGIC)

    trials_before = len(optuna.load_study(study_name="race-grid-r1", storage=storage_url).trials)
    assert compare([*argv, "--trials", "2"]) == 0
    assert capsys.readouterr().out.count("already there") == 4
    assert finished(storage_url) == dict.fromkeys(studies, 2)
    assert (
        len(optuna.load_study(study_name="race-grid-r1", storage=storage_url).trials)
        == trials_before
    )

    assert compare([*argv, "--trials", "3"]) == 0
    assert finished(storage_url) == dict.fromkeys(studies, 3)  # one more each, no more


def test_unknown_strategy_is_a_usage_error_and_writes_nothing(
    series_csv: Path, tmp_path: Path, capsys: pytest.CaptureFixture
) -> None:
    url = f"sqlite:///{tmp_path / 'never.db'}"
    with pytest.raises(SystemExit) as exited:
        compare(fast(series_csv, url, "--strategies", "random,annealing", "--trials", "2"))
    assert exited.value.code == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "grid, random, bayes, tpe" in err and "annealing" in err
    assert not (tmp_path / "never.db").exists()


def test_out_in_a_missing_directory_is_refused_before_any_study(
    series_csv: Path, tmp_path: Path
) -> None:
    url = f"sqlite:///{tmp_path / 'never.db'}"
    missing = tmp_path / "no" / "such.png"
    with pytest.raises(ConfigError, match="does not exist"):
        compare(fast(series_csv, url, "--trials", "2", "--out", str(missing)))
    assert not (tmp_path / "never.db").exists()


def test_a_study_stored_with_another_configuration_refuses_before_any_study_runs(
    series_csv: Path, storage_url: str
) -> None:
    optuna.create_study(study_name="compare-load-tpe-r0", storage=storage_url).set_user_attr(
        schema.CONFIG, {"strategy": "tpe", "epochs": 9}
    )
    with pytest.raises(ConfigError, match=r"compare-load-tpe-r0.*another configuration"):
        compare(fast(series_csv, storage_url, "--strategies", "random,tpe", "--trials", "2"))
    assert optuna.get_all_study_names(storage_url) == ["compare-load-tpe-r0"]
