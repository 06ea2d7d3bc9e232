"""Classical baselines from statsforecast on the held-out test windows: AutoETS, AutoTheta, MSTL.

Each model is fitted once on the rows up to the first test anchor, then forecasts every window
from its own anchor with the fitted parameters (statsforecast's `cross_validation` with
`refit=False`, which calls the model's `forward` on all rows up to the anchor). What stays fixed
is what the library fits: ETS's parameters and initial states, Theta's alpha, theta and initial
level, the ETS trend model inside MSTL. The seasonal decompositions of AutoTheta and MSTL are
redone on each window's rows, as `forward` does; they see no row after the anchor either.

Models run one at a time in a spawned worker process that is killed when a model takes too long:
a fit has no time limit of its own, and a spawned process shares no threads or locks with a
parent that may hold torch's.
"""

from __future__ import annotations

import multiprocessing
import signal
import threading
from collections.abc import Sequence
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from multiprocessing.context import SpawnContext
from multiprocessing.process import BaseProcess
from typing import Any

import numpy as np

from search.data import clipped

CLASSICAL: tuple[str, ...] = ("auto_ets", "auto_theta", "mstl")
LABELS: dict[str, str] = {"auto_ets": "AutoETS", "auto_theta": "AutoTheta", "mstl": "MSTL"}
TIMED_OUT = "took over"
"""How the reason of a model stopped for time begins."""
# Starting a worker imports statsforecast (statsmodels, about 2 s); it is not a model's time.
START_SECONDS = 120.0


@dataclass(frozen=True)
class Classical:
    """Forecasts of every test window per model, each (N, horizon) in data units, and the
    models that produced none, each with a short reason."""

    forecasts: dict[str, np.ndarray] = field(default_factory=dict)
    skipped: dict[str, str] = field(default_factory=dict)


def label(key: str, season: int | None) -> str:
    """Display label of a model, with its season when there is one: "AutoETS (season 52)"."""
    return f"{LABELS[key]} (season {season})" if season is not None else LABELS[key]


def classical_forecasts(
    series: Sequence[tuple[np.ndarray, np.ndarray]],
    horizon: int,
    season: int | None,
    seconds: float = 60.0,
) -> Classical:
    """Forecasts of the windows ending at the anchors of each (values, anchors) of `series` (each
    forecasts rows anchor+1..anchor+horizon) by every model of CLASSICAL, fitted once per series
    on `values[: anchors[0] + 1]`; the windows of all series stacked in order.

    With fewer than two seasons of fitting rows in any series, AutoETS and AutoTheta are fitted
    without a season (as with `season=None`) and MSTL is skipped; MSTL is also skipped without a
    season (or one under 2). A model that raises, or runs longer than `seconds` per series, is
    skipped with the reason. The models run in a spawned process, so a script that calls this
    needs the usual `if __name__ == "__main__":` guard.
    """
    parts = [
        (np.asarray(values, dtype=np.float64), np.asarray(anchors, dtype=np.int64))
        for values, anchors in series
    ]
    for values, anchors in parts:
        _check(values, anchors, horizon)
    fit_rows = min(int(anchors[0]) + 1 for _, anchors in parts)
    seasonal = season if season is not None and season >= 2 else None
    skipped: dict[str, str] = {}
    if seasonal is None:
        skipped["mstl"] = "no season"
    elif fit_rows < 2 * seasonal:
        skipped["mstl"] = (
            f"series too short for season {seasonal} ({fit_rows} rows before the test)"
        )
        seasonal = None
    cut = [(values[: int(anchors[-1]) + horizon + 1], anchors) for values, anchors in parts]
    forecasts = _run_all(
        [key for key in CLASSICAL if key not in skipped],
        (cut, horizon, seasonal),
        seconds * len(parts),
        skipped,
    )
    return Classical(
        forecasts={k: forecasts[k] for k in CLASSICAL if k in forecasts}, skipped=skipped
    )


def _check(values: np.ndarray, anchors: np.ndarray, horizon: int) -> None:
    """The caller's windows must be the evaluation's: consecutive anchors inside the series."""
    if values.ndim != 1 or not np.isfinite(values).all():
        raise ValueError(f"values must be a 1-D finite series, but got shape {values.shape}")
    if horizon < 1:
        raise ValueError(f"horizon must be at least 1, but got {horizon}")
    if len(anchors) == 0 or not (np.diff(anchors) == 1).all():
        raise ValueError(f"anchors must be consecutive increasing rows, but got {anchors[:5]}...")
    if anchors[0] < 1 or anchors[-1] + horizon >= len(values):
        raise ValueError(
            f"windows must lie inside the series: anchors {anchors[0]}..{anchors[-1]} with "
            f"horizon {horizon} need 1 <= anchor and anchor + horizon < {len(values)} rows"
        )


def _run_all(
    keys: list[str], task: tuple[Any, ...], seconds: float, skipped: dict[str, str]
) -> dict[str, np.ndarray]:
    """Run each model in turn in one worker, replaced only after it is lost; always stopped."""
    context = multiprocessing.get_context("spawn")
    forecasts: dict[str, np.ndarray] = {}
    worker: tuple[BaseProcess, Connection] | None = None
    done = False
    try:
        for position, key in enumerate(keys):
            if worker is None:
                worker, failure = _start(context)
                if worker is None:
                    skipped.update(dict.fromkeys(keys[position:], failure))
                    break
            status, result = _ask(*worker, (key, *task), seconds)
            if status == "ok":
                forecasts[key] = result
                continue
            skipped[key] = result
            if status == "lost":
                _stop(*worker, kill=True)
                worker = None
        done = True
    finally:
        if worker is not None:
            # An idle worker exits by itself; after an interrupt it may be busy, so no waiting.
            _stop(*worker, kill=not done)
    return forecasts


