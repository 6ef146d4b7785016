from datetime import datetime, timezone

import pytest

from ideas_portal.models import ContestEntry, Idea
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


def _sql(clause) -> str:
    return str(clause.compile(compile_kwargs={"literal_binds": True}))


def test_keyset_compares_as_the_indexes_are_built():
    # id alone: one comparison; same directions: a row value that a (sort, id) index serves; mixed: the OR form
    assert _sql(pagination._after(None, Idea.id, 7, 7, True, True)) == "ideas.id < 7"
    assert _sql(pagination._after(Idea.hot, Idea.id, 1.5, 7, True, True)) == "(ideas.hot, ideas.id) < (1.5, 7)"
    assert _sql(pagination._after(Idea.hot, Idea.id, 1.5, 7, False, False)) == "(ideas.hot, ideas.id) > (1.5, 7)"
    assert _sql(pagination._after(ContestEntry.votes, ContestEntry.id, 3, 7, True, False)) == (
        "contest_entries.votes < 3 OR contest_entries.votes = 3 AND contest_entries.id > 7"
    )
