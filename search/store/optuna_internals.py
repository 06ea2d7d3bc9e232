"""The private Optuna calls lstm-search relies on, in one place to check on each Optuna upgrade.

Optuna's public API has no way to read a study's trials past the pruner's filter or through the
samplers' cache, to set a system attribute, to pop a queued trial or create a running one
outside `Study.ask`, to give TPE another sampler for its startup trials, or to refuse a
multi-objective study as Optuna's own samplers do; these do. Each write to a private attribute
first checks that the attribute exists, since a write to a renamed one would change nothing,
quietly; tests/search/store/test_optuna_internals.py checks every name used here.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from typing import Any

import optuna
from optuna.distributions import BaseDistribution
from optuna.samplers import BaseSampler, TPESampler
from optuna.storages import BaseStorage
from optuna.trial import FrozenTrial, TrialState

from search.errors import ConfigError


def _require(owner: object, name: str) -> None:
    """Refuse to go on if the installed Optuna has no private attribute `name` on `owner`."""
    if not hasattr(owner, name):
        raise ConfigError(
            f"the installed Optuna {optuna.__version__} has no {type(owner).__name__}.{name}, "
            "which lstm-search relies on; install the Optuna version pyproject.toml names"
        )


def all_trials(study: optuna.Study) -> list[FrozenTrial]:
    """Every trial of the study as stored, whatever pruner filters the study a sampler sees."""
    return study._storage.get_all_trials(study._study_id, deepcopy=False)


def cached_trials(study: optuna.Study, states: tuple[TrialState, ...]) -> list[FrozenTrial]:
    """The study's trials in `states` as a sampler sees them, through Optuna's trial cache
    (what Optuna's own samplers read)."""
    return study._get_trials(deepcopy=False, states=states, use_cache=True)


def contains(distribution: BaseDistribution, internal: float) -> bool:
    """Whether a value in Optuna's internal representation lies inside `distribution`."""
    return distribution._contains(internal)


TrialRef = optuna.Trial | FrozenTrial | int
"""A trial, or its storage id."""


def _trial_id(trial: TrialRef) -> int:
    return trial if isinstance(trial, int) else trial._trial_id


def stored_trial(study: optuna.Study, trial: TrialRef) -> FrozenTrial:
    """The trial as the storage holds it now."""
    return study._storage.get_trial(_trial_id(trial))


def set_system_attr(study: optuna.Study, trial: TrialRef, key: str, value: Any) -> None:
    """Store a system attribute on a trial (bookkeeping, hidden from users' views)."""
    study._storage.set_trial_system_attr(_trial_id(trial), key, value)


def fail_with_reason(study: optuna.Study, trial: TrialRef, key: str, reason: str) -> None:
    """Fail a RUNNING trial outside `Study.tell`, with the reason in user attribute `key`."""
    study._storage.set_trial_user_attr(_trial_id(trial), key, reason)
    study._storage.set_trial_state_values(_trial_id(trial), state=TrialState.FAIL)


def pop_waiting_trial(study: optuna.Study, waiting: list[FrozenTrial]) -> int | None:
    """Set the first of the `waiting` trials (just read) that no other process took RUNNING,
    atomically on every storage (what `Study.ask` does first); its id, or None."""
    for trial in waiting:
        try:
            if study._storage.set_trial_state_values(trial._trial_id, state=TrialState.RUNNING):
                return trial._trial_id
        except optuna.exceptions.UpdateFinishedTrialError:
            continue  # another process took it and finished it meanwhile
    return None


def create_running_trial(study: optuna.Study, system_attrs: dict[str, Any]) -> int:
    """A new RUNNING trial carrying `system_attrs` from its first write; its id."""
    template = optuna.trial.create_trial(state=TrialState.RUNNING, system_attrs=system_attrs)
    return study._storage.create_new_trial(study._study_id, template_trial=template)


def start_trial(study: optuna.Study, trial_id: int) -> optuna.Trial:
    """The trial as `Study.ask` hands it out: the sampler's `before_trial` and relative sampling
    run here, on the study's trials read afresh."""
    _require(study._thread_local, "cached_all_trials")
    study._thread_local.cached_all_trials = None
    return optuna.Trial(study, trial_id)


def set_startup_sampler(sampler: TPESampler, startup: BaseSampler) -> None:
    """Make TPE draw its random startup trials (and independent fallbacks) from `startup`."""
    _require(sampler, "_random_sampler")
    # Typed RandomSampler in Optuna, but TPE calls only BaseSampler methods on it.
    sampler._random_sampler = startup  # type: ignore[assignment]


def refuse_multi_objective(sampler: BaseSampler, study: optuna.Study) -> None:
    """Raise Optuna's own error if `study` has more than one objective (single-objective
    samplers do this first)."""
    sampler._raise_error_if_multi_objective(study)


def study_system_attr(study: optuna.Study, key: str) -> Any:
    """A system attribute of the study (bookkeeping), or None."""
    return study._storage.get_study_system_attrs(study._study_id).get(key)


def set_study_system_attr(study: optuna.Study, key: str, value: Any) -> None:
    """Store a system attribute on the study (bookkeeping, hidden from users' views)."""
    study._storage.set_study_system_attr(study._study_id, key, value)


def make_proxy_server(
    storage: BaseStorage, host: str, port: int, threads: ThreadPoolExecutor | None
) -> Any:
    """Optuna's gRPC storage proxy server for `storage` on host:port, not yet started (what
    `run_grpc_proxy_server` runs), so that other services can be added to it."""
    from optuna.storages._grpc.server import make_server

    return make_server(storage, host, port, threads)
