"""Gaussian-process Bayesian optimisation with scikit-optimize, as an Optuna sampler.

The sampler keeps no history: each suggestion builds a fresh `skopt.Optimizer` configured as
`gp_minimize` configures it and tells it every finished trial in the storage at once, so a
resumed study or several workers sharing one study warm-start for free. All use of skopt (barely
maintained) stays in this module.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np
import optuna
from optuna.distributions import (
    BaseDistribution,
    CategoricalDistribution,
    FloatDistribution,
    IntDistribution,
)
from optuna.samplers import BaseSampler
from optuna.search_space import intersection_search_space
from optuna.study import StudyDirection
from optuna.trial import FrozenTrial, TrialState
from sklearn.gaussian_process.kernels import Kernel
from skopt import Optimizer
from skopt.learning.gaussian_process.kernels import WhiteKernel
from skopt.space import Categorical, Dimension, Integer, Real
from skopt.utils import cook_estimator
from threadpoolctl import threadpool_limits

from search.seeding import derived_seed
from search.store import FINISHED, cached_trials, contains, refuse_multi_objective
from search.strategies.random import TrialSeededRandomSampler

_INT32_MAX = int(np.iinfo(np.int32).max)


# gp_minimize scores 10,000 random points and runs L-BFGS from the best 5. Measured on an earlier
# version (benchmarks/suggestion_time.py times the current one), one BLAS thread, 5 dimensions: that
# took 0.56 s per suggestion at 50 trials and 4.1 s at 200; 1,000 points and 2 restarts take 0.31 s
# and 1.26 s (the GP fit itself is about 1.1 s at 200). The acquisition is smooth over a handful of
# dimensions, so 1,000 points find its basin.
ACQUISITION_POINTS = 1000
ACQUISITION_RESTARTS = 2
# Fitting the GP's kernel restarts L-BFGS twice from random length scales (cook_estimator's
# default): 1.9 s of a 2.2 s suggestion at 200 trials, 0.85 s from one start (earlier version). With
# many points the likelihood has one clear basin and moves little from one point to the next, so
# past KERNEL_RESTARTS_UNTIL observations the kernel is fitted from one start, and only when the
# observations grew by REFIT_GROWTH since the last fit; in between, that fitted kernel is kept.
KERNEL_RESTARTS_UNTIL = 100
REFIT_GROWTH = 1.1


class SkoptGPSampler(BaseSampler):
    """GP-based suggestions with gp_minimize's defaults; random ones for the first trials.

    While fewer than `n_initial_points` trials are finished (complete + pruned) every parameter
    is drawn at random; after that the parameters of the intersection search space come from a
    GP fitted on all finished trials, other workers' running trials told as the best value so
    far (constant liar). Conditional parameters are always drawn at random.

    Given `cost`, what training a trial's parameters costs, the next point maximises expected
    improvement per unit of cost (skopt's EIps: a second GP models the log of the cost) instead
    of gp_hedge's choice among EI, LCB and PI, so that the search spends its time where it pays.
    """

    def __init__(
        self,
        seed: int = 0,
        n_initial_points: int = 10,
        cost: Callable[[Mapping[str, Any]], float] | None = None,
    ) -> None:
        if seed < 0:
            raise ValueError(f"`seed >= 0` must hold, but got seed={seed}")
        if n_initial_points < 0:
            raise ValueError(
                f"`n_initial_points >= 0` must hold, but got n_initial_points={n_initial_points}"
            )
        self._seed = seed
        self._random = TrialSeededRandomSampler(seed)
        self._n_initial_points = n_initial_points
        self._cost = cost
        # The last fitted kernel, for the search space and number of observations it was fitted on.
        self._kernel: Kernel | None = None
        self._kernel_fit: tuple[dict[str, BaseDistribution], int] = ({}, 0)

    def infer_relative_search_space(
        self, study: optuna.Study, trial: FrozenTrial
    ) -> dict[str, BaseDistribution]:
        trials = cached_trials(study, FINISHED)
        space = intersection_search_space(trials, include_pruned=True)
        return {name: dist for name, dist in space.items() if not dist.single()}

    def sample_relative(
        self, study: optuna.Study, trial: FrozenTrial, search_space: dict[str, BaseDistribution]
    ) -> dict[str, Any]:
        refuse_multi_objective(self, study)
        if not search_space:
            return {}
        trials = cached_trials(study, (*FINISHED, TrialState.RUNNING))
        # Counted from the storage, so a resumed study never replays its random phase.
        if sum(t.state in FINISHED for t in trials) < self._n_initial_points:
            return {}
        others = [t for t in trials if t.number != trial.number]
        xs, ys, told = _observed(others, search_space, study.direction)
        if not xs:
            return {}
        ys_told = ys if self._cost is None else _with_costs(ys, told, self._cost)
        kernel = self._kept_kernel(search_space, len(xs))
        optimizer = self._optimizer(list(search_space.values()), trial.number, len(xs), kernel)
        # One BLAS thread: the matrices are tiny, and with more threads than free cores (other
        # workers training) OpenBLAS spins and a suggestion took six times as long.
        with warnings.catch_warnings(), threadpool_limits(limits=1, user_api="blas"):
            # skopt replaces a repeated point by a random one and says so; that is expected here.
            warnings.filterwarnings("ignore", message="The objective has been evaluated at point")
            optimizer.tell(xs, ys_told)  # one call: the GP is fitted once
            point = optimizer.ask()
        if kernel is None and self._cost is None:
            self._keep_kernel(optimizer.models[-1], search_space, len(xs))
        return {
            name: _decode(dist, value)
            for (name, dist), value in zip(search_space.items(), point, strict=True)
        }

    def sample_independent(
        self,
        study: optuna.Study,
        trial: FrozenTrial,
        param_name: str,
        param_distribution: BaseDistribution,
    ) -> Any:
        return self._random.sample_independent(study, trial, param_name, param_distribution)

    def _kept_kernel(
        self, search_space: dict[str, BaseDistribution], n_observations: int
    ) -> Kernel | None:
        """The kernel fitted before, if it may serve `n_observations` in this space."""
        space, fitted_on = self._kernel_fit
        if (
            self._kernel is not None
            and space == search_space
            and KERNEL_RESTARTS_UNTIL < n_observations < fitted_on * REFIT_GROWTH
        ):
            return self._kernel
        return None

    def _keep_kernel(
        self, model: Any, search_space: dict[str, BaseDistribution], n_observations: int
    ) -> None:
        # skopt zeroes the fitted white-noise term for prediction and keeps its level in noise_;
        # it goes back into the kernel so that a fit with this kernel sees the same noise.
        # skopt's own WhiteKernel: its kernels take any other summand for a constant.
        self._kernel = model.kernel_.k1 + WhiteKernel(noise_level=model.noise_)
        self._kernel_fit = (dict(search_space), n_observations)

    def _optimizer(
        self,
        distributions: list[BaseDistribution],
        number: int,
        n_observations: int,
        kernel: Kernel | None = None,
    ) -> Optimizer:
        """An Optimizer set up as `gp_minimize` sets it up, seeded by (seed, trial number).

        With a `kernel`, the GP keeps its hyperparameters instead of fitting them.
        """
        rng = np.random.RandomState(derived_seed(self._seed, number))
        dims = [_dimension(dist) for dist in distributions]
        estimator = cook_estimator(
            "GP", space=dims, random_state=rng.randint(0, _INT32_MAX), noise="gaussian"
        )
        if kernel is not None:
            estimator.set_params(kernel=kernel, optimizer=None)
        elif n_observations > KERNEL_RESTARTS_UNTIL:
            estimator.set_params(n_restarts_optimizer=0)
        # n_initial_points=0: the told points are the initial points, so tell() fits at once.
        # gp_hedge starts from equal gains each time (there is no history to carry them over),
        # so it picks EI, LCB or PI with equal odds where gp_minimize learns which one pays.
        # "auto" is what gp_minimize passes: lbfgs, or sampling when every dimension is
        # categorical (the Hamming-kernel GP has no gradients).
        return Optimizer(
            dims,
            estimator,
            n_initial_points=0,
            acq_func="gp_hedge" if self._cost is None else "EIps",
            acq_optimizer="auto",
            random_state=rng,
            acq_func_kwargs={"xi": 0.01, "kappa": 1.96},
            acq_optimizer_kwargs={
                "n_points": ACQUISITION_POINTS,
                "n_restarts_optimizer": ACQUISITION_RESTARTS,
                "n_jobs": 1,
            },
        )


def _with_costs(
    ys: list[float], told: list[FrozenTrial], cost: Callable[[Mapping[str, Any]], float]
) -> list[list[float]]:
    """Each value with its trial's cost, as EIps takes them (it models the log of the cost).

    skopt takes the best value so far as the minimum over values and log costs together (the
    np.min of its two-column observations), so every cost is scaled by one factor that lifts
    its log above every value; a factor common to all costs leaves the best point per cost as it
    is.
    """
    costs = [cost(trial.params) for trial in told]
    lift = math.exp(max(0.0, max(ys) - min(math.log(c) for c in costs)) + 1.0)
    return [[y, c * lift] for y, c in zip(ys, costs, strict=True)]


def observations(
    trials: Sequence[FrozenTrial],
    search_space: dict[str, BaseDistribution],
    direction: StudyDirection = StudyDirection.MINIMIZE,
) -> tuple[list[list[int | float]], list[float]]:
    """The points and values (to minimise) the sampler tells skopt, in skopt's encoding.

    A complete trial gives its value, a pruned one its last intermediate value, a running one
    the best of those (constant liar). Trials lacking a parameter, holding a value outside
    `search_space`, or without a finite value are left out.
    """
    xs, ys, _ = _observed(trials, search_space, direction)
    return xs, ys


def _observed(
    trials: Sequence[FrozenTrial],
    search_space: dict[str, BaseDistribution],
    direction: StudyDirection,
) -> tuple[list[list[int | float]], list[float], list[FrozenTrial]]:
    """`observations`, with the trial each point comes from."""
    sign = -1.0 if direction == StudyDirection.MAXIMIZE else 1.0
    finished: list[tuple[list[int | float], float, FrozenTrial]] = []
    running: list[tuple[list[int | float], FrozenTrial]] = []
    for trial in trials:
        x = _encode_point(trial.params, search_space)
        if x is None:
            continue
        if trial.state == TrialState.RUNNING:
            running.append((x, trial))
            continue
        y = _observed_value(trial)
        if y is not None:
            finished.append((x, sign * y, trial))
    if not finished:
        return [], [], []
    lie = min(y for _, y, _ in finished)
    told = finished + [(x, lie, trial) for x, trial in running]
    return [x for x, _, _ in told], [y for _, y, _ in told], [trial for _, _, trial in told]


def _observed_value(trial: FrozenTrial) -> float | None:
    if trial.state == TrialState.COMPLETE:
        value = trial.value
    elif trial.state == TrialState.PRUNED and trial.intermediate_values:
        value = trial.intermediate_values[max(trial.intermediate_values)]
    else:
        return None
    return float(value) if value is not None and math.isfinite(value) else None


def _steps(dist: BaseDistribution) -> tuple[float, float] | None:
    """(low, step) of a grid coarser than its type's own (int step > 1, any float step), which
    skopt searches as a step index; None for any other distribution."""
    if isinstance(dist, IntDistribution) and dist.step != 1:
        return dist.low, dist.step
    if isinstance(dist, FloatDistribution) and dist.step is not None:
        return dist.low, dist.step
    return None


def _dimension(dist: BaseDistribution) -> Dimension:
    """The skopt dimension for an Optuna distribution; a stepped range becomes a step index."""
    if isinstance(dist, CategoricalDistribution):
        # Indices, not the choices: skopt maps categories through a dict, where 1 == 1.0 == True.
        return Categorical(list(range(len(dist.choices))))
    if not isinstance(dist, IntDistribution | FloatDistribution):
        raise ValueError(f"SkoptGPSampler cannot handle {type(dist).__name__}")
    steps = _steps(dist)
    if steps is not None:
        return Integer(0, round((dist.high - steps[0]) / steps[1]))
    prior = "log-uniform" if dist.log else "uniform"
    if isinstance(dist, IntDistribution):
        return Integer(dist.low, dist.high, prior=prior)
    return Real(dist.low, dist.high, prior=prior)


def _encode_point(
    params: dict[str, Any], search_space: dict[str, BaseDistribution]
) -> list[int | float] | None:
    point = []
    for name, dist in search_space.items():
        value = _encode(dist, params[name]) if name in params else None
        if value is None:
            return None
        point.append(value)
    return point


def _encode(dist: BaseDistribution, value: Any) -> int | float | None:
    """A parameter value in skopt's encoding, or None if it lies outside `dist`."""
    try:
        internal = dist.to_internal_repr(value)  # a categorical gives its index
    except ValueError:
        return None
    if not contains(dist, internal):
        return None
    steps = _steps(dist)
    if steps is not None:
        return round((internal - steps[0]) / steps[1])
    return float(internal) if isinstance(dist, FloatDistribution) else int(internal)


def _decode(dist: BaseDistribution, value: Any) -> Any:
    """skopt's numpy output back to the plain Python value Optuna expects."""
    if isinstance(dist, CategoricalDistribution):
        return dist.choices[int(value)]
    steps = _steps(dist)
    if steps is not None:
        value = steps[0] + int(value) * steps[1]
        return min(value, dist.high) if isinstance(dist, FloatDistribution) else value
    return int(value) if isinstance(dist, IntDistribution) else float(value)
