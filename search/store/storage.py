"""The one storage every command reads and writes, chosen by its URL, and the queue of trials
to run again: a trial lost with its process is requeued by whichever worker finds it
(store/slots.py)."""

from __future__ import annotations

import os

import optuna
from optuna.storages import BaseStorage
from optuna.trial import FrozenTrial, TrialState

from search.store import schema
from search.store.backends import backend

DEFAULT_STORAGE = "sqlite:///studies.db"
STORAGE_ENV = "LSTM_SEARCH_STORAGE"

MAX_RETRIES = 3
# The system attributes Optuna's RetryFailedTrialCallback keeps, so its retried_trial_number and
# retry_history read ours too.
FAILED_TRIAL = "failed_trial"
RETRY_HISTORY = "retry_history"


def requeue(study: optuna.Study, trial: FrozenTrial, counted: bool = True) -> None:
    """Put a lost trial's parameters back in the queue to run again.

    A trial lost with its process (killed, machine gone) is retried up to MAX_RETRIES times, so
    a configuration that kills its process cannot loop forever; an interrupted one (`counted`
    False) is not its configuration's fault and is always retried, without spending one. The
    retry starts clean: the parameters and system attributes such as its grid cell, none of the
    lost trial's results, reasons or owner. A trial already requeued is not queued again.
    """
    if _requeued(study, trial.number):
        return
    system = {k: v for k, v in trial.system_attrs.items() if k != schema.OWNER}
    history = list(system.get(RETRY_HISTORY, []))
    if counted:
        history.append(trial.number)
        if len(history) > MAX_RETRIES:
            return
    study.add_trial(
        optuna.trial.create_trial(
            state=TrialState.WAITING,
            params=trial.params,
            distributions=trial.distributions,
            system_attrs={
                **system,
                FAILED_TRIAL: system.get(FAILED_TRIAL, trial.number),
                RETRY_HISTORY: history,
                schema.REQUEUED_FROM: trial.number,
            },
        )
    )


def _requeued(study: optuna.Study, number: int) -> bool:
    states = (TrialState.WAITING, TrialState.RUNNING, TrialState.COMPLETE, TrialState.PRUNED)
    return any(
        t.system_attrs.get(schema.REQUEUED_FROM) == number
        for t in study.get_trials(deepcopy=False, states=states)
    )


def storage_url(url: str | None) -> str:
    """The storage URL to use: the option, else the environment, else studies.db here."""
    return url or os.environ.get(STORAGE_ENV) or DEFAULT_STORAGE


def open_storage(url: str, create: bool = True) -> BaseStorage:
    """The storage at `url` (store/backends.py says how each kind is opened).

    With create=False a missing file is refused instead of created (read-only commands).
    """
    return backend(url).open(url, create)
