"""Small real fixtures for the search tests: a 200-row seasonal CSV and a SQLite URL."""

from pathlib import Path

import numpy as np
import pytest


@pytest.fixture
def series_csv(tmp_path: Path) -> Path:
    """200 daily rows: trend, a weekly season and noise, with two gaps."""
    t = np.arange(200)
    noise = np.random.default_rng(0).normal(0, 0.3, 200)
    values = 50 + 0.2 * t + 3 * np.sin(2 * np.pi * t / 7) + noise
    days = np.datetime64("2024-01-01") + t
    lines = ["day,load"] + [
        f"{day},{'' if i in (40, 41) else f'{v:.3f}'}"
        for i, (day, v) in enumerate(zip(days, values, strict=True))
    ]
    path = tmp_path / "load.csv"
    path.write_text("\n".join(lines) + "\n")
    return path


@pytest.fixture
def storage_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'studies.db'}"
