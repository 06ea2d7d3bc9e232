"""One parameter's TOML table -> an Optuna distribution and its grid values, validated.

Two forms: a range (`low`, `high`, optional `log` and, for ints, `step`) gives an Int or Float
distribution; `choices` gives a Categorical one. Either may carry `grid`.
"""

from __future__ import annotations

import difflib
import math
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass

from optuna.distributions import (
    BaseDistribution,
    CategoricalDistribution,
    FloatDistribution,
    IntDistribution,
)

from spaces.errors import SpaceError

RANGE_KEYS = ("low", "high", "log", "step", "grid")
CHOICE_KEYS = ("choices", "grid")

Scalar = int | float | str
"""A value of a parameter as TOML writes it."""
Grid = tuple[Scalar, ...] | None

_TYPE_WORDS = {
    int: ("an int", "ints"),
    float: ("a number", "numbers"),
    str: ("a string", "strings"),
}
_EXAMPLES = {int: "32", float: "0.1", str: '"adam"'}


@dataclass(frozen=True)
class Where:
    """The parameter being read and the file it is in, for error messages."""

    param: str
    source: str

    def error(self, rule: str, got: str, fix: str) -> SpaceError:
        """A one-line error: the rule, what was received, and the fix (Optuna's style)."""
        return SpaceError(f"{self.param}: {rule}, but got {got} in {self.source}; {fix}")


def parse_distribution(
    table: Mapping[str, object], kind: type, where: Where
) -> tuple[BaseDistribution, Grid]:
    """Validate one parameter's table and build its distribution and grid values."""
    _check_form(table, kind, where)
    if "choices" in table:
        return _parse_choices(table, kind, where)
    return _parse_range(table, kind, where)


def _check_form(table: Mapping[str, object], kind: type, where: Where) -> None:
    """Exactly one form, and no keys outside it (a typo such as `hgih` is not ignored)."""
    has_range = "low" in table or "high" in table
    has_choices = "choices" in table
    if has_range and has_choices:
        raise where.error(
            "expected either `low`/`high` or `choices`", "both", "keep one of the two forms"
        )
    if kind is str and has_range:
        raise where.error(
            "a str parameter takes `choices` only", "`low`/`high`", 'write `choices = ["a", "b"]`'
        )
    allowed = CHOICE_KEYS if has_choices or kind is str else RANGE_KEYS
    for key in table:
        if key not in allowed:
            close = difflib.get_close_matches(key, allowed, n=1)
            hint = f"did you mean `{close[0]}`?" if close else f"use {_listing(allowed)}"
            raise where.error(f"expected keys among {_listing(allowed)}", f"`{key}`", hint)
    if not has_range and not has_choices:
        raise where.error(
            "expected `low` and `high`, or `choices`",
            "neither",
            "add `low = ...` and `high = ...`, or `choices = [...]`",
        )


def _parse_range(
    table: Mapping[str, object], kind: type, where: Where
) -> tuple[BaseDistribution, Grid]:
    """The range form: checked bounds, then an Int or Float distribution."""
    for bound in ("low", "high"):
        if bound not in table:
            raise where.error(
                "`low` and `high` are both required", f"no `{bound}`", f"add `{bound}`"
            )
    low = _bound(table["low"], kind, "low", where)
    high = _bound(table["high"], kind, "high", where)
    log = table.get("log", False)
    if not isinstance(log, bool):
        raise where.error("`log` must be true or false", repr(log), "write `log = true`")
    step = _parse_step(table, kind, log, where)
    if low > high:
        raise where.error("`low <= high` must hold", f"(low={low}, high={high})", "swap them")
    if low == high:
        raise where.error(
            "`low < high` must hold",
            f"(low={low}, high={high})",
            f"use a single-choice `choices = [{low}]` to fix a value",
        )
    if log and low <= 0:
        raise where.error(
            "`low > 0` must hold when `log = true`", f"low={low}", "raise `low` or drop `log`"
        )
    if step is not None and (high - low) % step:
        fitted = low + (high - low) // step * step
        raise where.error(
            "`high - low` must be a multiple of `step`",
            f"(low={low}, high={high}, step={step})",
            f"set `high = {fitted}`",
        )

    def inside(value: Scalar) -> bool:
        if isinstance(value, str):
            return False
        on_step = step is None or (value - low) % step == 0
        return low <= value <= high and on_step

    on = f"inside [{low}, {high}]" + (f" on steps of {step} from {low}" if step else "")
    grid = _parse_grid(table, kind, where, inside, on, "remove them or widen the range")
    if kind is int:
        return IntDistribution(int(low), int(high), log=log, step=step or 1), grid
    return FloatDistribution(low, high, log=log), grid


