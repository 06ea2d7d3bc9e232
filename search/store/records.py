"""The records lstm-search stores on a study, as types: each written and read here alone.

A record goes into the storage as JSON (`to_json`) under its key in `schema` and comes out as
the same frozen dataclass (`from_json`), so a renamed field fails here, in one place, not in a
command nobody ran. `from_json` reads every version stored so far: fields added since a record
was first stored take the value older studies implied.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields
from typing import Any

import optuna

from search.store import schema

Attrs = Mapping[str, Any]
"""A study's user attributes, as `study.user_attrs` or the storage returns them."""


@dataclass(frozen=True)
class StudyConfig:
    """What a study's trials depend on; a resume must match it exactly."""

    data: str
    fingerprint: str
    target: str
    features: tuple[str, ...]
    horizon: int
    seq_len: int
    split: tuple[float, float, float]
    space: dict[str, Any]  # the space's own JSON form (spaces.Space.to_dict)
    strategy: str
    arch: str
    epochs: int
    work_budget: float | None
    min_epochs: int
    epoch_windows: int | None
    patience: int
    folds: int
    trial_seconds: float | None
    pruner: str
    seed: int

    def to_json(self) -> dict[str, Any]:
        """The record as stored (tuples as lists, as JSON reads them back)."""
        stored = {field.name: getattr(self, field.name) for field in fields(self)}
        return stored | {"features": list(self.features), "split": list(self.split)}

    @classmethod
    def from_json(cls, stored: Attrs) -> StudyConfig:
        """The record stored by any version (keys added since take `schema.CONFIG_ADDED`)."""
        values = {**schema.CONFIG_ADDED, **stored}
        values |= {"features": tuple(values["features"]), "split": tuple(values["split"])}
        return cls(**{field.name: values[field.name] for field in fields(cls)})


@dataclass(frozen=True)
class Source:
    """Where the study's data was read from and how (`path` None: the bundled default)."""

    path: str | None
    time_col: str | None = None
    date_format: str | None = None  # stored since b9c5161
    season: int | None = None
    id_col: str | None = None  # a panel's
    longest_seq_len: int = 1  # a panel's: the longest input window a trial can ask for

    def to_json(self) -> dict[str, Any]:
        """The record as stored; a single series leaves out the panel's fields."""
        stored = {
            "path": self.path,
            "time_col": self.time_col,
            "date_format": self.date_format,
            "season": self.season,
        }
        if self.id_col is not None:
            stored |= {"id_col": self.id_col, "longest_seq_len": self.longest_seq_len}
        return stored

    @classmethod
    def from_json(cls, stored: Attrs) -> Source:
        """The record as stored."""
        return cls(**{f.name: stored[f.name] for f in fields(cls) if f.name in stored})


@dataclass(frozen=True)
class RefitRecord:
    """The best configuration refit on train + validation: of which trial, for how many
    epochs, its model file's artifact id, and the seconds it took."""

    trial: int
    epochs: int
    checkpoint: str
    seconds: float

    def to_json(self) -> dict[str, Any]:
        """The record as stored."""
        return {field.name: getattr(self, field.name) for field in fields(self)}

    @classmethod
    def from_json(cls, stored: Attrs) -> RefitRecord:
        """The record as stored."""
        return cls(**{field.name: stored[field.name] for field in fields(cls)})


@dataclass(frozen=True)
class ForecastScore:
    """One forecaster's errors on the test windows.

    `metrics` holds the errors over every window and step by metric name; a panel's score
    adds each series' errors (`by_series`), and a trained model's its skill and, in a panel,
    the share of series where its MASE beats each baseline (`beats`).
    """

    metrics: dict[str, float]
    mse_by_step: tuple[float, ...]
    by_series: dict[str, dict[str, float]] | None = None
    skill: float | None = None  # against persistence
    skill_vs_best_baseline: float | None = None
    beats: dict[str, float] | None = None

    def to_json(self) -> dict[str, Any]:
        """The record as stored: the metrics beside the other fields, those set only."""
        stored: dict[str, Any] = {**self.metrics, "mse_by_step": list(self.mse_by_step)}
        optional = {
            "by_series": self.by_series,
            "skill": self.skill,
            "skill_vs_best_baseline": self.skill_vs_best_baseline,
            "beats": self.beats,
        }
        return stored | {key: value for key, value in optional.items() if value is not None}

    @classmethod
    def from_json(cls, stored: Attrs) -> ForecastScore:
        """The record as stored: every key that is not another field is a metric."""
        named = {field.name for field in fields(cls)}
        return cls(
            metrics={key: value for key, value in stored.items() if key not in named},
            mse_by_step=tuple(stored.get("mse_by_step", ())),
            by_series=stored.get("by_series"),
            skill=stored.get("skill"),
            skill_vs_best_baseline=stored.get("skill_vs_best_baseline"),
            beats=stored.get("beats"),
        )


