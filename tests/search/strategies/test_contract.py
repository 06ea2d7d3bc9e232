"""The contract every strategy keeps, run through the real runner on a real SQLite storage."""

from pathlib import Path

import optuna
import pytest

from search.hyperparameters import load_search_space
from search.runner import run_trials
from search.slots import SlotLock
from search.storage import open_storage
from search.strategies import STRATEGIES, make_sampler

SPACE = load_search_space("seed")


def quadratic(trial: optuna.Trial) -> float:
    """A cheap stand-in for training with an interior optimum in the seed space."""
    p = SPACE.suggest(trial)
    return (
        ((p["hidden_size"] - 100) / 100) ** 2
        + (p["num_layers"] - 2) ** 2 / 4
        + (p["dropout"] - 0.25) ** 2
        + (p["batch_size"] == 64) * -0.1
        + abs(p["learning_rate"] - 1e-3) * 100
    )


def run(url: str, strategy: str, n: int, seed: int = 0, name: str = "s") -> optuna.Study:
    study = optuna.create_study(
        storage=open_storage(url),
        study_name=name,
        load_if_exists=True,
        sampler=make_sampler(strategy, SPACE, seed),
    )
    run_trials(study, quadratic, n, SlotLock(url, name))
    return study


@pytest.mark.parametrize("strategy", sorted(STRATEGIES))
def test_suggestions_stay_inside_the_space(strategy: str, storage_url: str) -> None:
    study = run(storage_url, strategy, 14)
    distributions = {p.name: p.distribution for p in SPACE.params}
    for trial in study.trials:
        assert set(trial.params) == set(distributions)
        for name, value in trial.params.items():
            assert distributions[name]._contains(distributions[name].to_internal_repr(value))


@pytest.mark.parametrize("strategy", sorted(STRATEGIES))
def test_study_ends_with_exactly_n_finished_trials(strategy: str, storage_url: str) -> None:
    study = run(storage_url, strategy, 12)
    assert len(study.trials) == 12
    assert all(t.state == optuna.trial.TrialState.COMPLETE for t in study.trials)


@pytest.mark.parametrize("strategy", sorted(STRATEGIES))
def test_same_seed_same_parameters(strategy: str, tmp_path: Path) -> None:
    first = run(f"sqlite:///{tmp_path / 'a.db'}", strategy, 13, seed=3)
    second = run(f"sqlite:///{tmp_path / 'b.db'}", strategy, 13, seed=3)
    other = run(f"sqlite:///{tmp_path / 'c.db'}", strategy, 13, seed=4)
    assert [t.params for t in first.trials] == [t.params for t in second.trials]
    assert [t.params for t in first.trials] != [t.params for t in other.trials]


@pytest.mark.parametrize("strategy", sorted(STRATEGIES))
def test_resume_after_reopening_continues_to_n(strategy: str, storage_url: str) -> None:
    run(storage_url, strategy, 7)
    study = run(storage_url, strategy, 13)  # a new process would start exactly like this
    assert len(study.trials) == 13
    assert len({t.number for t in study.trials}) == 13


def test_grid_never_repeats_a_cell_across_resumes(storage_url: str) -> None:
    run(storage_url, "grid", 20)
    study = run(storage_url, "grid", 40)
    cells = [tuple(sorted(t.params.items())) for t in study.trials]
    assert len(cells) == len(set(cells)) == 40


@pytest.mark.parametrize("strategy", sorted(STRATEGIES))
def test_a_new_process_does_not_replay_earlier_points(strategy: str, storage_url: str) -> None:
    # Each run() builds a fresh sampler, as a resumed command or a second worker does.
    for n in (3, 6, 9):
        study = run(storage_url, strategy, n)
    points = [tuple(sorted(t.params.items())) for t in study.trials]
    assert len(set(points)) == 9
