"""A window's cost beside its model's parameters: search/training/recipe.py's WINDOW_OVERHEAD,
from which the cost-aware strategy knows what a configuration costs.

    python benchmarks/window_cost.py [--repeats 3]

Trains one epoch of the bundled CO2 series on one thread for models from 32 units x 1 layer to
256 x 3 at batch sizes 16 and 128, interleaved and repeated; fits seconds = a x (windows x
parameters) + c x windows by least squares and prints c / a (a window's fixed cost in
parameter-windows) and the fit's worst relative error per repeat, their median and spread, and
the median ratio of an epoch's seconds at batch 16 to batch 128 (what the cost leaves out).
Writes its output to benchmarks/results/window_cost.txt with the commit and the machine.
"""

from __future__ import annotations

import argparse
import statistics

import numpy as np
import torch
from record import recorded

from search.data import ForecastDataset, load_series
from search.training import TrialBudget, build_forecaster, fit, train_settings
from search.training.hyperparameters import with_defaults

SHAPES = [(32, 1), (32, 2), (64, 1), (64, 2), (128, 2), (256, 3)]
BATCHES = (16, 128)
SEQ_LEN = 52


def one_epoch(dataset: ForecastDataset, hidden: int, layers: int, batch: int) -> tuple[int, float]:
    """The model's parameters and the seconds of one epoch of training."""
    config = with_defaults(
        {"hidden_size": hidden, "num_layers": layers, "batch_size": batch},
        {"arch": "stacked", "seq_len": SEQ_LEN},
    )
    torch.manual_seed(0)
    model = build_forecaster(config, dataset)
    train, val = dataset.folds(SEQ_LEN, 1)[0]
    budget = TrialBudget(None, 1, 1, 1, None, 1, None)
    result = fit(model, train, val, train_settings(config, budget, 0, model, len(train)))
    return sum(p.numel() for p in model.parameters()), result.seconds


def repeat(dataset: ForecastDataset, windows: int) -> tuple[float, float, float]:
    """One round over every shape and batch: a window's fixed cost in parameter-windows, the
    fit's worst relative error, and the median seconds ratio of batch 16 to 128."""
    rows, seconds, ratios = [], [], []
    for hidden, layers in SHAPES:
        by_batch = {}
        for batch in BATCHES:
            parameters, took = one_epoch(dataset, hidden, layers, batch)
            rows.append([windows * parameters, windows])
            seconds.append(took)
            by_batch[batch] = took
        ratios.append(by_batch[BATCHES[0]] / by_batch[BATCHES[1]])
    fitted = np.linalg.lstsq(np.array(rows, float), np.array(seconds), rcond=None)[0]
    error = max(abs(np.array(rows) @ fitted - seconds) / np.array(seconds))
    return fitted[1] / fitted[0], float(error), statistics.median(ratios)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    torch.set_num_threads(1)
    dataset = ForecastDataset(load_series())
    windows = len(dataset.windows(SEQ_LEN)["train"])
    print("one thread")
    costs = []
    for index in range(args.repeats):
        cost, error, ratio = repeat(dataset, windows)
        costs.append(cost)
        print(
            f"repeat {index}: a window's fixed cost {cost:,.0f} parameter-windows; worst fit "
            f"error {error:.0%}; batch 16 / batch 128 seconds {ratio:.2f}"
        )
    print(
        f"median {statistics.median(costs):,.0f}, spread {max(costs) - min(costs):,.0f} "
        "parameter-windows"
    )


if __name__ == "__main__":
    with recorded("window_cost"):
        main()
