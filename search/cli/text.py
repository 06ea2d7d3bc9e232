"""Text from users and storages as it may reach a terminal."""

from __future__ import annotations


def printable(text: str) -> str:
    """User text with control characters escaped, never interpreted by the terminal."""
    return "".join(c if c.isprintable() else c.encode("unicode_escape").decode() for c in text)
