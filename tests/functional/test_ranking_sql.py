"""The vote path's SQL functions (ideas_wilson, ideas_hot) agree with ranking.py, on SQLite and PostgreSQL alike."""

from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import func, select, update

from ideas_portal.extensions import db
from ideas_portal.models import Idea
from ideas_portal.services.ranking import hot_score, wilson_lower_bound
from tests.functional.helpers import make_idea

COUNTS = [(0, 0), (1, 0), (0, 1), (1, 1), (7, 3), (3, 7), (120, 0), (0, 95), (5_000, 4_999), (1_000_000, 17)]


@pytest.mark.parametrize("up,down", COUNTS)
def test_wilson_in_sql_is_rankings_wilson(app, up, down):
    assert db.session.scalar(select(func.ideas_wilson(up, down))) == pytest.approx(
        wilson_lower_bound(up, down), abs=1e-12
    )


@pytest.mark.parametrize("up,down", COUNTS)
@pytest.mark.parametrize("age", [timedelta(0), timedelta(days=400, seconds=17, microseconds=5)])
def test_hot_in_sql_is_rankings_hot_for_a_stored_idea(app, make_user, up, down, age):
    idea = make_idea(make_user())
    created = datetime(2026, 11, 3, 14, 5, 9, 123456, tzinfo=timezone.utc) - age
    db.session.execute(update(Idea).where(Idea.id == idea.id).values(created_at=created))
    db.session.commit()
    stored = select(func.ideas_hot(up, down, Idea.created_at)).where(Idea.id == idea.id)
    assert db.session.scalar(stored) == pytest.approx(hot_score(up, down, created), abs=1e-6)
