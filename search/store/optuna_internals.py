"""The private Optuna calls lstm-search relies on, in one place to check on each Optuna upgrade.

Optuna's public API has no way to read a study's trials past the pruner's filter or through the
samplers' cache, to set a system attribute, or to beat a trial's heartbeat outside
`Study.optimize`; these do.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

import optuna
from optuna.distributions import BaseDistribution
from optuna.storages._heartbeat import get_heartbeat_thread
from optuna.trial import FrozenTrial, TrialState


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


def stored_trial(study: optuna.Study, trial: optuna.Trial | FrozenTrial) -> FrozenTrial:
    """The trial as the storage holds it now."""
    return study._storage.get_trial(trial._trial_id)


def set_system_attr(
    study: optuna.Study, trial: optuna.Trial | FrozenTrial, key: str, value: Any
) -> None:
    """Store a system attribute on a trial (bookkeeping, hidden from users' views)."""
    study._storage.set_trial_system_attr(trial._trial_id, key, value)


def fail_with_reason(study: optuna.Study, trial: FrozenTrial, key: str, reason: str) -> None:
    """Fail a trial another process was running, with the reason in user attribute `key`."""
    study._storage.set_trial_user_attr(trial._trial_id, key, reason)
    study._storage.set_trial_state_values(trial._trial_id, state=TrialState.FAIL)


def record_heartbeat(study: optuna.Study, trial: optuna.Trial) -> None:
    """One heartbeat now: Optuna ignores a trial that never beat when it looks for dead ones."""
    study._storage.record_heartbeat(trial._trial_id)


@contextlib.contextmanager
def heartbeat(study: optuna.Study, trial: optuna.Trial) -> Iterator[None]:
    """Beat the trial's heartbeat in a thread for the duration of the block."""
    with get_heartbeat_thread(trial._trial_id, study._storage):
        yield


def fail_stale_trials(study: optuna.Study, key: str, reason: str) -> list[FrozenTrial]:
    """Optuna's heartbeat check, with a reason: fail RUNNING trials silent past the grace period,
    storing `reason` in user attribute `key` first (a failed trial can no longer take one);
    return the trials this call failed."""
    storage = study._storage
    failed = []
    for trial_id in storage._get_stale_trial_ids(study._study_id):
        try:
            storage.set_trial_user_attr(trial_id, key, reason)
            if storage.set_trial_state_values(trial_id, state=TrialState.FAIL):
                failed.append(storage.get_trial(trial_id))
        except optuna.exceptions.UpdateFinishedTrialError:
            continue  # another process finished or failed it first
    return failed


def study_system_attr(study: optuna.Study, key: str) -> Any:
    """A system attribute of the study (bookkeeping), or None."""
    return study._storage.get_study_system_attrs(study._study_id).get(key)


def set_study_system_attr(study: optuna.Study, key: str, value: Any) -> None:
    """Store a system attribute on the study (bookkeeping, hidden from users' views)."""
    study._storage.set_study_system_attr(study._study_id, key, value)
