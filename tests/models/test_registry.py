"""The registry, the config's checks, and the one-way import rule."""

import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import pytest

from models import ARCHITECTURES, ModelConfig, build_model

REPO_ROOT = Path(__file__).resolve().parents[2]
CONFIG = ModelConfig(n_inputs=1, n_targets=1, horizon=1, hidden_size=8, num_layers=1, dropout=0.0)


def test_registry_holds_the_five_architectures() -> None:
    assert set(ARCHITECTURES) == {"stacked", "bilstm", "encdec", "attention", "craft"}


def test_unknown_architecture_names_the_known_ones() -> None:
    with pytest.raises(ValueError, match="'transformer'") as info:
        build_model("transformer", CONFIG)
    for name in ARCHITECTURES:
        assert name in str(info.value)


@pytest.mark.parametrize(
    ("field", "value"), [("horizon", 0), ("hidden_size", -1), ("num_layers", 0), ("dropout", 1.0)]
)
def test_config_refuses_bad_values(field: str, value: float) -> None:
    with pytest.raises(ValueError, match=f"{field}={value}"):
        replace(CONFIG, **{field: value})


def test_models_imports_neither_optuna_nor_search() -> None:
    code = (
        "import sys, models\n"
        "bad = [m for m in ('optuna', 'search') if m in sys.modules]\n"
        "sys.exit(f'models pulled in {bad}' if bad else 0)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=REPO_ROOT, capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr
