"""The scikit-optimize GP sampler: real studies, real skopt, no mocks."""

import itertools
import math
import statistics
from pathlib import Path
from typing import Any

import optuna
import pytest
import skopt
from optuna.distributions import CategoricalDistribution, FloatDistribution, IntDistribution
from optuna.trial import TrialState
from skopt.space import Categorical, Integer, Real
from threadpoolctl import threadpool_limits

from search.strategies.bayes import SkoptGPSampler, observations


@pytest.fixture(autouse=True)
def _quiet_optuna() -> None:
    optuna.logging.set_verbosity(optuna.logging.WARNING)


# The `seed` preset's space, and a smooth function over it with an interior optimum of 0 at
# hidden_size 128, num_layers 2, dropout 0.25, learning_rate 2e-3, batch_size 32.
BATCH_COST = {16: 0.3, 32: 0.0, 64: 0.1, 128: 0.4}


def seed_space_cost(hidden: int, layers: int, dropout: float, lr: float, batch: int) -> float:
    return (
        (math.log10(lr) - math.log10(2e-3)) ** 2
        + 4 * (hidden / 256 - 0.5) ** 2
        + 8 * (dropout - 0.25) ** 2
        + 0.1 * (layers - 2) ** 2
        + BATCH_COST[batch]
    )


def seed_space_objective(trial: optuna.Trial) -> float:
    return seed_space_cost(
        trial.suggest_int("hidden_size", 32, 256),
        trial.suggest_int("num_layers", 1, 4),
        trial.suggest_float("dropout", 0.1, 0.5),
        trial.suggest_float("learning_rate", 1e-4, 1e-2, log=True),
        trial.suggest_categorical("batch_size", [16, 32, 64, 128]),
    )


def run(sampler: optuna.samplers.BaseSampler, n_trials: int, **study_args: Any) -> optuna.Study:
    study = optuna.create_study(sampler=sampler, **study_args)
    study.optimize(seed_space_objective, n_trials=n_trials)
    return study


def random_phase_params(study: optuna.Study, trial: optuna.trial.FrozenTrial) -> dict[str, Any]:
    """What the sampler's random phase draws for `trial`'s number."""
    sampler = study.sampler
    return {
        name: sampler.sample_independent(study, trial, name, dist)
        for name, dist in trial.distributions.items()
    }


def test_suggestions_stay_inside_the_distributions() -> None:
    def objective(trial: optuna.Trial) -> float:
        n = trial.suggest_int("n", 1, 9)
        lr = trial.suggest_float("lr", 1e-5, 1e-1, log=True)
        batch = trial.suggest_categorical("batch", [16, 32, 64])
        units = trial.suggest_int("units", 8, 64, step=8)
        drop = trial.suggest_float("drop", 0.0, 0.5, step=0.1)
        return (n - 4) ** 2 + math.log10(lr) ** 2 + batch / 64 + abs(units - 24) + drop

    study = optuna.create_study(sampler=SkoptGPSampler(seed=0))
    study.optimize(objective, n_trials=25)
    assert len(study.get_trials(states=(TrialState.COMPLETE,))) == 25
    for trial in study.trials:
        p = trial.params
        assert type(p["n"]) is int and 1 <= p["n"] <= 9
        assert type(p["lr"]) is float and 1e-5 <= p["lr"] <= 1e-1
        assert type(p["batch"]) is int and p["batch"] in (16, 32, 64)
        assert type(p["units"]) is int and p["units"] in range(8, 65, 8)
        assert type(p["drop"]) is float and min(abs(p["drop"] - k / 10) for k in range(6)) < 1e-9
    # The GP phase is reached and moves towards the optimum (n=4, lr=1, batch 16, units 24).
    assert study.best_value < min(t.value for t in study.trials[:10])


def test_same_seed_same_suggestions_other_seed_others() -> None:
    def params(seed: int) -> list[dict[str, Any]]:
        return [t.params for t in run(SkoptGPSampler(seed=seed), 15).trials]

    first = params(3)
    assert params(3) == first
    other = params(4)
    assert all(a != b for a, b in zip(first, other, strict=True))


def test_resume_warm_starts_from_storage_without_replaying_the_random_phase(
    tmp_path: Path,
) -> None:
    url = f"sqlite:///{tmp_path}/s.db"
    run(SkoptGPSampler(seed=5), 12, storage=url, study_name="s")
    resumed = optuna.load_study(study_name="s", storage=url, sampler=SkoptGPSampler(seed=5))
    resumed.optimize(seed_space_objective, n_trials=8)
    trials = resumed.trials
    assert [t.state for t in trials] == [TrialState.COMPLETE] * 20
    # Trials 0-9 are the random phase's draws; every later one, before and after the restart,
    # is not: a restarted random phase would draw exactly those points.
    for trial in trials:
        is_random = trial.params == random_phase_params(resumed, trial)
        assert is_random == (trial.number < 10), trial.number

    # The first suggestion after the restart is the one a fresh sampler makes from the same 12
    # stored trials, and it depends on all of them: with the 12th left out it differs.
    def next_params(history: list[optuna.trial.FrozenTrial]) -> dict[str, Any]:
        copy = optuna.create_study(sampler=SkoptGPSampler(seed=5))
        copy.add_trials(history)
        trial = copy.ask()
        seed_space_objective(trial)
        assert trial.number == 12
        return trial.params

    assert next_params(trials[:12]) == trials[12].params
    failed = optuna.trial.create_trial(state=TrialState.FAIL)
    assert next_params([*trials[:11], failed]) != trials[12].params


def test_running_trials_are_told_as_the_best_value_so_far() -> None:
    # A small discrete space, where a GP told nothing about in-flight points proposes the same
    # point again and again.
    def suggest(trial: optuna.Trial) -> tuple[int, int]:
        return trial.suggest_int("x", 0, 10), trial.suggest_int("y", 0, 10)

    def objective(trial: optuna.Trial) -> float:
        x, y = suggest(trial)
        return (x - 3) ** 2 + (y - 7) ** 2

    study = optuna.create_study(sampler=SkoptGPSampler(seed=0))
    study.optimize(objective, n_trials=10)
    running = [suggest(study.ask()) for _ in range(4)]
    following = suggest(study.ask())
    assert len({*running, following}) == 5
    # The lie is the best finished value, and every running point carries it.
    space = {"x": IntDistribution(0, 10), "y": IntDistribution(0, 10)}
    xs, ys = observations(study.trials, space)
    best = study.best_value
    assert sorted(map(tuple, xs[10:])) == sorted([*running, following])
    assert ys[10:] == [best] * 5


def test_observations_tell_pruned_trials_their_last_intermediate_value() -> None:
    x = IntDistribution(0, 20)
    kind = CategoricalDistribution(["a", "b", "c"])
    space = {"x": IntDistribution(0, 10), "kind": kind}
    study = optuna.create_study()

    def add(x_value: int, kind_value: str, **kwargs: Any) -> None:
        study.add_trial(
            optuna.trial.create_trial(
                params={"x": x_value, "kind": kind_value},
                distributions={"x": x, "kind": kind},
                **kwargs,
            )
        )

    add(2, "b", value=4.0)
    add(5, "c", state=TrialState.PRUNED, intermediate_values={0: 9.0, 3: 2.5, 1: 7.0})
    add(6, "a", state=TrialState.PRUNED)  # pruned before its first report: nothing to tell
    add(12, "a", value=1.0)  # outside the narrowed range of `x`: skipped, not a crash
    add(3, "a", state=TrialState.FAIL)

    assert observations(study.trials, space) == ([[2, 1], [5, 2]], [4.0, 2.5])
    # A maximised study is minimised negated; a trial without a parameter is skipped.
    assert observations(study.trials, space, optuna.study.StudyDirection.MAXIMIZE)[1] == [
        -4.0,
        -2.5,
    ]
    assert observations(study.trials, {**space, "other": kind}) == ([], [])


def test_pruned_trials_count_towards_the_random_phase_and_steer_the_gp() -> None:
    study = optuna.create_study(sampler=SkoptGPSampler(seed=0))
    x = FloatDistribution(0.0, 1.0)
    for i in range(10):
        study.add_trial(
            optuna.trial.create_trial(
                params={"x": i / 9},
                distributions={"x": x},
                state=TrialState.PRUNED,
                intermediate_values={0: 10.0, 1: abs(i / 9 - 0.3)},
            )
        )
    trial = study.ask()
    value = trial.suggest_float("x", 0.0, 1.0)
    assert value != random_phase_params(study, study.trials[-1])["x"]
    assert abs(value - 0.3) < 0.15


def test_conditional_parameters_are_sampled_independently_inside_their_ranges() -> None:
    def objective(trial: optuna.Trial) -> float:
        opt = trial.suggest_categorical("opt", ["adam", "sgd"])
        x = trial.suggest_float("x", -1.0, 1.0)
        trial.suggest_int("fixed", 3, 3)
        if opt == "adam":
            lr = trial.suggest_float("lr_adam", 1e-4, 1e-3, log=True)
        else:
            lr = trial.suggest_float("lr_sgd", 1e-2, 1e-1, log=True)
        return x**2 + abs(math.log10(lr) + 3)

    study = optuna.create_study(sampler=SkoptGPSampler(seed=0))
    study.optimize(objective, n_trials=20)
    assert len(study.get_trials(states=(TrialState.COMPLETE,))) == 20
    for trial in study.trials:
        p = trial.params
        assert ("lr_adam" in p) == (p["opt"] == "adam") != ("lr_sgd" in p)
        assert 1e-4 <= p.get("lr_adam", 1e-4) <= 1e-3 and 1e-2 <= p.get("lr_sgd", 1e-2) <= 1e-1
    space = study.sampler.infer_relative_search_space(study, study.trials[-1])
    assert set(space) == {"opt", "x"}  # conditional and single-value parameters left out


@pytest.mark.slow
def test_quality_matches_gp_minimize_and_beats_random_search() -> None:
    dims = [
        Integer(32, 256),
        Integer(1, 4),
        Real(0.1, 0.5),
        Real(1e-4, 1e-2, prior="log-uniform"),
        Categorical([16, 32, 64, 128]),
    ]
    ours, reference, random = [], [], []
    for seed in range(5):
        ours.append(run(SkoptGPSampler(seed=seed), 30).best_value)
        random.append(run(optuna.samplers.RandomSampler(seed=seed), 30).best_value)
        # One BLAS thread, as our sampler uses: same numbers, and far faster on a busy machine.
        with threadpool_limits(limits=1, user_api="blas"):
            result = skopt.gp_minimize(
                lambda x: seed_space_cost(*x), dims, n_calls=30, random_state=seed
            )
        reference.append(result.fun)
    # 0.1 is one neighbouring discrete choice (batch 64 for 32, or 1 or 3 layers for 2): the two
    # runs differ in their random initial points, so a seed can settle one category apart.
    # Random search's median best is about 0.23 here.
    assert statistics.median(ours) <= statistics.median(reference) + 0.1
    assert statistics.median(ours) < statistics.median(random)


def test_past_the_threshold_the_kernel_is_refitted_only_as_observations_grow(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import search.strategies.bayes as bayes

    monkeypatch.setattr(bayes, "KERNEL_RESTARTS_UNTIL", 12)
    sampler = SkoptGPSampler(seed=0)
    study = optuna.create_study(sampler=sampler)
    fitted_on = []
    for _ in range(30):
        study.optimize(seed_space_objective, n_trials=1)
        fitted_on.append(sampler._kernel_fit[1])
    # Every suggestion fits while there are few points (the first GP suggestion sees 10);
    # past 12 a fit is kept until the points have grown by 10 %.
    assert fitted_on[10:13] == [10, 11, 12]
    refits = sorted(set(fitted_on[13:]))
    assert all(b >= a * bayes.REFIT_GROWTH for a, b in itertools.pairwise(refits))
    assert len(refits) < len(fitted_on[13:])
    # Suggestions made with a kept kernel still improve on the random phase.
    values = [t.value for t in study.trials]
    assert min(values[10:]) < min(values[:10])


def width_cost(params: Any) -> float:
    """What a configuration of the seed space costs: as an LSTM's work, its width squared
    times its layers, plus a step's fixed cost shared by the batch."""
    return params["hidden_size"] ** 2 * params["num_layers"] * (1 + 64 / params["batch_size"])


def test_given_a_cost_the_gp_spends_less_on_its_guided_trials() -> None:
    spent = {}
    for cost in (None, width_cost):
        study = run(SkoptGPSampler(seed=0, cost=cost), 30)
        guided = study.trials[10:]  # after the random phase, which costs the same
        spent[cost] = sum(width_cost(trial.params) for trial in guided)
        assert study.best_value < 0.1  # and still finds the bowl's floor
    assert spent[width_cost] < 0.6 * spent[None], spent
