"""The contract every strategy keeps on every preset space with a grid (`seed`, and `full` with
its conditional learning rates), run through the real runner on a real SQLite storage."""

import math
from pathlib import Path

import optuna
import pytest
from optuna.distributions import (
    BaseDistribution,
    CategoricalDistribution,
    FloatDistribution,
    IntDistribution,
)

from search.run.runner import run_trials
from search.store.backends import study_lock
from search.store.storage import open_storage
from search.strategies import STRATEGIES, make_sampler
from search.strategies.pruners import make_pruner
from search.training.hyperparameters import load_search_space

SPACES = {name: load_search_space(name) for name in ("seed", "full")}
CASES = [(space, strategy) for space in SPACES for strategy in sorted(STRATEGIES)]


def position(dist: BaseDistribution, value: object) -> float:
    """Where `value` lies in `dist`, from 0 to 1 (on the log scale for a log range)."""
    if isinstance(dist, CategoricalDistribution):
        return dist.choices.index(value) / len(dist.choices)
    assert isinstance(dist, IntDistribution | FloatDistribution) and isinstance(value, int | float)
    low, high, x = dist.low, dist.high, float(value)
    if dist.log:
        low, high, x = math.log(low), math.log(high), math.log(x)
    return (x - low) / (high - low)


def stand_in(space_name: str):
    """A cheap stand-in for training with an interior optimum over any space."""
    space = SPACES[space_name]
    distributions = {p.name: p.distribution for p in space.params}

    def objective(trial: optuna.Trial) -> float:
        space.suggest(trial)
        value = sum(
            (position(distributions[name], value) - 0.3) ** 2
            for name, value in trial.params.items()
        )
        # Asked, never obeyed: Hyperband sets up its brackets at its first decision, and from
        # then on each sampler sees only its trial's bracket, as in a real search.
        trial.report(value, 1)
        trial.should_prune()
        return value

    return objective


def run(
    url: str, strategy: str, n: int, seed: int = 0, name: str = "s", space: str = "seed"
) -> optuna.Study:
    study = optuna.create_study(
        storage=open_storage(url),
        study_name=name,
        load_if_exists=True,
        sampler=make_sampler(strategy, SPACES[space], seed),
        # The default pruner: Hyperband hands each sampler only its trial's bracket.
        pruner=make_pruner("hyperband", 3, 1),
    )
    run_trials(study, stand_in(space), n, study_lock(url, name))
    return study


@pytest.mark.parametrize(("space", "strategy"), CASES)
def test_suggestions_stay_inside_the_space(space: str, strategy: str, storage_url: str) -> None:
    study = run(storage_url, strategy, 14, space=space)
    distributions = {p.name: p.distribution for p in SPACES[space].params}
    for trial in study.trials:
        # Exactly the parameters active for the trial's choices (resolve refuses any other).
        resolved = SPACES[space].resolve(trial.params)
        assert set(resolved) == {p.key for p in SPACES[space].params if p.active(trial.params)}
        for name, value in trial.params.items():
            assert distributions[name]._contains(distributions[name].to_internal_repr(value))


@pytest.mark.parametrize(("space", "strategy"), CASES)
def test_study_ends_with_exactly_n_finished_trials(
    space: str, strategy: str, storage_url: str
) -> None:
    study = run(storage_url, strategy, 12, space=space)
    assert len(study.trials) == 12
    assert all(t.state == optuna.trial.TrialState.COMPLETE for t in study.trials)


@pytest.mark.parametrize(("space", "strategy"), CASES)
def test_same_seed_same_parameters(space: str, strategy: str, tmp_path: Path) -> None:
    first = run(f"sqlite:///{tmp_path / 'a.db'}", strategy, 13, seed=3, space=space)
    second = run(f"sqlite:///{tmp_path / 'b.db'}", strategy, 13, seed=3, space=space)
    other = run(f"sqlite:///{tmp_path / 'c.db'}", strategy, 13, seed=4, space=space)
    assert [t.params for t in first.trials] == [t.params for t in second.trials]
    assert [t.params for t in first.trials] != [t.params for t in other.trials]


@pytest.mark.parametrize(("space", "strategy"), CASES)
def test_resume_after_reopening_continues_to_n(space: str, strategy: str, storage_url: str) -> None:
    run(storage_url, strategy, 7, space=space)
    study = run(storage_url, strategy, 13, space=space)  # as a new process would start
    assert len(study.trials) == 13
    assert len({t.number for t in study.trials}) == 13


@pytest.mark.parametrize("space", SPACES)
def test_grid_never_repeats_a_cell_across_resumes(space: str, storage_url: str) -> None:
    run(storage_url, "grid", 20, space=space)
    study = run(storage_url, "grid", 40, space=space)
    cells = [tuple(sorted(t.params.items())) for t in study.trials]
    assert len(cells) == len(set(cells)) == 40


@pytest.mark.parametrize(("space", "strategy"), CASES)
def test_a_new_process_does_not_replay_earlier_points(
    space: str, strategy: str, storage_url: str
) -> None:
    # Each run() builds a fresh sampler, as a resumed command or a second worker does.
    for n in (3, 6, 9):
        study = run(storage_url, strategy, n, space=space)
    points = [tuple(sorted(t.params.items())) for t in study.trials]
    assert len(set(points)) == 9