@dataclass(frozen=True)
class TestScore:
    """The best trial's score on the held-out test windows beside the baselines.

    `forecasts` holds each forecaster's score by key, in the order they are shown: the selected
    model ("model"), its refit ("refit", once made), then the baselines.
    """

    __test__ = False  # not a pytest test class, whatever its name

    trial: int
    val_loss: float
    refit_epochs: int | None
    refit_checkpoint: str | None
    forecasts: dict[str, ForecastScore]
    best_baseline: str
    skipped: dict[str, str]
    season: int | None
    windows: int
    series: int | None = None  # a panel's number of series

    @property
    def model(self) -> ForecastScore:
        """The selected model's score (the model export and predict hand out)."""
        return self.forecasts["model"]

    def to_json(self) -> dict[str, Any]:
        """The record as stored: the forecasters' scores beside the other fields."""
        stored: dict[str, Any] = {
            "trial": self.trial,
            "val_loss": self.val_loss,
            "refit_epochs": self.refit_epochs,
            "refit_checkpoint": self.refit_checkpoint,
            **{key: score.to_json() for key, score in self.forecasts.items()},
            "best_baseline": self.best_baseline,
            "skipped": dict(self.skipped),
            "season": self.season,
            "windows": self.windows,
        }
        return stored | ({"series": self.series} if self.series is not None else {})

    @classmethod
    def scored(
        cls, trial: int, val_loss: float, refit: RefitRecord | None, scores: Attrs
    ) -> TestScore:
        """The score of `trial` (and of its `refit`) from `evaluation.score`'s JSON."""
        return cls.from_json(
            {
                "trial": trial,
                "val_loss": val_loss,
                "refit_epochs": refit.epochs if refit is not None else None,
                "refit_checkpoint": refit.checkpoint if refit is not None else None,
                **scores,
            }
        )

    @classmethod
    def from_json(cls, stored: Attrs) -> TestScore:
        """The record as stored: every key that is not another field is a forecaster's."""
        named = {field.name for field in fields(cls)}
        return cls(
            trial=stored["trial"],
            val_loss=stored["val_loss"],
            refit_epochs=stored.get("refit_epochs"),
            refit_checkpoint=stored.get("refit_checkpoint"),
            forecasts={
                key: ForecastScore.from_json(value)
                for key, value in stored.items()
                if key not in named
            },
            best_baseline=stored["best_baseline"],
            skipped=dict(stored.get("skipped", {})),
            season=stored.get("season"),
            windows=stored["windows"],
            series=stored.get("series"),
        )


@dataclass(frozen=True)
class Baselines:
    """The classical baselines' errors on the test windows (by baseline, as `ForecastScore`
    JSON) and those skipped with the reason, for the season and windows they were fitted on."""

    season: int | None
    first_anchor: int
    windows: int
    errors: dict[str, dict[str, Any]]
    skipped: dict[str, str]

    def to_json(self) -> dict[str, Any]:
        """The record as stored."""
        return {field.name: getattr(self, field.name) for field in fields(self)}

    @classmethod
    def from_json(cls, stored: Attrs) -> Baselines:
        """The record as stored."""
        return cls(**{field.name: stored[field.name] for field in fields(cls)})

    def fits(self, season: int | None, first_anchor: int, windows: int) -> bool:
        """Whether these baselines were fitted for the test windows described."""
        return (self.season, self.first_anchor, self.windows) == (season, first_anchor, windows)