def _ask(
    process: BaseProcess, conn: Connection, request: tuple[Any, ...], seconds: float
) -> tuple[str, Any]:
    """("ok", forecasts), ("error", reason) from the model, or ("lost", reason) when the worker
    must be replaced: it ran out of time or died."""
    try:
        conn.send(request)
        if not conn.poll(seconds):
            # A fit cannot be interrupted from inside; the worker is killed with it.
            return "lost", f"{TIMED_OUT} {seconds:g} s"
        answer: tuple[str, Any] = conn.recv()
        return answer
    except (EOFError, OSError):
        process.join(timeout=1)
        return "lost", f"worker died (exit code {process.exitcode})"


def _start(context: SpawnContext) -> tuple[tuple[BaseProcess, Connection] | None, str]:
    """A ready worker, or None and the reason it could not start."""
    conn, child_conn = context.Pipe()
    process = context.Process(
        target=_serve, args=(child_conn,), name="classical-baselines", daemon=True
    )
    process.start()
    child_conn.close()  # so that the worker's death reads as EOF here
    try:
        failure = conn.recv() if conn.poll(START_SECONDS) else f"not ready in {START_SECONDS:g} s"
    except EOFError:
        process.join(timeout=1)
        # Usually a script that spawns without `if __name__ == "__main__":`.
        failure = f"worker died at start (exit code {process.exitcode})"
    if failure is not None:
        _stop(process, conn, kill=True)
        return None, failure
    return (process, conn), ""


def _stop(process: BaseProcess, conn: Connection, kill: bool) -> None:
    """End the worker and reap it, so that no process or zombie is left."""
    conn.close()  # an idle worker reads EOF and returns
    if not kill:
        process.join(timeout=5)
    if process.is_alive():
        process.kill()
    process.join()
    process.close()


def _serve(conn: Connection) -> None:
    """Worker: answer each (key, series, horizon, season) with ("ok", forecasts) or
    ("error", reason) until the parent hangs up."""
    # Ctrl-C reaches the whole process group; the parent decides and then stops this worker.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        import statsforecast.models  # noqa: F401 - loaded now so that no model's clock pays it
        from tqdm import tqdm

        # statsforecast's progress bar (disabled) would make tqdm create a multiprocessing lock,
        # registered with the parent's resource tracker: a killed worker could not unregister
        # it, and the parent would warn of a leaked semaphore at exit. One thread needs no more.
        tqdm.set_lock(threading.RLock())
    except Exception as error:
        conn.send(_reason(error))
        return
    conn.send(None)
    while True:
        try:
            key, *task = conn.recv()
        except EOFError:
            return
        try:
            conn.send(("ok", _forecast(key, *task)))
        except Exception as error:
            conn.send(("error", _reason(error)))


def _forecast(
    key: str, series: list[tuple[np.ndarray, np.ndarray]], horizon: int, season: int | None
) -> np.ndarray:
    """One model's forecasts of every series' windows, stacked."""
    return np.concatenate(
        [_forecast_one(key, values, anchors, horizon, season) for values, anchors in series]
    )


def _forecast_one(
    key: str, values: np.ndarray, anchors: np.ndarray, horizon: int, season: int | None
) -> np.ndarray:
    """One model's forecasts (N, horizon) of one series: fitted on the rows up to anchors[0],
    then run forward from each anchor over all rows up to it."""
    import pandas as pd
    from statsforecast import StatsForecast

    frame = pd.DataFrame({"unique_id": "series", "ds": np.arange(len(values)), "y": values})
    result = StatsForecast(models=[_model(key, season)], freq=1).cross_validation(
        h=horizon, df=frame, n_windows=len(anchors), step_size=1, refit=False
    )
    # `ds` is the row number, so the cutoffs are the anchors if the library cut where we do.
    cutoffs, rows = result["cutoff"].to_numpy(), result["ds"].to_numpy()
    targets = anchors[:, None] + np.arange(1, horizon + 1)[None, :]  # (N, H)
    if not (
        np.array_equal(cutoffs, np.repeat(anchors, horizon))
        and np.array_equal(rows, targets.ravel())
    ):
        raise RuntimeError(
            f"statsforecast cut off at rows {cutoffs[0]}..{cutoffs[-1]}, "
            f"not at the anchors {anchors[0]}..{anchors[-1]}"
        )
    forecasts: np.ndarray = result[key].to_numpy(dtype=np.float64).reshape(targets.shape)
    return forecasts


def _model(key: str, season: int | None) -> Any:
    """The statsforecast model for `key`, named `key` so that its column is found by it."""
    from statsforecast.models import MSTL, AutoETS, AutoTheta

    if key == "auto_ets":
        return AutoETS(season_length=season or 1, alias=key)
    if key == "auto_theta":
        return AutoTheta(season_length=season or 1, alias=key)
    assert season is not None  # classical_forecasts skips MSTL without a season
    return MSTL(season_length=season, trend_forecaster=AutoETS(model="ZZN"), alias=key)


def _reason(error: BaseException) -> str:
    """A library's error as a one-line skip reason."""
    return clipped(f"{type(error).__name__}: {error}", limit=100)
