"""Opaque keyset cursors: (sort value, id) of the last row seen; never OFFSET."""
from __future__ import annotations

import base64
import json
from dataclasses import dataclass
from datetime import datetime

from .exceptions import InvalidInput
from .text import whole_number

MAX_LIMIT = 100
MAX_CURSOR = 200


@dataclass
class Page:
    items: list
    next_cursor: str | None


def encode(value, row_id: int) -> str:
    if isinstance(value, datetime):
        value = value.isoformat()
    raw = json.dumps([value, row_id], separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode(cursor: str, *, as_datetime: bool = False):
    try:
        if len(cursor) > MAX_CURSOR:
            raise ValueError  # ours are short; a long one could nest deep enough to exhaust the parser's stack
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        value, row_id = json.loads(raw)
        if not isinstance(row_id, int) or isinstance(row_id, bool) or not 0 <= row_id <= 2**31:
            raise ValueError
        if as_datetime:
            value = datetime.fromisoformat(value)
        elif not isinstance(value, (int, float)) or isinstance(value, bool) or not abs(value) < 2**53:
            raise ValueError  # also refuses NaN and infinities
        return value, row_id
    except (ValueError, TypeError, RecursionError):
        raise InvalidInput("The cursor is not valid; start again from the first page.") from None


def parse_limit(raw, default: int = 20) -> int:
    if raw is None:
        return default
    limit = whole_number(raw)
    if limit is None:
        raise InvalidInput("limit must be a whole number in digits 0-9.")
    if not 1 <= limit <= MAX_LIMIT:
        raise InvalidInput(f"limit must be between 1 and {MAX_LIMIT}.")
    return limit
