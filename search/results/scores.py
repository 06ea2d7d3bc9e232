"""What a study leaves its users: the best model, its test score, and the data it came from.

A study records where its data came from (`source`), so every command that reads results back
rebuilds exactly the dataset the trials saw; the data's fingerprint guards against a changed
file. The test score is computed once per best trial and stored on the study.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import replace
from pathlib import Path

import optuna
from optuna.trial import FrozenTrial

from search.data import ForecastDataset, Series, bundled_name, load_series
from search.errors import ConfigError, DataError
from search.results.baselines import TIMED_OUT, classical_forecasts
from search.results.evaluation import (
    HeldOutForecasts,
    errors,
    held_out_forecasts,
    held_out_windows,
    model_forecasts,
    score,
)
from search.results.note import write_note
from search.results.refit import refit_checkpoint, stored_refit
from search.store import best_trial, load_file, schema
from search.training import Checkpoint, decode, rebuild


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
    path = str(Path(data).resolve()) if bundled_name(data) is None else data
    source = {"path": path, "time_col": time_col, "date_format": date_format, "season": season}
    if dataset.is_panel:
        source |= {"id_col": dataset.series.id_col, "longest_seq_len": dataset.longest_seq_len}
    study.set_user_attr(schema.SOURCE, source)


def study_series(study: optuna.Study, data: str | None = None) -> Series:
    """The study's series, read from `data` if given, else from where the search read it."""
    config = study.user_attrs.get(schema.CONFIG)
    if config is None:
        raise ConfigError(
            f"study {study.study_name!r} was not made by lstm-search; it has no configuration"
        )
    source = study.user_attrs.get(schema.SOURCE, {})
    return load_series(
        data or source.get("path"),
        config["target"],
        tuple(config["features"]),
        source.get("time_col"),
        source.get("date_format"),
        source.get("id_col"),
    )


def study_dataset(study: optuna.Study, data: str | None = None) -> ForecastDataset:
    """The dataset the study's trials were trained and validated on, split the same way."""
    series = study_series(study, data)
    config = study.user_attrs[schema.CONFIG]
    if series.fingerprint != config["fingerprint"]:
        raise DataError(
            f"the data read for study {study.study_name!r} is not the data it was searched on "
            "(its fingerprint differs); pass --data with the original file"
        )
    longest = study.user_attrs.get(schema.SOURCE, {}).get("longest_seq_len", 1)
    return ForecastDataset(
        series, int(config["horizon"]), tuple(config["split"]), longest_seq_len=longest
    )


def best_model(study: optuna.Study, url: str) -> tuple[FrozenTrial, Checkpoint]:
    """The best trial and its saved model file's content."""
    trial = best_trial(study)
    if trial is None:
        raise ConfigError(
            f"study {study.study_name!r} has no complete trial yet; run the search first"
        )
    return trial, decode(load_file(url, trial))


def handed_model(
    study: optuna.Study, url: str, refit: bool = False
) -> tuple[FrozenTrial, Checkpoint, str]:
    """The model a user is handed: the best trial's own (selected on validation, which
    benchmarks/selection.py found the better forecaster on CO2), or with `refit` its refit on
    train + validation; with words saying which."""
    trial, checkpoint = best_model(study, url)
    if not refit:
        return trial, checkpoint, f"trial {trial.number}, validation MSE {trial.value:.4g}"
    record = stored_refit(study, trial)
    if record is None:
        raise ConfigError(
            f"study {study.study_name!r} has no refit of trial {trial.number}; run the search "
            "command again without --no-refit to make one"
        )
    epochs = record["epochs"]
    what = f"trial {trial.number}'s configuration refit on train + validation ({epochs} epochs)"
    return trial, refit_checkpoint(url, record), what


def best_held_out_forecasts(
    study: optuna.Study, url: str, dataset: ForecastDataset, season: int | None = None
) -> tuple[FrozenTrial, HeldOutForecasts]:
    """The best model's, its refit's (once stored) and the naive baselines' forecasts of the
    study's test windows."""
    trial, checkpoint = best_model(study, url)
    model = rebuild(checkpoint, dataset.device)
    forecasts = held_out_forecasts(
        model, dataset, checkpoint.seq_len, study_season(study, dataset, season)
    )
    refit = stored_refit(study, trial)
    if refit is not None:
        refit_model = rebuild(refit_checkpoint(url, refit), dataset.device)
        forecasts = replace(
            forecasts, refit=model_forecasts(refit_model, dataset, checkpoint.seq_len)
        )
    return trial, forecasts


def best_score(
    study: optuna.Study,
    url: str,
    dataset: Callable[[], ForecastDataset],
    season: int | None = None,
) -> dict[str, object]:
    """The best trial's stored test score; computed and stored first if missing or stale.

    `dataset` gives the study's dataset (see `study_dataset`); it is called only to score.
    """
    stored = study.user_attrs.get(schema.TEST_SCORE)
    best = best_trial(study)
    refit = stored_refit(study, best) if best is not None else None
    if _current(stored, best, season, refit):
        return stored  # type: ignore[return-value]
    data = dataset()
    trial, forecasts = best_held_out_forecasts(study, url, data, season)
    errors, skipped = classical_errors(study, data, forecasts)
    result = {
        "trial": trial.number,
        "val_loss": trial.value,
        "refit_epochs": refit["epochs"] if refit is not None else None,
        "refit_checkpoint": refit["checkpoint"] if refit is not None else None,
        **score(forecasts, errors, skipped),
    }
    study.set_user_attr(schema.TEST_SCORE, result)
    write_note(study)
    return result


def study_season(
    study: optuna.Study, dataset: ForecastDataset, season: int | None = None
) -> int | None:
    """The season scores use: `season` if given, else the one the search was told, else the
    one the data's calendar implies."""
    season = season or study.user_attrs.get(schema.SOURCE, {}).get("season")
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
) -> tuple[dict[str, object], dict[str, str]]:
    """The classical baselines' errors on the test windows, and the baselines skipped; fitted
    once per study and season (they depend on the data alone), then read back."""
    anchors = forecasts.anchors
    key = {"season": forecasts.season, "first_anchor": int(anchors[0]), "windows": len(anchors)}
    stored = study.user_attrs.get(schema.BASELINES)
    if stored is not None and all(stored.get(k) == v for k, v in key.items()):
        return stored["errors"], stored["skipped"]
    values = dataset.series.values[:, 0]
    series = [
        (values[part.start : part.stop], anchors[forecasts.series == position] - part.start)
        for position, part in enumerate(dataset.parts)
    ]
    fitted = classical_forecasts(series, dataset.horizon, forecasts.season)
    found = {name: errors(predicted, forecasts) for name, predicted in fitted.forecasts.items()}
    if not any(why.startswith(TIMED_OUT) for why in fitted.skipped.values()):
        # A baseline skipped for time depends on the machine's load: try it again next time.
        study.set_user_attr(schema.BASELINES, {**key, "errors": found, "skipped": fitted.skipped})
    return found, dict(fitted.skipped)


def _current(
    stored: Mapping[str, object] | None,
    best: FrozenTrial | None,
    season: int | None,
    refit: Mapping[str, object] | None,
) -> bool:
    return (
        stored is not None
        and best is not None
        and stored.get("trial") == best.number
        and season in (None, stored.get("season"))
        # The refit scored is the one stored now (another machine may have refit since).
        and stored.get("refit_checkpoint") == (refit["checkpoint"] if refit is not None else None)
        and "skill_vs_best_baseline" in stored.get("model", {})  # type: ignore[operator]
    )
