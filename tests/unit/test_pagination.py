from datetime import datetime, timezone

import pytest

from ideas_portal.services import pagination
from ideas_portal.services.exceptions import InvalidInput


def test_cursor_round_trips_floats_exactly():
    value = 0.123456789012345678
    assert pagination.decode(pagination.encode(value, 42)) == (value, 42)


def test_cursor_round_trips_datetimes():
    when = datetime(2026, 1, 2, 3, 4, 5, 678, tzinfo=timezone.utc)
    assert pagination.decode(pagination.encode(when, 7), as_datetime=True) == (when, 7)


@pytest.mark.parametrize("bad", ["", "!!!", "bm90IGpzb24", "WzEsMiwzXQ", "WyJ4IiwxXQ", "W3RydWUsMV0"])
def test_tampered_cursors_are_refused_with_a_clear_message(bad):
    with pytest.raises(InvalidInput):
        pagination.decode(bad)


@pytest.mark.parametrize("raw", ["0", "101", "-1", "ten", "1.5", ""])
def test_limit_outside_range_is_refused(raw):
    with pytest.raises(InvalidInput):
        pagination.parse_limit(raw)
