"""The project's exceptions: one root, a child per kind of problem.

Configuration and data errors stop the command with exit code 2; a TrialFailure fails one trial
and the search goes on.
"""


class LstmSearchError(Exception):
    """Root of every error lstm-search raises on purpose."""


class DataError(LstmSearchError):
    """The input series cannot be used as given (file, columns, values, length)."""


class ConfigError(LstmSearchError):
    """An option, a space or a stored study does not fit what was asked."""


class TrialFailure(LstmSearchError):
    """One trial could not produce a value (NaN loss, out of memory); the search goes on."""


class SearchAborted(LstmSearchError):
    """The search cannot go on: too many trials in a row failed, or the grid ran dry."""
