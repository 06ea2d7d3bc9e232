"""TOML -> Space: find the file (a preset or a user's path), read it, validate every table.

The presets are TOML files in `spaces/presets/`, read by this same loader, so the checks that
guard users' files guard the presets too.
"""

from __future__ import annotations

import difflib
import tomllib
from collections.abc import Mapping
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path

from optuna.distributions import CategoricalDistribution

from spaces.distribution import Where, parse_distribution
from spaces.errors import SpaceError
from spaces.space import Param, Space

# The registry of presets: each name is `presets/<name>.toml`; the CLI's choices come from here.
PRESETS: tuple[str, ...] = ("seed", "full", "small")

_USE = f"use a preset ({', '.join(PRESETS)}) or a path to a .toml file"


def load_space(name_or_path: str | Path, known: Mapping[str, type]) -> Space:
    """Load a preset by name, or a space from a .toml file.

    `known` maps each hyperparameter a space may set to the type of its values; other names are
    refused. A preset's Space is named after the preset; a file's after its path as given.
    """
    if isinstance(name_or_path, str) and name_or_path in PRESETS:
        file = resources.files("spaces") / "presets" / f"{name_or_path}.toml"
        return parse_space(_read_toml(file, f"preset {name_or_path}.toml"), name_or_path, known)
    path = Path(name_or_path)
    if isinstance(name_or_path, str) and _looks_like_a_name(path):
        close = difflib.get_close_matches(name_or_path, PRESETS, n=1)
        hint = f"did you mean {close[0]!r}? Otherwise " if close else ""
        raise SpaceError(f"unknown space preset {name_or_path!r}; {hint}{_USE}")
    if not path.is_file():
        raise SpaceError(f"no such space file {str(path)!r}; {_USE}")
    return parse_space(_read_toml(path, str(path)), str(path), known)


def parse_space(
    doc: Mapping[str, object], name: str, known: Mapping[str, type], source: str | None = None
) -> Space:
    """Build a Space from a parsed TOML document ({parameter: table}), refusing bad tables.

    `known` maps each hyperparameter a space may set to the type of its values.
    """
    source = source or name
    if not doc:
        raise SpaceError(
            f"{source}: the space is empty; declare at least one parameter, e.g. "
            "[hidden_size] with `low` and `high`"
        )
    tables = {key: _table(key, value, source, known) for key, value in doc.items()}
    plain: dict[str, Param] = {}
    for key, table in tables.items():
        if "by" not in table:
            dist, grid = parse_distribution(table, known[key], Where(key, source))
            plain[key] = Param(key, key, dist, grid)
    children = {
        key: _parse_conditional(key, table, plain, tables, known, Where(key, source))
        for key, table in tables.items()
        if "by" in table
    }
    return Space(name, _parents_first(tables, plain, children))


def _read_toml(file: Path | Traversable, shown: str) -> dict[str, object]:
    """Parse a TOML file, turning read and syntax errors into one-line SpaceErrors."""
    try:
        with file.open("rb") as handle:
            return tomllib.load(handle)
    except tomllib.TOMLDecodeError as exc:
        raise SpaceError(f"{shown}: invalid TOML: {exc}; fix the syntax there") from exc
    except UnicodeDecodeError as exc:
        raise SpaceError(
            f"{shown}: expected UTF-8 text, but got {exc.reason}; save as UTF-8"
        ) from exc
    except OSError as exc:
        raise SpaceError(f"cannot read space file {shown!r}: {exc.strerror}; {_USE}") from exc


def _looks_like_a_name(path: Path) -> bool:
    """A bare word such as `sed` is a mistyped preset; `x.toml` or `dir/x` is a path."""
    return path.suffix != ".toml" and len(path.parts) == 1 and not path.exists()


