"""Creating or resuming a study: its recorded configuration, sampler and pruner.

A study's configuration (data, split, space, strategy, budget, seed) is stored on it when it is
created; resuming with another is refused with the differences listed, because trials run under
two configurations cannot be compared.
"""

from __future__ import annotations

import importlib.metadata
import json
from collections.abc import Mapping
from typing import Any

import optuna
from optuna.pruners import BasePruner
from optuna.samplers import BaseSampler

from search.errors import ConfigError
from search.store.backends import masked
from search.store.records import (
    StudyConfig,
    config_json,
    read_config,
    write_config,
    write_versions,
)
from search.store.storage import open_storage, storage_url

OBJECTIVE_NAME = "val_loss"
"""What the study's value is: the best validation MSE on the scaled series."""


def versions() -> dict[str, str]:
    """Versions of the libraries a study's results depend on (kept for provenance)."""
    names = ("lstm-search", "torch", "optuna", "scikit-optimize")
    found = {}
    for name in names:
        try:
            found[name] = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            found[name] = "not installed"
    return found


def open_study(
    storage: optuna.storages.BaseStorage,
    url: str,
    name: str,
    config: StudyConfig,
    sampler: BaseSampler,
    pruner: BasePruner,
) -> optuna.Study:
    """Create the study, or load it; the caller has checked that it may (`check_resumable`),
    once per process."""
    study = optuna.create_study(
        storage=storage,
        study_name=name,
        sampler=sampler,
        pruner=pruner,
        direction="minimize",
        load_if_exists=True,
    )
    if read_config(study.user_attrs) is None:
        study.set_metric_names([OBJECTIVE_NAME])  # optuna-dashboard's label, not "Objective 0"
        write_config(study, config)
        write_versions(study, versions())
    return study


def check_resumable(
    storage: optuna.storages.BaseStorage,
    url: str,
    name: str,
    config: StudyConfig,
) -> None:
    """Refuse before anything is written if `name` exists with another configuration (keys
    added since an older study was stored count as the value it implied, `CONFIG_ADDED`)."""
    try:
        study_id = storage.get_study_id_from_name(name)
    except KeyError:
        return
    stored = config_json(storage.get_study_user_attrs(study_id))
    differences = diff(stored, json_safe(config.to_json())) if stored is not None else []
    if differences:
        taken = {study.study_name for study in storage.get_all_studies()}
        separate = next(
            f"{name}-{n}" for n in range(2, len(taken) + 3) if f"{name}-{n}" not in taken
        )
        raise ConfigError(
            f"study {name!r} in {masked(url)} was run with another configuration "
            f"({'; '.join(differences)}); rerun with the original options, or run the same "
            f"command with --study {separate} to start a separate study"
        )


def diff(stored: Mapping[str, Any], current: Mapping[str, Any]) -> list[str]:
    """Human-readable differences between two configurations, one per key."""
    keys = sorted(set(stored) | set(current))
    changed = [key for key in keys if stored.get(key) != current.get(key)]
    return [
        f"{key}: stored {_short(stored.get(key))}, now {_short(current.get(key))}"
        if _short(stored.get(key)) != _short(current.get(key))
        else f"{key}: {_short(current.get(key))} was edited since"
        for key in changed
    ]


def json_safe(value: Any) -> Any:
    """`value` as it reads back from the storage's JSON (tuples become lists)."""
    return json.loads(json.dumps(value))


def _short(value: Any) -> str:
    if isinstance(value, Mapping) and "name" in value:  # a space: its name says most
        return str(value["name"])
    text = json.dumps(value, sort_keys=True)
    return text if len(text) <= 60 else text[:57] + "..."


def load_named_study(name: str, url: str | None) -> optuna.Study:
    """The study called `name`; refused with the names there are when it does not exist."""
    url = storage_url(url)
    storage = open_storage(url, create=False)
    try:
        return optuna.load_study(study_name=name, storage=storage)
    except KeyError:
        names = ", ".join(optuna.get_all_study_names(storage)) or "none"
        raise ConfigError(
            f"no study {name!r} in {masked(url)} (studies: {names}); check the "
            "name with lstm-search studies"
        ) from None
