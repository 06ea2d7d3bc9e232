"""Our default search against NeuralForecast's AutoLSTM on the bundled panel: wall time and test
MASE, the same split, horizon and number of trials.

    python benchmarks/panel_vs_neuralforecast.py --nf-python NF/bin/python [--trials 50]
        [--horizon 1] [--seed 0] [--order ours,theirs]

NeuralForecast is not a dependency of lstm-search: install it into a virtual environment of its
own first (the torch pin takes the CPU wheel, as for lstm-search):

    python -m venv NF && NF/bin/pip install torch==2.13.0 neuralforecast optuna

Both run on the bundled panel (`--data births`, weekly births in ten US states) on this machine,
one after the other, each with every core. Ours: `lstm-search --data births --trials N` with
every other option at its default (bayes, 2 workers on 2 cores, the refit and the classical
baselines included in its time). AutoLSTM: its default space, its Optuna backend (TPE, seeded),
`num_samples=N`, tuned on the validation weeks (`val_size`), then one fit forecasting every test
window (`cross_validation` with `refit=False`, step 1). The validation and test weeks are ours:
70/15/15 of the panel's weeks, by date.

AutoLSTM's test MASE is computed here by our own scoring (`search.results.evaluation.errors`
on `held_out_windows`: for each series, the MAE over its test windows and steps divided by the
seasonal-naive, 52 weeks back, MAE of its training rows; then the mean over series), after the
script has checked that AutoLSTM's windows are ours (series, cutoffs and actual values). Ours is
the stored score (`best --json`).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd
from record import recorded

from search.data.series import BUNDLED, bundled_path, load_series
from search.data.windows import ForecastDataset
from search.results.evaluation import HeldOutForecasts, errors, held_out_windows
from search.run.options import SearchOptions

DATA = "births"
SEASON = 52
SEQ_LEN = SearchOptions().seq_len  # the test windows do not depend on it on this panel

THEIRS = """
import json, sys, time
import optuna, pandas as pd
from neuralforecast import NeuralForecast
from neuralforecast.auto import AutoLSTM

path, id_col, time_col, target, h, trials, seed, val_size, test_size, out = sys.argv[1:]
frame = pd.read_csv(path, parse_dates=[time_col])
frame = frame.rename(columns={id_col: "unique_id", time_col: "ds", target: "y"})
optuna.logging.set_verbosity(optuna.logging.WARNING)
model = AutoLSTM(
    h=int(h), backend="optuna", num_samples=int(trials),
    search_alg=optuna.samplers.TPESampler(seed=int(seed)),
)
forecaster = NeuralForecast(models=[model], freq=pd.infer_freq(frame["ds"].unique()[:50]))
start = time.perf_counter()
result = forecaster.cross_validation(
    df=frame, val_size=int(val_size), test_size=int(test_size), n_windows=None, step_size=1
)
seconds = time.perf_counter() - start
result.to_csv(out, index=False)
print(json.dumps({"seconds": seconds}))
"""


def run_ours(trials: int, horizon: int, seed: int, work: Path) -> tuple[float, dict]:
    """Wall seconds of our default search, and its stored test score."""
    storage = ["--storage", f"sqlite:///{work / 'studies.db'}"]
    command = [sys.executable, "-m", "search", "--data", DATA, "--trials", str(trials)]
    command += ["--horizon", str(horizon), "--seed", str(seed), *storage]
    start = time.perf_counter()
    subprocess.run(command, check=True, cwd=work, stdout=subprocess.DEVNULL)
    seconds = time.perf_counter() - start
    best = [sys.executable, "-m", "search", "best", f"{DATA}-bayes", "--json", *storage]
    record = json.loads(subprocess.run(best, check=True, cwd=work, capture_output=True).stdout)
    return seconds, record["test_score"]


def run_theirs(
    python: str, trials: int, horizon: int, seed: int, dataset: ForecastDataset, work: Path
) -> tuple[float, pd.DataFrame]:
    """Wall seconds of AutoLSTM's search and test forecasts (its own process's clock, from
    the search to the last forecast), and those forecasts."""
    part = dataset.parts[0]  # the bundled panel's series share their weeks
    val_size = part.bounds.val[1] - part.bounds.val[0]
    test_size = part.bounds.test[1] - part.bounds.test[0]
    series = dataset.series
    out = work / "autolstm.csv"
    arguments = [bundled_path(DATA), series.id_col, series.time_col, series.target, horizon]
    arguments += [trials, seed, val_size, test_size, out]
    result = subprocess.run(
        [python, "-c", THEIRS, *map(str, arguments)],
        check=True,
        capture_output=True,
        text=True,
        cwd=work,  # where Lightning leaves its logs
    )
    seconds = json.loads(result.stdout.strip().splitlines()[-1])["seconds"]
    return seconds, pd.read_csv(out, parse_dates=["ds", "cutoff"])


def their_mase(
    forecasts: pd.DataFrame, windows: HeldOutForecasts, dataset: ForecastDataset
) -> float:
    """AutoLSTM's MASE by our own scoring (`errors`), once its windows are shown to be ours: the
    same series, cutoffs and actual values, in our order."""
    series = dataset.series
    position = {name: i for i, name in enumerate(series.ids)}
    ordered = forecasts.assign(position=forecasts["unique_id"].map(position))
    ordered = ordered.sort_values(["position", "cutoff", "ds"])
    horizon = dataset.horizon
    cutoffs = ordered["cutoff"].to_numpy()[::horizon]
    actual = ordered["y"].to_numpy().reshape(-1, horizon)
    if not (
        np.array_equal(cutoffs, series.time[windows.anchors].to_numpy())
        and np.allclose(actual, windows.actual)
    ):
        raise SystemExit("AutoLSTM's test windows are not ours: no comparison")
    return float(errors(ordered["AutoLSTM"].to_numpy().reshape(-1, horizon), windows)["mase"])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--nf-python", required=True, help="python of NeuralForecast's venv")
    parser.add_argument("--trials", type=int, default=50)
    parser.add_argument("--horizon", type=int, default=1)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--order", default="ours,theirs", help="which runs first")
    args = parser.parse_args()
    series = load_series(DATA)
    assert series.id_col == BUNDLED[DATA][1]
    dataset = ForecastDataset(series, args.horizon)
    with tempfile.TemporaryDirectory() as directory:
        work = Path(directory)
        results = {}
        for side in args.order.split(","):
            if side == "ours":
                results[side] = run_ours(args.trials, args.horizon, args.seed, work)
            else:
                results[side] = run_theirs(
                    args.nf_python, args.trials, args.horizon, args.seed, dataset, work
                )
    our_seconds, score = results["ours"]
    their_seconds, forecasts = results["theirs"]
    windows = held_out_windows(dataset, SEQ_LEN, SEASON)
    theirs = their_mase(forecasts, windows, dataset)
    print(
        f"bundled panel {DATA!r}: {len(dataset.parts)} series, horizon {args.horizon}, "
        f"{args.trials} trials each, seed {args.seed}, {len(forecasts)} test windows"
    )
    print(f"{'':26}{'wall s':>8}{'test MASE':>11}")
    print(f"{'lstm-search (default)':26}{our_seconds:8.0f}{score['model']['mase']:11.4f}")
    print(f"{'NeuralForecast AutoLSTM':26}{their_seconds:8.0f}{theirs:11.4f}")
    for key in ("persistence", "seasonal_naive", "auto_ets", "auto_theta", "mstl"):
        if key in score:
            print(f"{key:26}{'':8}{score[key]['mase']:11.4f}")


if __name__ == "__main__":
    with recorded("panel_vs_neuralforecast"):
        main()
