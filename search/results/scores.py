"""What a study leaves its users: the best model, its test score, and the data it came from.

A study records where its data came from (`source`), so every command that reads results back
rebuilds exactly the dataset the trials saw; the data's fingerprint guards against a changed
file. The test score is computed once per best trial and stored on the study.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

import optuna
from optuna.trial import FrozenTrial

from search.data import ForecastDataset, Series, bundled_name, load_series
from search.errors import ConfigError, DataError
from search.results.baselines import TIMED_OUT, classical_forecasts
from search.results.best import BestModel, require_best
from search.results.evaluation import (
    HeldOutForecasts,
    errors,
    held_out_forecasts,
    held_out_windows,
    model_forecasts,
    score,
)
from search.results.note import write_note
from search.store import (
    Baselines,
    Source,
    StudyConfig,
    TestScore,
    read_baselines,
    read_config,
    read_source,
    read_test_score,
    write_baselines,
    write_source,
    write_test_score,
)
from search.training import Checkpoint, rebuild


def record_source(
    study: optuna.Study,
    data: str | None,
    time_col: str | None,
    date_format: str | None,
    season: int | None,
    dataset: ForecastDataset,
) -> None:
    """Remember where the study's data is and how it is read, so results can be scored and
    forecast later."""
    # A bundled dataset by its name, wherever the package is installed.
    path = str(Path(data).resolve()) if data is not None and bundled_name(data) is None else data
    source = Source(path, time_col, date_format, season)
    if dataset.is_panel:
        source = replace(
            source, id_col=dataset.series.id_col, longest_seq_len=dataset.longest_seq_len
        )
    write_source(study, source)


def study_series(study: optuna.Study, data: str | None = None) -> Series:
    """The study's series, read from `data` if given, else from where the search read it."""
    return _series(study, *_records(study), data)


def study_dataset(study: optuna.Study, data: str | None = None) -> ForecastDataset:
    """The dataset the study's trials were trained and validated on, split the same way."""
    config, source = _records(study)
    series = _series(study, config, source, data)
    if series.fingerprint != config.fingerprint:
        raise DataError(
            f"the data read for study {study.study_name!r} is not the data it was searched on "
            "(its fingerprint differs); pass --data with the original file"
        )
    return ForecastDataset(
        series, config.horizon, config.split, longest_seq_len=source.longest_seq_len
    )


def _records(study: optuna.Study) -> tuple[StudyConfig, Source]:
    """The study's configuration and data source; refused for a study not made by us."""
    attrs = study.user_attrs
    config = read_config(attrs)
    if config is None:
        raise ConfigError(
            f"study {study.study_name!r} was not made by lstm-search; it has no configuration"
        )
    return config, read_source(attrs) or Source(None, None, None, None)


def _series(study: optuna.Study, config: StudyConfig, source: Source, data: str | None) -> Series:
    return load_series(
        data or source.path,
        config.target,
        config.features,
        source.time_col,
        source.date_format,
        source.id_col,
    )


def handed_model(
    study: optuna.Study, url: str, refit: bool = False
) -> tuple[FrozenTrial, Checkpoint, str]:
    """The model a user is handed: the best trial's own (selected on validation, which
    benchmarks/selection.py found the better forecaster on CO2), or with `refit` its refit on
    train + validation; with words saying which."""
    best = require_best(study, url)
    trial = best.trial
    if not refit:
        return trial, best.checkpoint, f"trial {trial.number}, validation MSE {trial.value:.4g}"
    if best.refit is None or best.refit_checkpoint is None:
        raise ConfigError(
            f"study {study.study_name!r} has no refit of trial {trial.number}; run the search "
            "command again with --refit to make one"
        )
    epochs = best.refit.epochs
    what = f"trial {trial.number}'s configuration refit on train + validation ({epochs} epochs)"
    return trial, best.refit_checkpoint, what


def best_held_out_forecasts(
    study: optuna.Study,
    dataset: ForecastDataset,
    best: BestModel,
    season: int | None = None,
) -> HeldOutForecasts:
    """The best model's, its refit's (once stored) and the naive baselines' forecasts of the
    study's test windows."""
    checkpoint = best.checkpoint
    model = rebuild(checkpoint, dataset.device)
    forecasts = held_out_forecasts(
        model, dataset, checkpoint.seq_len, study_season(study, dataset, season)
    )
    if best.refit_checkpoint is not None:
        refit_model = rebuild(best.refit_checkpoint, dataset.device)
        forecasts = replace(
            forecasts, refit=model_forecasts(refit_model, dataset, checkpoint.seq_len)
        )
    return forecasts


def best_score(
    study: optuna.Study,
    url: str,
    dataset: Callable[[], ForecastDataset],
    best: BestModel,
    season: int | None = None,
) -> TestScore:
    """The best model's stored test score; computed and stored first if missing or stale.

    `dataset` gives the study's dataset (see `study_dataset`); it is called only to score.
    """
    stored = read_test_score(study.user_attrs)
    if stored is not None and _current(stored, best, season):
        return stored
    data = dataset()
    forecasts = best_held_out_forecasts(study, data, best, season)
    errors, skipped = classical_errors(study, data, forecasts)
    result = TestScore.scored(
        best.trial.number, best.value, best.refit, score(forecasts, errors, skipped)
    )
    write_test_score(study, result)
    write_note(study)
    return result


def study_season(
    study: optuna.Study, dataset: ForecastDataset, season: int | None = None
) -> int | None:
    """The season scores use: `season` if given, else the one the search was told, else the
    one the data's calendar implies."""
    source = read_source(study.user_attrs)
    season = season or (source.season if source is not None else None)
    return season or dataset.inferred_season()


def fit_baselines(
    study: optuna.Study, dataset: ForecastDataset, seq_len: int, season: int | None = None
) -> None:
    """Fit the classical baselines on the test windows of `seq_len` and store them, before any
    model is scored: they depend on the data alone."""
    windows = held_out_windows(dataset, seq_len, study_season(study, dataset, season))
    classical_errors(study, dataset, windows)


def classical_errors(
    study: optuna.Study, dataset: ForecastDataset, forecasts: HeldOutForecasts
) -> tuple[dict[str, Any], dict[str, str]]:
    """The classical baselines' errors on the test windows, and the baselines skipped; fitted
    once per study and season (they depend on the data alone), then read back."""
    anchors = forecasts.anchors
    first, windows = int(anchors[0]), len(anchors)
    stored = read_baselines(study.user_attrs)
    if stored is not None and stored.fits(forecasts.season, first, windows):
        return stored.errors, stored.skipped
    values = dataset.series.values[:, 0]
    series = [
        (values[part.start : part.stop], anchors[forecasts.series == position] - part.start)
        for position, part in enumerate(dataset.parts)
    ]
    fitted = classical_forecasts(series, dataset.horizon, forecasts.season)
    found = {name: errors(predicted, forecasts) for name, predicted in fitted.forecasts.items()}
    if not any(why.startswith(TIMED_OUT) for why in fitted.skipped.values()):
        # A baseline skipped for time depends on the machine's load: try it again next time.
        fitted_for = Baselines(forecasts.season, first, windows, found, dict(fitted.skipped))
        write_baselines(study, fitted_for)
    return found, dict(fitted.skipped)


def _current(stored: TestScore, best: BestModel, season: int | None) -> bool:
    return (
        stored.trial == best.trial.number
        and season in (None, stored.season)
        # The refit scored is the one stored now (another machine may have refit since).
        and stored.refit_checkpoint == (best.refit.checkpoint if best.refit is not None else None)
        and "model" in stored.forecasts
        and stored.model.skill_vs_best_baseline is not None
    )
