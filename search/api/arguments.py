"""A search's keyword arguments as SearchOptions: each checked by its option's own rule."""

from __future__ import annotations

import argparse
from collections.abc import Mapping
from typing import Any

from search.errors import ConfigError
from search.run import Option, SearchOptions, declared

DEFAULTS = SearchOptions()
"""The options' defaults, shown in the API's signatures (their one home is SearchOptions)."""


def search_options(values: Mapping[str, object]) -> SearchOptions:
    """The SearchOptions named by `values` (field names); the rest keep their defaults.

    An unknown name is refused naming the valid ones; a value is checked as the command line
    checks the option's text, with its message."""
    options = dict(declared())
    unknown = sorted(set(values) - set(options))
    if unknown:
        raise ConfigError(
            f"unknown option {', '.join(unknown)}; the options are {', '.join(options)}"
        )
    return SearchOptions(
        **{name: _checked(name, value, options[name]) for name, value in values.items()}
    )


def _checked(name: str, value: object, option: Option) -> Any:
    if value is None:
        return None
    if option.choices is not None and value not in option.choices:
        raise ConfigError(
            f"{name}={value!r} is not one of {', '.join(option.choices)}; pick one of them"
        )
    if option.type is None:
        return value
    # The option's text as the command line would get it, read by the option's own rule.
    text = ",".join(map(str, value)) if isinstance(value, list | tuple) else str(value)
    try:
        return option.type(text)
    except (argparse.ArgumentTypeError, ValueError) as error:
        raise ConfigError(f"{name}={value!r}: {error}; fix {name}") from error
