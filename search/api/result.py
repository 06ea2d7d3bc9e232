"""What `search.tune` returns: the best parameters, the held-out score, the study and the model."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import Any

import optuna
import pandas as pd
from torch import nn

from search.api.frames import Data, data_path
from search.results import forecast_study, handed_module
from search.store import TestScore


@dataclass(frozen=True, repr=False)
class SearchResult:
    """A finished search: `best_params` of the selected trial, its `score` on the held-out test
    split (None without a complete trial), the Optuna `study`, the `storage` URL it lives in,
    the selected trial's `model` and `predict`."""

    best_params: dict[str, Any]
    score: TestScore | None
    study: optuna.Study
    storage: str

    @cached_property
    def model(self) -> nn.Module:
        """The selected trial's PyTorch module (its best epoch's weights), loaded on first use."""
        return handed_module(self.study, self.storage)

    def predict(
        self,
        data: Data = None,
        series: str | None = None,
    ) -> pd.DataFrame:
        """The forecast of the steps after the end of the series, as `lstm-search predict`
        makes it: the study's own data unless `data` is given (a path, a bundled name or a
        DataFrame), every series of a panel unless `series` names one."""
        path = data_path(data, self.storage)
        return forecast_study(self.study, self.storage, path, series).frame

    def __repr__(self) -> str:
        value = self.study.best_value if self.best_params else None
        shown = f"{value:.4g}" if value is not None else "none"
        return (
            f"SearchResult(study={self.study.study_name!r}, trials={len(self.study.trials)}, "
            f"best_val_mse={shown}, best_params={self.best_params!r})"
        )
