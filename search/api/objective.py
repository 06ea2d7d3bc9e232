"""`search.objective`: the shared train-and-validate objective, for a user's own Optuna study."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

import optuna

from search.api.arguments import DEFAULTS, search_options
from search.api.frames import Data, data_path
from search.run import trial_objective


def objective(
    data: Data,
    target: str | None = DEFAULTS.target,
    **options: object,
) -> Callable[[optuna.Trial], float]:
    """The objective every trial of `lstm-search` runs, as a callable `trial -> float` for
    `optuna.create_study().optimize(objective(...), n_trials=...)`.

    It suggests from the search space, trains with the same budget and early stopping, reports
    the validation loss each epoch (for the study's pruner) and returns the best validation MSE
    on the scaled series. `data` and `options` are those of `search.tune`; the options that
    concern a study of ours (strategy, trials, workers) are not used, and `storage` only says
    where a DataFrame's CSV file goes. No model file is kept. Like the command, it trains on
    one CPU thread per process (torch.set_num_threads(1)).
    """
    chosen = search_options({"target": target, **options})
    return trial_objective(replace(chosen, data=data_path(data, chosen.storage)))
