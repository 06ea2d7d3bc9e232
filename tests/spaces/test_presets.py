"""The presets load through the same loader as users' files and hold the SPEC's ranges."""

from __future__ import annotations

import pytest
from optuna.distributions import CategoricalDistribution, FloatDistribution, IntDistribution

from search.training.hyperparameters import TYPES
from spaces import PRESETS, load_space

# SPEC section 4, the `seed` table: {name: (distribution, grid values)}.
SEED_TABLE = {
    "hidden_size": (IntDistribution(32, 256), (32, 64, 128)),
    "num_layers": (IntDistribution(1, 4), (1, 2, 3)),
    "dropout": (FloatDistribution(0.1, 0.5), (0.1, 0.2, 0.3)),
    "learning_rate": (FloatDistribution(1e-4, 1e-2, log=True), (1e-4, 1e-3, 1e-2)),
    "batch_size": (CategoricalDistribution([16, 32, 64, 128]), (16, 32, 64)),
}


@pytest.mark.parametrize("name", PRESETS)
def test_each_preset_loads_under_its_name(name: str) -> None:
    space = load_space(name, TYPES)
    assert space.name == name
    assert space.params
    assert all(param.condition is None or param.key != param.name for param in space.params)


def test_presets_are_the_three_documented_ones() -> None:
    assert PRESETS == ("seed", "full", "small")


def test_seed_matches_the_spec_table_exactly() -> None:
    space = load_space("seed", TYPES)
    got = {param.name: (param.distribution, param.grid) for param in space.params}
    assert got == SEED_TABLE
    assert all(param.key == param.name and param.condition is None for param in space.params)
    # Types matter too: the objective builds an nn.LSTM from these ints.
    for param in space.params:
        assert all(type(value) is type(param.grid[0]) for value in param.grid)
    assert type(space.params[0].grid[0]) is int


def test_seed_grid_has_243_distinct_cells() -> None:
    cells = load_space("seed", TYPES).grid_cells()
    assert len(cells) == 3**5 == 243
    assert len({tuple(sorted(cell.items())) for cell in cells}) == 243
    assert all(set(cell) == set(SEED_TABLE) for cell in cells)


def test_full_grid_count_matches_the_product_by_hand() -> None:
    cells = load_space("full", TYPES).grid_cells()
    # hidden, layers, dropout, batch (3 each) x arch 4 x seq_len 3
    # x (3 optimizers x 3 learning rates each) x scheduler 3
    assert len(cells) == 3 * 3 * 3 * 3 * 4 * 3 * (3 * 3) * 3
    assert len({tuple(sorted(cell.items())) for cell in cells}) == len(cells)


def test_full_cells_carry_exactly_the_learning_rate_of_their_optimizer() -> None:
    for cell in load_space("full", TYPES).grid_cells():
        rates = [name for name in cell if name.startswith("learning_rate")]
        assert rates == [f"learning_rate_{cell['optimizer']}"]


def test_full_declares_the_spec_additions() -> None:
    space = load_space("full", TYPES)
    by_name = {param.name: param for param in space.params}
    assert by_name["arch"].distribution == CategoricalDistribution(
        ["stacked", "bilstm", "encdec", "attention"]
    )
    assert by_name["arch"].grid == ("stacked", "bilstm", "encdec", "attention")
    assert by_name["seq_len"].distribution == IntDistribution(10, 120)
    assert by_name["seq_len"].grid == (26, 52, 104)
    assert by_name["scheduler"].grid == ("none", "step", "cosine")
    ranges = {"adam": (1e-4, 1e-3), "rmsprop": (1e-3, 1e-2), "sgd": (1e-2, 1e-1)}
    for optimizer, (low, high) in ranges.items():
        param = by_name[f"learning_rate_{optimizer}"]
        assert param.key == "learning_rate"
        assert param.condition == ("optimizer", optimizer)
        assert param.distribution == FloatDistribution(low, high, log=True)
        assert param.grid == (low, pytest.approx(3 * low), high)
    assert space.keys == {
        "hidden_size",
        "num_layers",
        "dropout",
        "batch_size",
        "arch",
        "seq_len",
        "optimizer",
        "learning_rate",
        "scheduler",
    }


def test_small_is_small() -> None:
    space = load_space("small", TYPES)
    assert len(space.grid_cells()) == 32
    assert {param.name: param.distribution for param in space.params}["dropout"] == (
        FloatDistribution(0.0, 0.2)
    )
