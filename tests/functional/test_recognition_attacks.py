"""Recognition under attack: races between staff actions, and shared pages that repeated parameters must not poison."""

import threading

import pytest
from sqlalchemy import delete, event, select, update
from sqlalchemy.orm import Session

from ideas_portal import create_app
from ideas_portal.extensions import db
from ideas_portal.models import BadgeAward, PointTotal, User
from ideas_portal.services import badges, rewards
from tests.conftest import BACKEND


def test_a_star_taken_back_just_after_it_was_granted_still_answers_the_grant(api, make_user):
    """Staff grant a star while another staff member takes it back: the grant's answer is 201, never a 500."""
    member = make_user()
    member_id = member.id
    api.as_("staff")
    engine = db.engine
    revoked = []

    def revoke_in_between(session):
        # The racing DELETE /users/{id}/badges/star-member lands right after the grant's commit.
        if not revoked:
            with engine.begin() as other:
                if other.execute(delete(BadgeAward).where(BadgeAward.user_id == member_id)).rowcount:
                    revoked.append(member_id)

    db.session.remove()
    event.listen(Session, "after_commit", revoke_in_between)
    try:
        r = api.post(f"/users/{member_id}/badges", json={"slug": "star-member", "note": "Helps everyone"})
    finally:
        event.remove(Session, "after_commit", revoke_in_between)
    assert revoked == [member_id]
    assert r.status_code == 201, r.get_json()
    assert r.get_json()["slug"] == "star-member" and r.get_json()["note"] == "Helps everyone"


def _cached_client(database_url, redis_url):
    return create_app(
        {
            "TESTING": True,
            "SQLALCHEMY_DATABASE_URI": database_url,
            "REDIS_URL": redis_url,
            "RATELIMIT_ENABLED": False,
            "SECRET_KEY": "k",
            "CACHE_TYPE": "SimpleCache",
            "CACHE_DEFAULT_TIMEOUT": 300,
        }
    ).test_client()


def test_repeated_period_in_another_order_is_not_served_the_other_boards_cached_page(
    database_url, redis_url, make_user
):
    """?period=all&period=week is the all-time board; ?period=week&period=all is this week's: one shared page must
    not answer both (the cache key kept the values' order)."""
    member = make_user(name="Old Earner")
    rewards.award(member.id, "idea", "test:old", at=rewards.utcnow().replace(year=2020))
    db.session.commit()
    db.session.remove()
    client = _cached_client(database_url, redis_url)
    all_time = client.get("/api/v1/leaderboard?period=all&period=week").get_json()["items"]
    assert [s["user"]["name"] for s in all_time] == ["Old Earner"]
    assert client.get("/api/v1/leaderboard?period=week&period=all").get_json()["items"] == []
    assert "Old Earner" in client.get("/leaderboard?period=all&period=week").get_data(as_text=True)
    assert "Old Earner" not in client.get("/leaderboard?period=week&period=all").get_data(as_text=True)


@pytest.mark.skipif(BACKEND != "postgresql", reason="SQLite: a writer waits for the recount to finish")
def test_recount_while_points_are_being_earned_corrects_nothing_that_was_right(app, make_user, runner):
    """A line earned between the recount's reading of the ledger and of the period totals is in both (one
    snapshot): the recount must not 'correct' the totals back to without it, leaving them wrong for the next one."""
    member_id = make_user().id
    rewards.award(member_id, "idea", "test:before")
    db.session.commit()
    db.session.remove()
    earned = []

    def earn_meanwhile(conn, cursor, statement, parameters, context, executemany):
        if earned or "point_totals" not in statement or not statement.lstrip().upper().startswith("SELECT"):
            return

        def earn():
            with app.app_context():
                earned.append(rewards.award(member_id, "idea", "test:meanwhile"))
                db.session.commit()
                db.session.remove()

        worker = threading.Thread(target=earn)
        worker.start()
        worker.join(timeout=30)

    engine = db.engine
    event.listen(engine, "before_cursor_execute", earn_meanwhile)
    try:
        first = runner.invoke(args=["recount"]).output
    finally:
        event.remove(engine, "before_cursor_execute", earn_meanwhile)
    assert earned == [True]
    assert first.endswith("0 correction(s)\n"), first
    assert runner.invoke(args=["recount"]).output.endswith("0 correction(s)\n")
    totals = db.session.scalars(select(PointTotal.points).where(PointTotal.user_id == member_id)).all()
    assert totals == [20, 20]


@pytest.mark.skipif(BACKEND != "postgresql", reason="SQLite: a writer waits for the recount to finish")
def test_recount_while_a_badge_is_awarded_keeps_the_badge_beside_the_name(app, make_user, runner):
    """A badge awarded between the recount's reading of the awards and of the names' cached badges is no drift:
    the recount must not take it off the name."""
    member_id = make_user().id
    db.session.remove()
    granted = []

    def grant_meanwhile(conn, cursor, statement, parameters, context, executemany):
        if granted or "users.badge_slugs" not in statement or "users.email" in statement:
            return

        def grant():
            with app.app_context():
                granted.append(badges.grant(member_id, "star-member", note="meanwhile"))
                db.session.commit()
                db.session.remove()

        worker = threading.Thread(target=grant)
        worker.start()
        worker.join(timeout=30)

    engine = db.engine
    event.listen(engine, "before_cursor_execute", grant_meanwhile)
    try:
        first = runner.invoke(args=["recount"]).output
    finally:
        event.remove(engine, "before_cursor_execute", grant_meanwhile)
    assert granted == [True]
    assert first.endswith("0 correction(s)\n"), first
    assert db.session.scalar(select(User.badge_slugs).where(User.id == member_id)) == "star-member"


@pytest.mark.skipif(BACKEND != "postgresql", reason="SQLite: a writer waits for the recount to finish")
def test_recount_fixing_a_drifted_balance_keeps_a_point_earned_meanwhile(app, make_user, runner):
    """The balance is corrected by the difference the recount found, so a point earned just before the correction is
    written stays in it."""
    member_id = make_user().id
    rewards.award(member_id, "idea", "test:before")
    db.session.execute(update(User).where(User.id == member_id).values(points=99))
    db.session.commit()
    db.session.remove()
    earned, started = [], []

    def earn_meanwhile(conn, cursor, statement, parameters, context, executemany):
        if started or not statement.lstrip().upper().startswith("UPDATE USERS SET POINTS"):
            return

        def earn():
            with app.app_context():
                earned.append(rewards.award(member_id, "idea", "test:meanwhile"))
                db.session.commit()
                db.session.remove()

        started.append(True)  # the award's own UPDATE passes by here too
        worker = threading.Thread(target=earn)
        worker.start()
        worker.join(timeout=30)

    engine = db.engine
    event.listen(engine, "before_cursor_execute", earn_meanwhile)
    try:
        first = runner.invoke(args=["recount"]).output
    finally:
        event.remove(engine, "before_cursor_execute", earn_meanwhile)
    assert earned == [True]
    assert f"user {member_id}: points 99→10" in first
    assert runner.invoke(args=["recount"]).output.endswith("0 correction(s)\n")
    assert db.session.scalar(select(User.points).where(User.id == member_id)) == 20
