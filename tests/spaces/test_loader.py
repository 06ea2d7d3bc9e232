"""The TOML loader: users' files, and a table of every refusal with its message."""

from __future__ import annotations

from pathlib import Path

import optuna
import pytest
from optuna.distributions import CategoricalDistribution, FloatDistribution, IntDistribution

from search.training.hyperparameters import TYPES
from spaces import SpaceError, load_space

LR_BY_OPTIMIZER = """
[optimizer]
choices = ["adam", "sgd"]

[learning_rate]
by = "optimizer"
adam = { low = 1e-4, high = 1e-3, log = true }
"""


def _write(tmp_path: Path, text: str, name: str = "my.toml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_a_subset_of_params_loads_and_suggests(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        """
[hidden_size]
low = 16
high = 128
step = 16
grid = [16, 64]

[dropout]
low = 0
high = 1
""",
    )
    space = load_space(path, TYPES)
    assert space.name == str(path)
    assert space.keys == {"hidden_size", "dropout"}
    hidden, dropout = space.params
    assert hidden.distribution == IntDistribution(16, 128, step=16)
    assert dropout.distribution == FloatDistribution(0.0, 1.0)  # ints convert for floats
    values = space.suggest(optuna.create_study().ask())
    assert set(values) == {"hidden_size", "dropout"} and values["hidden_size"] % 16 == 0
    with pytest.raises(SpaceError, match=r"^dropout has no grid values.*grid = \[\.\.\.\]"):
        space.grid_cells()


def test_a_path_given_as_str_loads(tmp_path: Path) -> None:
    path = _write(tmp_path, '[arch]\nchoices = ["stacked"]\n')
    space = load_space(str(path), TYPES)
    assert space.params[0].distribution == CategoricalDistribution(["stacked"])
    assert space.grid_cells() == [{"arch": "stacked"}]  # choices without grid: all of them


def test_a_conditional_declared_before_its_parent_is_placed_after_it(tmp_path: Path) -> None:
    text = """
[learning_rate]
by = "optimizer"
adam = { low = 1e-4, high = 1e-3, grid = [1e-4] }
sgd = { low = 1e-2, high = 1e-1, grid = [1e-2, 1e-1] }

[optimizer]
choices = ["adam", "sgd"]
"""
    space = load_space(_write(tmp_path, text), TYPES)
    assert [param.name for param in space.params] == [
        "optimizer",
        "learning_rate_adam",
        "learning_rate_sgd",
    ]
    assert space.grid_cells() == [
        {"optimizer": "adam", "learning_rate_adam": 1e-4},
        {"optimizer": "sgd", "learning_rate_sgd": 1e-2},
        {"optimizer": "sgd", "learning_rate_sgd": 1e-1},
    ]


def test_a_child_of_an_ungridded_parent_value_needs_no_grid(tmp_path: Path) -> None:
    text = """
[optimizer]
choices = ["adam", "sgd"]
grid = ["adam"]

[learning_rate]
by = "optimizer"
adam = { low = 1e-4, high = 1e-3, grid = [1e-4, 1e-3] }
sgd = { low = 1e-2, high = 1e-1 }
"""
    assert len(load_space(_write(tmp_path, text), TYPES).grid_cells()) == 2


def test_int_choices_can_be_parents(tmp_path: Path) -> None:
    text = """
[batch_size]
choices = [16, 32]

[learning_rate]
by = "batch_size"
16 = { low = 1e-4, high = 1e-3 }
32 = { low = 1e-3, high = 1e-2 }
"""
    space = load_space(_write(tmp_path, text), TYPES)
    assert space.params[2].name == "learning_rate_32"
    assert space.params[2].condition == ("batch_size", 32)
    values = space.suggest(optuna.trial.FixedTrial({"batch_size": 32, "learning_rate_32": 5e-3}))
    assert values == {"batch_size": 32, "learning_rate": 5e-3}


# (case id, TOML text, words the message must hold: the parameter first, then the fix).
REFUSALS = [
    ("unknown-name", "[hidden_sise]\nlow = 1\nhigh = 2", ["hidden_sise", "'hidden_size'"]),
    ("not-a-table", "hidden_size = 5", ["hidden_size", "[hidden_size]"]),
    ("inverted", "[hidden_size]\nlow = 256\nhigh = 32", ["hidden_size", "low=256", "swap"]),
    ("empty-int", "[num_layers]\nlow = 2\nhigh = 2", ["num_layers", "choices = [2]"]),
    ("empty-float", "[dropout]\nlow = 0.2\nhigh = 0.2", ["dropout", "single-choice"]),
    ("log-zero", "[learning_rate]\nlow = 0\nhigh = 1\nlog = true", ["learning_rate", "log"]),
    ("log-int-neg", "[seq_len]\nlow = -1\nhigh = 9\nlog = true", ["seq_len", "`low > 0`"]),
    ("log-not-bool", "[dropout]\nlow = 0.1\nhigh = 0.2\nlog = 1", ["dropout", "log = true"]),
    ("missing-high", "[hidden_size]\nlow = 32", ["hidden_size", "add `high`"]),
    ("typo-key", "[hidden_size]\nlow = 32\nhgih = 64", ["hidden_size", "hgih", "`high`"]),
    ("neither-form", "[hidden_size]\ngrid = [32]", ["hidden_size", "`choices"]),
    ("both-forms", "[batch_size]\nlow = 1\nhigh = 9\nchoices = [1]", ["batch_size", "one of"]),
    ("int-low-float", "[hidden_size]\nlow = 32.0\nhigh = 64", ["hidden_size", "an int", "32.0"]),
    ("int-low-bool", "[num_layers]\nlow = true\nhigh = 4", ["num_layers", "an int"]),
    ("float-str", '[dropout]\nlow = "0.1"\nhigh = 0.5', ["dropout", "a number"]),
    ("float-nan", "[dropout]\nlow = nan\nhigh = 0.5", ["dropout", "finite"]),
    ("str-range", "[optimizer]\nlow = 1\nhigh = 2", ["optimizer", "choices"]),
    ("str-not-str", "[optimizer]\nchoices = [1, 2]", ["optimizer", "strings"]),
    ("empty-choices", "[batch_size]\nchoices = []", ["batch_size", "non-empty"]),
    ("dup-choices", "[batch_size]\nchoices = [16, 32, 16]", ["batch_size", "distinct", "16"]),
    ("dup-float", "[dropout]\nchoices = [1, 1.0]", ["dropout", "distinct"]),
    ("grid-out", "[hidden_size]\nlow = 32\nhigh = 64\ngrid = [16]", ["hidden_size", "widen"]),
    ("grid-float-out", "[dropout]\nlow = 0.1\nhigh = 0.5\ngrid = [0.6]", ["dropout", "0.6"]),
    ("grid-choice", "[batch_size]\nchoices = [16]\ngrid = [8]", ["batch_size", "`choices`"]),
    ("grid-type", "[hidden_size]\nlow = 32\nhigh = 64\ngrid = [48.5]", ["hidden_size", "ints"]),
    ("grid-str", '[arch]\nchoices = ["bilstm"]\ngrid = [1]', ["arch", "strings"]),
    ("grid-empty", "[hidden_size]\nlow = 32\nhigh = 64\ngrid = []", ["hidden_size", "grid"]),
    ("grid-dup", "[hidden_size]\nlow = 1\nhigh = 9\ngrid = [2, 2]", ["hidden_size", "distinct"]),
    ("grid-off-step", "[hidden_size]\nlow = 8\nhigh = 64\nstep = 8\ngrid = [12]", ["steps of 8"]),
    ("float-step", "[dropout]\nlow = 0.1\nhigh = 0.5\nstep = 0.1", ["dropout", "`step`"]),
    ("bad-step", "[hidden_size]\nlow = 8\nhigh = 64\nstep = 0", ["hidden_size", "positive"]),
    ("step-log", "[seq_len]\nlow = 8\nhigh = 64\nstep = 8\nlog = true", ["seq_len", "`log"]),
    ("step-misfit", "[hidden_size]\nlow = 8\nhigh = 60\nstep = 8", ["hidden_size", "high = 56"]),
    (
        "by-unknown",
        '[learning_rate]\nby = "optimzer"',
        ["learning_rate", "optimzer", "none declared"],
    ),
    ("by-undeclared", '[learning_rate]\nby = "optimizer"', ["learning_rate", "[optimizer]"]),
    ("by-not-str", "[learning_rate]\nby = 3", ["learning_rate", "by ="]),
    ("by-self", '[arch]\nchoices = ["x"]\n[learning_rate]\nby = "learning_rate"', ["another"]),
    (
        "by-range",
        '[hidden_size]\nlow = 8\nhigh = 9\n[learning_rate]\nby = "hidden_size"',
        ["learning_rate", "hidden_size", "`choices`"],
    ),
    (
        "by-conditional",
        LR_BY_OPTIMIZER.replace('"adam", "sgd"', '"adam"')
        + '[dropout]\nby = "learning_rate"\nx = { low = 0.1, high = 0.2 }',
        ["dropout", "unconditional"],
    ),
    ("sub-missing", LR_BY_OPTIMIZER, ["learning_rate", "missing sgd", "one sub-table per"]),
    (
        "sub-extra",
        LR_BY_OPTIMIZER.replace('"adam", "sgd"', '"adam"') + "adma = { low = 1, high = 2 }",
        ["learning_rate", "extra adma"],
    ),
    (
        "sub-not-table",
        LR_BY_OPTIMIZER + "sgd = 3",
        ["learning_rate.sgd", "table"],
    ),
    (
        "sub-inverted",
        LR_BY_OPTIMIZER + "sgd = { low = 1e-1, high = 1e-2 }",
        ["learning_rate.sgd", "swap"],
    ),
    ("sub-by", LR_BY_OPTIMIZER + 'sgd = { by = "arch" }', ["learning_rate.sgd", "`by`"]),
    ("empty-space", "# nothing here\n", ["empty", "[hidden_size]"]),
    ("invalid-toml", "[hidden_size]\nlow = = 3\n", ["my.toml", "invalid TOML", "line 2"]),
    ("twice", "[dropout]\nlow = 0.1\n[dropout]\nhigh = 2.0\n", ["my.toml", "invalid TOML"]),
]


@pytest.mark.parametrize(
    ("text", "words"), [case[1:] for case in REFUSALS], ids=[case[0] for case in REFUSALS]
)
def test_refusals_name_the_parameter_and_the_fix(
    tmp_path: Path, text: str, words: list[str]
) -> None:
    path = _write(tmp_path, text)
    with pytest.raises(SpaceError) as info:
        load_space(path, TYPES)
    message = str(info.value)
    assert "\n" not in message, message
    for word in words:
        assert word in message, (word, message)


def test_space_error_is_a_value_error() -> None:
    assert issubclass(SpaceError, ValueError)


def test_a_missing_file_is_refused_with_the_presets(tmp_path: Path) -> None:
    missing = tmp_path / "nope.toml"
    with pytest.raises(SpaceError, match="no such space file") as info:
        load_space(missing, TYPES)
    assert "nope.toml" in str(info.value) and "seed, full, small" in str(info.value)
    with pytest.raises(SpaceError, match="no such space file"):
        load_space(str(missing), TYPES)
    with pytest.raises(SpaceError, match="no such space file"):
        load_space(tmp_path, TYPES)  # a folder is not a space file


def test_an_unknown_preset_lists_the_presets() -> None:
    with pytest.raises(SpaceError, match=r"unknown space preset 'sed'; did you mean 'seed'") as e:
        load_space("sed", TYPES)
    assert "seed, full, small" in str(e.value)
    with pytest.raises(SpaceError, match="unknown space preset 'huge'"):
        load_space("huge", TYPES)
