"""Warm start: a new study's first trials run the best configurations of an earlier study.

Only configurations travel, never values: each runs again on this study's data, the earlier
values only rank the earlier trials. So the earlier study may have other data, horizon, folds or
budget; what must match is the configuration itself, hyperparameter by hyperparameter, once each
study's fixed choices and defaults fill in what its space does not search. The queued trials are
ordinary WAITING trials: the runner's claim pops them before it creates a new one, so each runs
once, counts in N, and is a finished trial like any other for the strategy that takes over.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import optuna
from optuna.distributions import BaseDistribution, CategoricalDistribution
from optuna.storages import BaseStorage
from optuna.trial import TrialState

from search.errors import ConfigError
from search.store import schema
from search.store.backends import masked
from search.store.locks import StudyLock
from search.store.optuna_internals import contains
from search.store.records import (
    StudyConfig,
    WarmStart,
    read_config,
    read_warm_start,
    write_warm_start,
)
from search.store.study import load_named_study
from search.store.trials import ranked
from spaces import Space

MOST_WARM_TRIALS = 5


def warm_trials(target: int) -> int:
    """How many of the earlier study's best configurations a study of `target` trials starts
    with: a fifth of the target, at least 1 and at most MOST_WARM_TRIALS.

    The earlier best need not be the best on this study's data, so four fifths of the trials or
    more stay the strategy's own. Bayes counts finished trials towards its 10 initial points, as
    gp_minimize counts x0: at most 5 of them are the earlier best, which lie close together, and
    at least 5 are drawn at random, the spread its GP needs to fit its length scales.
    """
    return max(1, min(MOST_WARM_TRIALS, target // 5))


Unsearched = Callable[[StudyConfig], Mapping[str, object]]
"""The value a study with this configuration gives every hyperparameter (its fixed choices, else
the defaults), where its space does not search it."""


def plan_warm_start(
    storage: BaseStorage,
    url: str,
    name: str,
    earlier: str | None,
    earlier_url: str | None,
    space: Space,
    config: StudyConfig,
    unsearched: Unsearched,
    target: int,
) -> WarmStart | None:
    """The warm start of study `name`, checked before anything is written: the one stored on it
    (a resume queues what is missing), else the best configurations of study `earlier` (in
    `earlier_url`, else this storage) when it names one; None for neither."""
    try:
        study_id: int | None = storage.get_study_id_from_name(name)
    except KeyError:
        study_id = None
    stored = None if study_id is None else read_warm_start(storage.get_study_user_attrs(study_id))
    if earlier is None:
        if earlier_url is not None:
            raise ConfigError(
                "--warm-start-storage says where the --warm-start study is, but got no "
                "--warm-start; add --warm-start STUDY or drop --warm-start-storage"
            )
        return stored
    where = earlier_url or url
    if (earlier, where) == (name, url):
        raise ConfigError(
            f"--warm-start {earlier} names the study this command runs; warm-start from an "
            "earlier study, or drop --warm-start to resume this one"
        )
    if stored is not None:
        if (stored.study, stored.storage) != (earlier, masked(where)):
            raise ConfigError(
                f"study {name!r} was warm-started from {stored.study!r} in {stored.storage}, "
                f"not {earlier!r} in {masked(where)}; resume it with the original --warm-start, "
                "or pass --study NAME to start a new study"
            )
        return stored
    if study_id is not None and storage.get_n_trials(study_id) > 0:
        raise ConfigError(
            f"study {name!r} in {masked(url)} already has trials, and a warm start seeds only a "
            "new study; drop --warm-start to resume it, or pass --study NAME to start a new one"
        )
    return _best_configurations(earlier, where, space, config, unsearched, warm_trials(target))


def _best_configurations(
    name: str,
    url: str,
    space: Space,
    config: StudyConfig,
    unsearched: Unsearched,
    count: int,
) -> WarmStart:
    """The `count` best distinct configurations of study `name`, as points of `space`."""
    try:
        study = load_named_study(name, url)
    except ConfigError as error:  # it names the storage; this says which option it is about
        raise ConfigError(f"--warm-start {name}: {error}") from None
    before = read_config(study.user_attrs)
    if before is None:
        raise ConfigError(
            f"--warm-start {name}: study {name!r} in {masked(url)} was not made by lstm-search "
            "(it records no configuration); warm-start from a study lstm-search ran"
        )
    best = ranked(study.get_trials(deepcopy=False, states=(TrialState.COMPLETE,)))
    if not best:
        raise ConfigError(
            f"--warm-start {name}: study {name!r} in {masked(url)} has no complete trial; "
            "resume it until one completes, or warm-start from another study"
        )
    keys = {param["name"]: param["key"] for param in before.space["params"]}
    here = unsearched(config)
    numbers: list[int] = []
    points: list[dict[str, Any]] = []
    for trial in best:
        whole = {**unsearched(before), **{keys.get(n, n): v for n, v in trial.params.items()}}
        point = _point(whole, space, here, f"--warm-start {name}: its trial {trial.number}")
        if point not in points:
            numbers.append(trial.number)
            points.append(point)
        if len(points) == count:
            break
    return WarmStart(name, masked(url), tuple(numbers), tuple(points))


def _point(
    whole: Mapping[str, object], space: Space, here: Mapping[str, object], which: str
) -> dict[str, Any]:
    """The earlier configuration `whole` ({key: value}) as a point of `space` ({Optuna name:
    value}); refused, naming the hyperparameter, if this study cannot run it as it ran."""
    point: dict[str, Any] = {}
    for param in space.params:
        if not param.active(point):
            continue
        value = whole.get(param.key)
        if not _holds(param.distribution, value):
            raise ConfigError(
                f"{which} has {param.name}={value!r}, outside {_described(param.distribution)} "
                f"in space {space.name!r}; widen the space, or warm-start from a study whose "
                "trials it holds"
            )
        point[param.name] = value
    searched = {param.key for param in space.params if param.name in point}
    for key, value in here.items():
        if key not in searched and whole.get(key) != value:
            raise ConfigError(
                f"{which} has {key}={whole.get(key)!r}, but this study fixes {key} at "
                f"{value!r}; search {key} in the space, or warm-start from a study that ran "
                f"{key}={value!r}"
            )
    return point


def _holds(distribution: BaseDistribution, value: object) -> bool:
    try:
        internal = distribution.to_internal_repr(value)
    except (TypeError, ValueError):
        return False
    return contains(distribution, internal)


def _described(distribution: BaseDistribution) -> str:
    if isinstance(distribution, CategoricalDistribution):
        return "choices " + ", ".join(map(repr, distribution.choices))
    low, high = getattr(distribution, "low", None), getattr(distribution, "high", None)
    return f"range {low:g} to {high:g}" if low is not None and high is not None else "its range"


def queue_warm_start(study: optuna.Study, lock: StudyLock, warm: WarmStart) -> int:
    """Under the study's lock, store the warm start on a study that has no trial yet, then queue
    each of its configurations that no trial runs yet; how many were queued.

    Stored first, so that a process stopped between the two writes leaves a study whose resume
    queues the rest, and never one queued twice. A study begun meanwhile by a process without
    a warm start is left as it is.
    """
    with lock.held():
        stored = read_warm_start(study.user_attrs)
        trials = study.get_trials(deepcopy=False)
        if stored is None:
            if trials:
                return 0
            write_warm_start(study, warm)
            stored = warm
        present = {trial.user_attrs.get(schema.WARM_FROM) for trial in trials}
        missing = [
            (number, point)
            for number, point in zip(stored.trials, stored.points, strict=True)
            if number not in present
        ]
        for number, point in missing:
            study.enqueue_trial(point, user_attrs={schema.WARM_FROM: number})
        return len(missing)
