"""Every private Optuna name that search/store/optuna_internals.py uses exists in the installed
Optuna and still does what we use it for: an upgrade that renames one fails here, loudly, not
in a search that quietly stops refreshing its trials or replays TPE's startup trials."""

from collections.abc import Callable

import optuna
import pytest
from optuna.distributions import FloatDistribution
from optuna.samplers import BaseSampler, RandomSampler, TPESampler
from optuna.trial import TrialState

from search.errors import ConfigError
from search.store.optuna_internals import (
    cached_trials,
    create_running_trial,
    refuse_multi_objective,
    set_startup_sampler,
    start_trial,
)
from search.store.storage import open_storage
from search.strategies.random import TrialSeededRandomSampler
from search.strategies.tpe import TrialSeededTPESampler


def study() -> optuna.Study:
    return optuna.create_study()


def trial() -> optuna.Trial:
    return study().ask()


PRIVATE: list[tuple[Callable[[], object], str]] = [
    (study, "_storage"),
    (study, "_study_id"),
    (study, "_get_trials"),
    (study, "_thread_local"),
    (lambda: study()._thread_local, "cached_all_trials"),
    (trial, "_trial_id"),
    (lambda: optuna.trial.create_trial(value=0.0), "_trial_id"),
    (lambda: FloatDistribution(0, 1), "_contains"),
    (TPESampler, "_random_sampler"),
    (lambda: BaseSampler, "_raise_error_if_multi_objective"),
]


@pytest.mark.parametrize(("make", "name"), PRIVATE, ids=[name for _, name in PRIVATE])
def test_each_private_name_exists(make: Callable[[], object], name: str) -> None:
    assert hasattr(make(), name), f"Optuna {optuna.__version__} no longer has {name}"


def test_grpc_make_server_exists() -> None:
    from optuna.storages._grpc.server import make_server

    assert callable(make_server)


def test_starting_a_trial_drops_the_trial_cache(storage_url: str) -> None:
    ours = optuna.create_study(study_name="s", storage=open_storage(storage_url))
    assert cached_trials(ours, (TrialState.RUNNING,)) == []  # the cache now holds no trials
    other = optuna.load_study(study_name="s", storage=open_storage(storage_url))
    create_running_trial(other, {})
    assert cached_trials(ours, (TrialState.RUNNING,)) == []  # the cache, not the storage, read
    start_trial(ours, create_running_trial(other, {}))
    assert len(cached_trials(ours, (TrialState.RUNNING,))) == 2  # read afresh


def test_tpe_draws_its_startup_trials_from_the_sampler_given() -> None:
    sampler = TrialSeededTPESampler(seed=3)
    assert isinstance(sampler._random_sampler, TrialSeededRandomSampler)


def test_a_missing_private_attribute_is_refused_by_name() -> None:
    with pytest.raises(ConfigError, match=r"has no RandomSampler\._random_sampler"):
        # Not a TPESampler on purpose: one without the private attribute.
        set_startup_sampler(RandomSampler(), TrialSeededRandomSampler(0))  # type: ignore[arg-type]


def test_a_multi_objective_study_is_refused_as_optuna_refuses_it() -> None:
    two = optuna.create_study(directions=["minimize", "minimize"])
    with pytest.raises(ValueError, match="multi-objective"):
        refuse_multi_objective(RandomSampler(), two)