@dataclass(frozen=True)
class WarmStart:
    """The earlier study a new study was warm-started from (`storage` with its password hidden),
    the numbers of its trials whose configurations were queued, and those configurations
    ({Optuna name: value}, in this study's space), best first."""

    study: str
    storage: str
    trials: tuple[int, ...]
    points: tuple[dict[str, Any], ...]

    def to_json(self) -> dict[str, Any]:
        """The record as stored (tuples as lists, as JSON reads them back)."""
        return {
            "study": self.study,
            "storage": self.storage,
            "trials": list(self.trials),
            "points": [dict(point) for point in self.points],
        }

    @classmethod
    def from_json(cls, stored: Attrs) -> WarmStart:
        """The record as stored."""
        return cls(
            stored["study"],
            stored["storage"],
            tuple(stored["trials"]),
            tuple(dict(point) for point in stored["points"]),
        )


def config_json(attrs: Attrs) -> dict[str, Any] | None:
    """The stored configuration as JSON with the keys added since filled in, to compare with
    another configuration key by key; None for a study lstm-search did not make."""
    stored = attrs.get(schema.CONFIG)
    return {**schema.CONFIG_ADDED, **stored} if stored is not None else None


def read_config(attrs: Attrs) -> StudyConfig | None:
    """The study's configuration; None for a study lstm-search did not make."""
    stored = attrs.get(schema.CONFIG)
    return StudyConfig.from_json(stored) if stored is not None else None


def read_source(attrs: Attrs) -> Source | None:
    """Where the study's data came from; None before the study's first search."""
    stored = attrs.get(schema.SOURCE)
    return Source.from_json(stored) if stored is not None else None


def read_refit(attrs: Attrs) -> RefitRecord | None:
    """The latest refit stored (of whichever trial was best then); None before any."""
    stored = attrs.get(schema.REFIT)
    return RefitRecord.from_json(stored) if stored is not None else None


def read_test_score(attrs: Attrs) -> TestScore | None:
    """The stored test score; None before any model was scored, or for a score in the shape
    stored before b68ae45 (one skill for the whole score, no best baseline), which is scored
    again like a stale one."""
    stored = attrs.get(schema.TEST_SCORE)
    if stored is None or "skill_vs_best_baseline" not in stored.get("model", {}):
        return None
    return TestScore.from_json(stored)


def read_baselines(attrs: Attrs) -> Baselines | None:
    """The stored classical baselines; None before they were fitted."""
    stored = attrs.get(schema.BASELINES)
    return Baselines.from_json(stored) if stored is not None else None


def read_target(attrs: Attrs) -> int | None:
    """The number of finished trials the study should end with; None if never set."""
    stored = attrs.get(schema.TARGET)
    return int(stored) if stored is not None else None


def read_warm_start(attrs: Attrs) -> WarmStart | None:
    """The warm start the study was seeded with; None for a study started without one."""
    stored = attrs.get(schema.WARM_START)
    return WarmStart.from_json(stored) if stored is not None else None


def read_versions(attrs: Attrs) -> dict[str, str]:
    """Versions of the libraries the study's results depend on ({} if not recorded)."""
    return dict(attrs.get(schema.VERSIONS, {}))


def write_config(study: optuna.Study, config: StudyConfig) -> None:
    """Store the study's configuration."""
    study.set_user_attr(schema.CONFIG, config.to_json())


def write_source(study: optuna.Study, source: Source) -> None:
    """Store where the study's data came from."""
    study.set_user_attr(schema.SOURCE, source.to_json())


def write_refit(study: optuna.Study, refit: RefitRecord) -> None:
    """Store the refit record, in one write: the last step of a refit."""
    study.set_user_attr(schema.REFIT, refit.to_json())


def write_test_score(study: optuna.Study, score: TestScore) -> None:
    """Store the test score."""
    study.set_user_attr(schema.TEST_SCORE, score.to_json())


def write_baselines(study: optuna.Study, baselines: Baselines) -> None:
    """Store the classical baselines."""
    study.set_user_attr(schema.BASELINES, baselines.to_json())


def write_target(study: optuna.Study, target: int) -> None:
    """Store the number of finished trials the study should end with."""
    study.set_user_attr(schema.TARGET, target)


def write_versions(study: optuna.Study, versions: Mapping[str, str]) -> None:
    """Store the versions of the libraries the study's results depend on."""
    study.set_user_attr(schema.VERSIONS, dict(versions))


def write_warm_start(study: optuna.Study, warm: WarmStart) -> None:
    """Store the warm start, before its configurations are queued."""
    study.set_user_attr(schema.WARM_START, warm.to_json())
