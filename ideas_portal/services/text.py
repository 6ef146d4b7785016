"""Checks every piece of user text passes before it reaches the database."""
from __future__ import annotations

import re

from .exceptions import InvalidInput

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_LINE_BREAKS = re.compile(r"[\t\n\r]")


def plain(value, field: str, *, multiline: bool = True) -> str:
    """Control characters are refused: PostgreSQL cannot store NUL and no honest client sends the rest."""
    if value is None:
        return ""
    if not isinstance(value, str):
        raise InvalidInput(f"The {field} must be text.")
    if _CONTROL.search(value) or (not multiline and _LINE_BREAKS.search(value)):
        raise InvalidInput(f"The {field} contains control characters, which are not allowed.")
    return value