def _parse_step(table: Mapping[str, object], kind: type, log: bool, where: Where) -> int | None:
    """`step` is for ints only, a positive int, and not with `log` (Optuna refuses both)."""
    if "step" not in table:
        return None
    step = table["step"]
    if kind is not int:
        raise where.error(
            "`step` is only for int parameters",
            f"step={step!r}",
            "remove it, or list `grid` values",
        )
    if isinstance(step, bool) or not isinstance(step, int) or step < 1:
        raise where.error(
            "`step` must be a positive int", f"step={step!r}", "write e.g. `step = 8`"
        )
    if log and step != 1:
        raise where.error(
            "`step` and `log = true` cannot be combined", f"step={step}", "drop one of them"
        )
    return step


def _parse_choices(
    table: Mapping[str, object], kind: type, where: Where
) -> tuple[BaseDistribution, Grid]:
    """The choices form: a non-empty list of distinct values; all of them are the default grid."""
    raw = table["choices"]
    if not isinstance(raw, list) or not raw:
        raise where.error(
            "`choices` must be a non-empty list", repr(raw), "list at least one value"
        )
    choices = [_scalar(value, kind, "choices", where) for value in raw]
    _check_distinct(choices, "choices", where)
    grid = _parse_grid(
        table,
        kind,
        where,
        lambda value: value in choices,
        f"among the choices {_listing(choices)}",
        "remove them or add them to `choices`",
    )
    return CategoricalDistribution(choices), grid if grid is not None else tuple(choices)


def _parse_grid(
    table: Mapping[str, object],
    kind: type,
    where: Where,
    allowed: Callable[[Scalar], bool],
    expected: str,
    fix: str,
) -> Grid:
    """The optional `grid`: a non-empty list of distinct, allowed values of the right type."""
    if "grid" not in table:
        return None
    raw = table["grid"]
    if not isinstance(raw, list) or not raw:
        raise where.error(
            "`grid` must be a non-empty list", repr(raw), "list values, or remove `grid`"
        )
    values = [_scalar(value, kind, "grid", where) for value in raw]
    outside = [value for value in values if not allowed(value)]
    if outside:
        raise where.error(f"`grid` values must be {expected}", _listing(outside), fix)
    _check_distinct(values, "grid", where)
    return tuple(values)


def _bound(value: object, kind: type, field: str, where: Where) -> int | float:
    """A range bound: `_check_form` allows ranges for int and float parameters only."""
    checked = _scalar(value, kind, field, where)
    assert not isinstance(checked, str)
    return checked


def _scalar(value: object, kind: type, field: str, where: Where) -> Scalar:
    """Check one TOML value against the parameter's type; ints are accepted for floats."""
    # TOML booleans are Python ints; a `true` where a number belongs is a mistake, not 1.
    if kind is int and isinstance(value, int) and not isinstance(value, bool):
        return value
    if kind is float and isinstance(value, int | float) and not isinstance(value, bool):
        if not math.isfinite(value):
            raise where.error(f"`{field}` must hold finite numbers", repr(value), "use a number")
        return float(value)
    if kind is str and isinstance(value, str):
        return value
    one, many = _TYPE_WORDS[kind]
    rule = f"`{field}` values must be {many}" if field in ("grid", "choices") else None
    raise where.error(
        rule or f"`{field}` must be {one}",
        f"{value!r} ({type(value).__name__})",
        f"write {'values' if rule else 'it'} like {_EXAMPLES[kind]}",
    )


def _check_distinct(values: list[Scalar], field: str, where: Where) -> None:
    repeats = [value for i, value in enumerate(values) if value in values[:i]]
    if repeats:
        raise where.error(
            f"`{field}` values must be distinct", f"repeats {_listing(repeats)}", "remove them"
        )


def _listing(values: Iterable[object]) -> str:
    """`(a, b, c)`, short and readable in a one-line message."""
    return "(" + ", ".join(str(value) for value in values) + ")"
