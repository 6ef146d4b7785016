"""Checks every piece of user text passes before it reaches the database."""

from __future__ import annotations

import re

from .exceptions import InvalidInput

# C0 and C1 controls (tab and line breaks aside) and lone UTF-16 surrogates, which no encoder can write out.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
_SURROGATE = re.compile(r"[\ud800-\udfff]")
_LINE_BREAKS = re.compile(r"[\t\n\r]")
_ASCII_NUMBER = re.compile(r"-?(?:0|[1-9][0-9]{0,17})")  # canonical: no "01", at most 18 digits


def has_lone_surrogate(value: str) -> bool:
    return not value.isascii() and _SURROGATE.search(value) is not None


def plain(value, field: str, *, multiline: bool = True) -> str:
    """Control characters are refused: PostgreSQL cannot store NUL and no honest client sends the rest."""
    if value is None:
        return ""
    if not isinstance(value, str):
        raise InvalidInput(f"The {field} must be text.")
    if has_lone_surrogate(value):
        raise InvalidInput(f"The {field} contains a lone surrogate code point, which is not text.")
    if _CONTROL.search(value) or (not multiline and _LINE_BREAKS.search(value)):
        raise InvalidInput(f"The {field} contains control characters, which are not allowed.")
    return value


def whole_number(raw) -> int | None:
    """ASCII digits with an optional minus, nothing else: int() would also take '١', '２', ' 1', '+1' and '1_0'."""
    if not isinstance(raw, str) or not _ASCII_NUMBER.fullmatch(raw):
        return None
    return int(raw)


def printable(value: str) -> str:
    """For echoing what a visitor typed back into a page (the search box): control characters dropped."""
    return _CONTROL.sub("", value)
