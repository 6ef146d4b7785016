"""Checks every piece of user text passes before it reaches the database."""
from __future__ import annotations

from .exceptions import InvalidInput


def plain(value, field: str) -> str:
    """NUL bytes are refused: PostgreSQL cannot store them and no honest client sends them."""
    if value is None:
        return ""
    if not isinstance(value, str):
        raise InvalidInput(f"The {field} must be text.")
    if "\x00" in value:
        raise InvalidInput(f"The {field} contains a NUL character, which is not allowed.")
    return value
