"""Text from users, storages and libraries as it may reach a terminal or a log."""

from __future__ import annotations


def printable(text: str) -> str:
    """User text with control characters escaped, never interpreted by the terminal."""
    return "".join(c if c.isprintable() else c.encode("unicode_escape").decode() for c in text)
