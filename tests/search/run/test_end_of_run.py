"""The end of a run is resolved once: each command reads the best trial once, decodes each model
file once and checks resumability once.

The functions are wrapped with counters wherever the package imported them: they count calls
and change nothing.
"""

import sys
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import optuna
import pytest

from search.cli.main import main
from search.store import best_trial, check_resumable, load_file, schema
from search.training import decode

FAST = ["--space", "small", "--epochs", "2", "--patience", "2", "--seq-len", "14"]
SEARCH = [*FAST, "--strategy", "random", "--quiet", "--workers", "1", "--trials", "2"]


def count_calls(monkeypatch: pytest.MonkeyPatch, original: Callable[..., Any]) -> Counter[str]:
    """Count the calls of `original` made through every module of the package that holds it."""
    calls: Counter[str] = Counter()

    def counted(*args: Any, **kwargs: Any) -> Any:
        result = original(*args, **kwargs)
        calls[what(result)] += 1
        return result

    for name, module in list(sys.modules.items()):
        if name.split(".")[0] == "search" and getattr(module, original.__name__, None) is original:
            monkeypatch.setattr(module, original.__name__, counted)
    return calls


def what(result: Any) -> str:
    """A decoded model file by what it is (a trial's or a refit), anything else as "call"."""
    provenance = getattr(result, "provenance", None)
    if provenance is None:
        return "call"
    return "refit" if "refit" in provenance else f"trial {provenance['trial']}"


@pytest.fixture
def searched(series_csv: Path, storage_url: str) -> list[str]:
    """A finished search without its refit; the same command with --refit makes it."""
    command = ["--data", str(series_csv), "--storage", storage_url, *SEARCH]
    assert main(command) == 0
    stored = optuna.load_study(study_name="load-random", storage=storage_url)
    assert schema.REFIT not in stored.user_attrs
    return [*command, "--refit"]


def counters(monkeypatch: pytest.MonkeyPatch) -> dict[str, Counter[str]]:
    return {
        "best trial": count_calls(monkeypatch, best_trial),
        "model file": count_calls(monkeypatch, load_file),
        "decoded": count_calls(monkeypatch, decode),
        "resumable": count_calls(monkeypatch, check_resumable),
    }


def test_the_end_of_a_search_reads_the_best_model_once(
    searched: list[str], storage_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    counted = counters(monkeypatch)
    assert main(searched) == 0  # refits the best trial's configuration, scores, summarises
    study = optuna.load_study(study_name="load-random", storage=storage_url)
    best = f"trial {study.best_trial.number}"
    assert study.user_attrs[schema.TEST_SCORE]["refit_checkpoint"] is not None
    assert sum(counted["best trial"].values()) == 1
    assert sum(counted["model file"].values()) == 1
    assert counted["decoded"] == {best: 1}  # the refit is scored as made, not read back
    assert sum(counted["resumable"].values()) == 1


@pytest.mark.parametrize(
    "command",
    [["best"], ["report", "--out", "pictures"], ["export", "--refit"], ["predict"]],
    ids=["best", "report", "export", "predict"],
)
def test_each_read_back_command_reads_the_best_trial_once(
    searched: list[str],
    storage_url: str,
    command: list[str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    assert main(searched) == 0  # now with its refit
    study = optuna.load_study(study_name="load-random", storage=storage_url)
    study.set_user_attr(schema.TEST_SCORE, None)  # so that `best` and `report` score again
    monkeypatch.chdir(tmp_path)
    counted = counters(monkeypatch)
    assert main([command[0], "load-random", *command[1:], "--storage", storage_url]) == 0
    assert sum(counted["best trial"].values()) == 1
    assert all(times == 1 for times in counted["decoded"].values()), counted["decoded"]
