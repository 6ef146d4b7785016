"""The one way the API reads a JSON body: nothing in it can crash a view or reach the database unchecked."""

from __future__ import annotations

import json
import math

from ..services.exceptions import InvalidInput
from ..services.text import has_lone_surrogate

MAX_DEPTH = 32
MAX_INT_DIGITS = 20  # beyond 64 bits no field means anything, and int() of a long digit string is quadratic


def _refuse_constant(name: str):
    raise InvalidInput(f"{name} is not a number JSON allows; send a finite number.")


def _parse_int(text: str) -> int:
    if len(text.lstrip("-")) > MAX_INT_DIGITS:
        raise InvalidInput("A number in the body is too large.")
    return int(text)


def _parse_float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise InvalidInput("A number in the body is too large.")
    return value


def _check(document) -> None:
    """Depth and code points, walked without recursion so the check itself cannot overflow."""
    stack = [(document, 1)]
    while stack:
        value, depth = stack.pop()
        if isinstance(value, (dict, list)):
            if depth > MAX_DEPTH:
                raise InvalidInput(f"The JSON body is nested too deeply (at most {MAX_DEPTH} levels).")
            items = value.items() if isinstance(value, dict) else ((None, v) for v in value)
            for key, item in items:
                if key is not None and has_lone_surrogate(key):
                    raise InvalidInput("A key in the JSON body contains a lone surrogate (\\ud800–\\udfff).")
                stack.append((item, depth + 1))
        elif isinstance(value, str) and has_lone_surrogate(value):
            raise InvalidInput("A string in the JSON body contains a lone surrogate (\\ud800–\\udfff).")


def parse(raw: bytes):
    """A JSON document, or InvalidInput (400) saying what is wrong with it."""
    try:
        text = raw.decode(json.detect_encoding(raw))
    except (UnicodeDecodeError, LookupError):
        raise InvalidInput("The body is not valid UTF-8 text.") from None
    try:
        document = json.loads(text, parse_constant=_refuse_constant, parse_int=_parse_int, parse_float=_parse_float)
    except RecursionError:
        raise InvalidInput(f"The JSON body is nested too deeply (at most {MAX_DEPTH} levels).") from None
    except ValueError as exc:
        raise InvalidInput(f"The body is not valid JSON: {exc}.") from None
    _check(document)
    return document
