"""The CUDA path, run where a GPU is visible (benchmarks/gpu_check.sh runs these); skipped
elsewhere, CI included: the project never needs a GPU."""

from pathlib import Path

import optuna
import pytest
import torch

from search.cli.main import main
from search.store import schema
from tests.search.cli.test_main import finished, search

pytestmark = [
    pytest.mark.cuda,
    pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA GPU"),
]


def test_a_search_on_the_gpu_is_scored_and_forecasts_on_the_cpu(
    series_csv: Path, storage_url: str, tmp_path: Path
) -> None:
    assert search(series_csv, storage_url, "--trials", "2", "--device", "cuda") == 0
    assert finished(storage_url) == 2
    study = optuna.load_study(study_name="load-random", storage=storage_url)
    assert schema.TEST_SCORE in study.user_attrs  # scored on the CPU whatever the training device
    forecast = tmp_path / "forecast.csv"
    assert main(["predict", "load-random", "--storage", storage_url, "--out", str(forecast)]) == 0
    assert forecast.read_text().count("\n") > 1
