"""Space.suggest / resolve / grid_cells / to_dict against real Optuna studies."""

from __future__ import annotations

import json

import optuna
import pytest
from optuna.distributions import (
    BaseDistribution,
    CategoricalDistribution,
    FloatDistribution,
    IntDistribution,
)

from search.training.hyperparameters import TYPES
from spaces import Param, Space, SpaceError, load_space


def _inside(dist: BaseDistribution, value: object) -> bool:
    if isinstance(dist, IntDistribution):
        return type(value) is int and dist.low <= value <= dist.high
    if isinstance(dist, FloatDistribution):
        return isinstance(value, float) and dist.low <= value <= dist.high
    assert isinstance(dist, CategoricalDistribution)
    return value in dist.choices


def test_suggest_on_full_stays_inside_and_respects_conditions() -> None:
    space = load_space("full", TYPES)
    by_name = {param.name: param for param in space.params}
    study = optuna.create_study(sampler=optuna.samplers.RandomSampler(seed=0))
    optimizers = set()
    for _ in range(50):
        trial = study.ask()
        values = space.suggest(trial)
        assert set(values) == space.keys
        for name, value in trial.params.items():
            assert _inside(by_name[name].distribution, value), (name, value)
        optimizer = trial.params["optimizer"]
        optimizers.add(optimizer)
        rates = [name for name in trial.params if name.startswith("learning_rate")]
        assert rates == [f"learning_rate_{optimizer}"]
        assert values["learning_rate"] == trial.params[f"learning_rate_{optimizer}"]
        assert space.resolve(trial.params) == values
        study.tell(trial, values["learning_rate"])
    assert optimizers == {"adam", "rmsprop", "sgd"}  # every branch was exercised


def test_suggest_on_seed_gives_canonical_keys_equal_to_optuna_names() -> None:
    space = load_space("seed", TYPES)
    trial = optuna.create_study().ask()
    values = space.suggest(trial)
    assert values == trial.params


def test_suggest_works_with_a_fixed_trial() -> None:
    space = load_space("full", TYPES)
    fixed = space.grid_cells()[-1]
    values = space.suggest(optuna.trial.FixedTrial(fixed))
    assert values == space.resolve(fixed)
    assert values["optimizer"] == "sgd" and values["learning_rate"] == 1e-1


def test_resolve_refuses_names_from_another_space() -> None:
    with pytest.raises(SpaceError, match="learning_rate_adamw"):
        load_space("full", TYPES).resolve({"optimizer": "adam", "learning_rate_adamw": 1e-3})


def test_resolve_refuses_a_conditional_whose_parent_disagrees() -> None:
    with pytest.raises(SpaceError, match="learning_rate_sgd"):
        load_space("full", TYPES).resolve({"optimizer": "adam", "learning_rate_sgd": 1e-2})


def test_grid_cells_are_stable_and_vary_the_last_param_fastest() -> None:
    space = load_space("small", TYPES)
    cells = space.grid_cells()
    assert cells == load_space("small", TYPES).grid_cells()
    assert cells[0] == {
        "hidden_size": 8,
        "num_layers": 1,
        "dropout": 0.0,
        "learning_rate": 3e-3,
        "batch_size": 32,
    }
    assert cells[1]["batch_size"] == 64 and cells[1]["hidden_size"] == 8
    assert cells[-1]["hidden_size"] == 16


def test_grid_cells_names_every_param_without_grid_values() -> None:
    space = Space(
        "mine",
        (
            Param("hidden_size", "hidden_size", IntDistribution(8, 64)),
            Param("seq_len", "seq_len", IntDistribution(10, 20)),
            Param("dropout", "dropout", FloatDistribution(0.0, 0.5), grid=(0.0, 0.1)),
        ),
    )
    with pytest.raises(SpaceError, match=r"hidden_size, seq_len have no grid values") as info:
        space.grid_cells()
    assert "grid = [...]" in str(info.value)


def test_space_refuses_a_child_before_its_parent_and_duplicate_names() -> None:
    lr = FloatDistribution(1e-4, 1e-3)
    child = Param("learning_rate", "learning_rate_adam", lr, None, ("optimizer", "adam"))
    parent = Param("optimizer", "optimizer", CategoricalDistribution(["adam"]), ("adam",))
    with pytest.raises(SpaceError, match="learning_rate_adam"):
        Space("bad", (child, parent))
    with pytest.raises(SpaceError, match="optimizer"):
        Space("bad", (parent, parent))
    with pytest.raises(SpaceError, match="no parameters"):
        Space("bad", ())
    assert Space("good", (parent, child)).keys == {"optimizer", "learning_rate"}


def test_to_dict_is_json_safe_and_describes_every_param() -> None:
    space = load_space("full", TYPES)
    described = space.to_dict()
    assert json.loads(json.dumps(described)) == described
    assert described["name"] == "full"
    names = [param["name"] for param in described["params"]]
    assert names == [param.name for param in space.params]
    adam = described["params"][names.index("learning_rate_adam")]
    assert adam["condition"] == ["optimizer", "adam"]
    assert adam["distribution"]["attributes"]["log"] is True
    assert load_space("seed", TYPES).to_dict() != load_space("small", TYPES).to_dict()
    assert load_space("seed", TYPES).to_dict() == load_space("seed", TYPES).to_dict()
