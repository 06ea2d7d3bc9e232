"""The one error a search space raises."""


class SpaceError(ValueError):
    """A search space (preset, TOML file or trial parameters) that cannot be used.

    The message is one line that names the parameter, what was expected, what was received and
    the fix. It subclasses ValueError so that callers outside the project can catch it without
    importing us; the `search` package wraps it into its own error root at its boundary.
    """
