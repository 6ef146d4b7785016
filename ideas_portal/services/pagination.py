"""Opaque keyset cursors: (sort value, id) of the last row seen; never OFFSET."""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import tuple_

from ..extensions import db
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


def keyset(
    stmt,
    id_column,
    *,
    cursor: str | None,
    limit: int,
    sort_column=None,
    descending: bool = True,
    id_descending: bool | None = None,
    as_datetime: bool = False,
    having: bool = False,
    scalars: bool = True,
    cursor_of=None,
) -> Page:
    """The one keyset query: rows after the cursor in (sort, id) order, limit + 1 to learn if more follow.

    Without sort_column the id alone orders and the cursor is (id, id). Same directions compare as a row
    value, (sort, id) < (:v, :id), which a (sort, id) index serves; mixed directions use the OR form.
    having=True puts the condition in HAVING (sort keys that are aggregates); scalars=False returns Rows.
    cursor_of(last_row) -> (value, id) overrides reading the columns' keys from the last row.
    """
    id_desc = descending if id_descending is None else id_descending
    if cursor:
        value, last_id = decode(cursor, as_datetime=as_datetime)
        after = _after(sort_column, id_column, value, last_id, descending, id_desc)
        stmt = stmt.having(after) if having else stmt.where(after)
    order = [id_column.desc() if id_desc else id_column]
    if sort_column is not None:
        order.insert(0, sort_column.desc() if descending else sort_column)
    stmt = stmt.order_by(*order).limit(limit + 1)
    rows = list(db.session.scalars(stmt).unique()) if scalars else list(db.session.execute(stmt).all())
    if len(rows) <= limit:
        return Page(rows, None)
    rows = rows[:limit]
    last = rows[-1]
    if cursor_of is not None:
        return Page(rows, encode(*cursor_of(last)))
    last_id = getattr(last, id_column.key)
    return Page(rows, encode(last_id if sort_column is None else getattr(last, sort_column.key), last_id))


def _after(sort_column, id_column, value, last_id, descending: bool, id_desc: bool):
    def beyond(column, bound, desc):
        return column < bound if desc else column > bound

    if sort_column is None:
        return beyond(id_column, last_id, id_desc)
    if descending == id_desc:
        return beyond(tuple_(sort_column, id_column), tuple_(value, last_id), descending)
    return beyond(sort_column, value, descending) | ((sort_column == value) & beyond(id_column, last_id, id_desc))


def parse_limit(raw, default: int = 20) -> int:
    if raw is None:
        return default
    limit = whole_number(raw)
    if limit is None:
        raise InvalidInput("limit must be a whole number in digits 0-9.")
    if not 1 <= limit <= MAX_LIMIT:
        raise InvalidInput(f"limit must be between 1 and {MAX_LIMIT}.")
    return limit
