"""The Optuna storage: URLs and backends, studies, trial slots, artifacts, and the schema of
what is stored."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from search.store import schema
from search.store.artifacts import (
    ArtifactStore,
    artifact_location,
    artifact_store,
    load_artifact,
    load_file,
    save_file,
)
from search.store.backends import PROXY_PORT, URL_EXAMPLES, masked, study_lock
from search.store.lease import LeaseWatch, fresh_lease, renew, renewing
from search.store.locks import StudyLock
from search.store.optuna_internals import (
    all_trials,
    cached_trials,
    contains,
    create_running_trial,
    fail_with_reason,
    pop_waiting_trial,
    refuse_multi_objective,
    set_startup_sampler,
    set_study_system_attr,
    set_system_attr,
    start_trial,
    stored_trial,
    study_system_attr,
)
from search.store.reconnect import connection_lost, retrying
from search.store.records import (
    Baselines,
    ForecastScore,
    RefitRecord,
    Source,
    StudyConfig,
    TestScore,
    WarmStart,
    read_baselines,
    read_config,
    read_refit,
    read_source,
    read_target,
    read_test_score,
    read_versions,
    read_warm_start,
    write_baselines,
    write_refit,
    write_source,
    write_target,
    write_test_score,
)
from search.store.slots import fail_dead_trials, owner
from search.store.storage import DEFAULT_STORAGE, STORAGE_ENV, open_storage, requeue, storage_url
from search.store.study import check_resumable, load_named_study, open_study
from search.store.trials import FINISHED, best_trial, count, counts, ranked
from search.store.warm import (
    MOST_WARM_TRIALS,
    Unsearched,
    plan_warm_start,
    queue_warm_start,
    warm_trials,
)

if TYPE_CHECKING:
    from search.store.proxy import serve_proxy

__all__ = [
    "DEFAULT_STORAGE",
    "FINISHED",
    "MOST_WARM_TRIALS",
    "PROXY_PORT",
    "STORAGE_ENV",
    "URL_EXAMPLES",
    "ArtifactStore",
    "Baselines",
    "ForecastScore",
    "LeaseWatch",
    "RefitRecord",
    "Source",
    "StudyConfig",
    "StudyLock",
    "TestScore",
    "Unsearched",
    "WarmStart",
    "all_trials",
    "artifact_location",
    "artifact_store",
    "best_trial",
    "cached_trials",
    "check_resumable",
    "connection_lost",
    "contains",
    "count",
    "counts",
    "create_running_trial",
    "fail_dead_trials",
    "fail_with_reason",
    "fresh_lease",
    "load_artifact",
    "load_file",
    "load_named_study",
    "masked",
    "open_storage",
    "open_study",
    "owner",
    "plan_warm_start",
    "pop_waiting_trial",
    "queue_warm_start",
    "ranked",
    "read_baselines",
    "read_config",
    "read_refit",
    "read_source",
    "read_target",
    "read_test_score",
    "read_versions",
    "read_warm_start",
    "refuse_multi_objective",
    "renew",
    "renewing",
    "requeue",
    "retrying",
    "save_file",
    "schema",
    "serve_proxy",
    "set_startup_sampler",
    "set_study_system_attr",
    "set_system_attr",
    "start_trial",
    "storage_url",
    "stored_trial",
    "study_lock",
    "study_system_attr",
    "warm_trials",
    "write_baselines",
    "write_refit",
    "write_source",
    "write_target",
    "write_test_score",
]

# Heavy imports (gRPC) stay behind the face until a command asks for them.
_LAZY = {"serve_proxy": "search.store.proxy"}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