def _table(key: str, value: object, source: str, known: Mapping[str, type]) -> Mapping[str, object]:
    """A known hyperparameter with a table as its value."""
    if key not in known:
        close = difflib.get_close_matches(key, known, n=1)
        hint = f"did you mean {close[0]!r}?" if close else "rename or remove it"
        raise SpaceError(
            f"{key}: expected a known hyperparameter ({', '.join(known)}), but got "
            f"an unknown name in {source}; {hint}"
        )
    if not isinstance(value, dict):
        raise SpaceError(
            f"{key}: expected a table ([{key}] with `low`/`high` or `choices`), but got "
            f"{value!r} in {source}; write `[{key}]` and its keys on the lines below"
        )
    return value


def _parse_conditional(
    key: str,
    table: Mapping[str, object],
    plain: Mapping[str, Param],
    tables: Mapping[str, Mapping[str, object]],
    known: Mapping[str, type],
    where: Where,
) -> list[Param]:
    """The `by` form: one sub-table per choice of the parent, one Optuna name per choice."""
    parent = _parent(table["by"], key, plain, tables, known, where)
    assert isinstance(parent.distribution, CategoricalDistribution)  # _parent refuses others
    choices = {str(choice): choice for choice in parent.distribution.choices}
    subtables = {name: sub for name, sub in table.items() if name != "by"}
    missing = [name for name in choices if name not in subtables]
    extra = [name for name in subtables if name not in choices]
    if missing or extra:
        got = "; ".join(
            f"{label} {', '.join(names)}"
            for label, names in (("missing", missing), ("extra", extra))
            if names
        )
        raise where.error(
            f"sub-tables must match the choices of {parent.key} ({', '.join(choices)})",
            got,
            "give one sub-table per choice and no others",
        )
    params = []
    for label, choice in choices.items():
        sub_where = Where(f"{key}.{label}", where.source)
        sub = subtables[label]
        if not isinstance(sub, dict):
            raise sub_where.error(
                "expected a table such as { low = ..., high = ... }", repr(sub), "write one"
            )
        dist, grid = parse_distribution(sub, known[key], sub_where)
        params.append(Param(key, f"{key}_{label}", dist, grid, (parent.name, choice)))
    return params


def _parent(
    by: object,
    key: str,
    plain: Mapping[str, Param],
    tables: Mapping[str, Mapping[str, object]],
    known: Mapping[str, type],
    where: Where,
) -> Param:
    """The parameter `by` names: declared, unconditional, categorical, not the param itself."""
    if not isinstance(by, str):
        raise where.error("`by` must be a parameter name", repr(by), 'write `by = "optimizer"`')
    if by == key:
        raise where.error("`by` must name another parameter", repr(by), "name a parameter")
    if by not in plain:
        if by in tables:
            rule, fix = "`by` must name an unconditional parameter", f"remove `by` from [{by}]"
        else:
            rule = f"`by` must name a declared parameter ({', '.join(plain) or 'none declared'})"
            fix = f"declare [{by}] with `choices`" if by in known else "fix the name"
        raise where.error(rule, repr(by), fix)
    parent = plain[by]
    if not isinstance(parent.distribution, CategoricalDistribution):
        raise where.error(
            "`by` must name a parameter with `choices`",
            f"{by!r}, a range",
            f"give [{by}] `choices`, or choose another parent",
        )
    return parent


def _parents_first(
    tables: Mapping[str, object], plain: Mapping[str, Param], children: Mapping[str, list[Param]]
) -> tuple[Param, ...]:
    """File order, except that conditional params wait until their parent is placed."""
    ordered: list[Param] = []
    waiting: dict[str, list[Param]] = {}
    for key in tables:
        if key in plain:
            ordered.append(plain[key])
            ordered.extend(waiting.pop(key, []))
            continue
        condition = children[key][0].condition
        assert condition is not None  # children are the conditional params
        parent = condition[0]
        if any(param.name == parent for param in ordered):
            ordered.extend(children[key])
        else:
            waiting.setdefault(parent, []).extend(children[key])
    return tuple(ordered)
