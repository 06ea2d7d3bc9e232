"""The one storage every command reads and writes: an Optuna RDB storage, made safe to share.

SQLite gets write-ahead logging (readers such as the dashboard never block the search) and a
busy timeout on every connection; every storage gets Optuna's heartbeat, so a trial whose process
died is failed and its parameters requeued by whichever worker looks next.
"""

from __future__ import annotations

import copy
import os
import warnings

import optuna
import sqlalchemy
from optuna.storages import RDBStorage, RetryHeartbeatStaleTrialCallback
from optuna.trial import FrozenTrial

from search.errors import ConfigError
from search.store.backends import backend, masked

DEFAULT_STORAGE = "sqlite:///studies.db"
STORAGE_ENV = "LSTM_SEARCH_STORAGE"

# A worker writes a heartbeat every HEARTBEAT_SECONDS while it trains; a RUNNING trial silent for
# GRACE_SECONDS belongs to a dead process. Three missed beats avoids failing a trial whose process
# is only slow to get the database lock.
HEARTBEAT_SECONDS = 10
GRACE_SECONDS = 30
MAX_RETRIES = 3

with warnings.catch_warnings():
    warnings.simplefilter("ignore", optuna.exceptions.ExperimentalWarning)
    _retry = RetryHeartbeatStaleTrialCallback(max_retry=MAX_RETRIES)


def requeue(study: optuna.Study, trial: FrozenTrial) -> None:
    """Put a dead or interrupted trial's parameters back in the queue, up to MAX_RETRIES times.

    The retry starts clean: its parameters (and system attributes such as its grid cell), none
    of the dead trial's results or reasons.
    """
    retried = copy.deepcopy(trial)
    retried.user_attrs = {}
    _retry(study, retried)


def storage_url(url: str | None) -> str:
    """The storage URL to use: the option, else the environment, else studies.db here."""
    return url or os.environ.get(STORAGE_ENV) or DEFAULT_STORAGE


def open_storage(url: str, create: bool = True) -> RDBStorage:
    """An RDBStorage on `url` with heartbeat and requeueing; SQLite in WAL mode with a timeout.

    With create=False a missing SQLite file is refused instead of created (read-only commands).
    """
    engine_kwargs = backend(url).engine_kwargs(url, create)
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
