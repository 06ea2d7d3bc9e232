"""The one storage every command reads and writes: an Optuna RDB storage, made safe to share.

SQLite gets write-ahead logging (readers such as the dashboard never block the search) and a
busy timeout on every connection; every storage gets Optuna's heartbeat, so a trial whose process
died is failed and its parameters requeued by whichever worker looks next.
"""

from __future__ import annotations

import os
import warnings

import optuna
import sqlalchemy
from optuna.storages import RDBStorage
from optuna.trial import FrozenTrial, TrialState

from search.errors import ConfigError
from search.store import schema
from search.store.backends import LONGEST_WAIT_SECONDS, backend, masked

DEFAULT_STORAGE = "sqlite:///studies.db"
STORAGE_ENV = "LSTM_SEARCH_STORAGE"

# A worker writes a heartbeat every HEARTBEAT_SECONDS while it trains; a RUNNING trial silent for
# GRACE_SECONDS belongs to a dead process. The grace outlasts the longest wait a live worker's
# beat can meet (another program holding SQLite's write lock) by three beats.
HEARTBEAT_SECONDS = 10
GRACE_SECONDS = LONGEST_WAIT_SECONDS + 3 * HEARTBEAT_SECONDS
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


def open_storage(url: str, create: bool = True) -> RDBStorage:
    """An RDBStorage on `url` with heartbeat and requeueing; SQLite in WAL mode with a timeout.

    With create=False a missing SQLite file is refused instead of created (read-only commands).
    """
    engine = backend(url)
    storage = _rdb_storage(url, engine.engine_kwargs(url, create))
    engine.prepare_engine(storage.engine)
    return storage


def _rdb_storage(url: str, engine_kwargs: dict[str, object]) -> RDBStorage:
    with warnings.catch_warnings():
        # Heartbeat has been "experimental" since Optuna 2.8; the warning tells users nothing.
        warnings.simplefilter("ignore", optuna.exceptions.ExperimentalWarning)
        try:
            return RDBStorage(
                url,
                engine_kwargs=engine_kwargs,
                heartbeat_interval=HEARTBEAT_SECONDS,
                grace_period=GRACE_SECONDS,
                heartbeat_stale_trial_callback=requeue,
            )
        except (sqlalchemy.exc.DatabaseError, ImportError) as error:
            reason = str(error).strip().splitlines()[0]
            raise ConfigError(
                f"cannot open storage {masked(url)} ({reason}); check the URL, "
                "the server and the driver (pip install 'lstm-search[postgres]')"
            ) from error
        except RuntimeError as error:  # Optuna: a schema this version cannot read
            if "schema" not in str(error):
                raise
            raise ConfigError(
                f"storage {masked(url)} has a table schema this Optuna "
                f"({optuna.__version__}) cannot read; open it with the Optuna that wrote it, "
                "or upgrade: pip install -U optuna"
            ) from error
