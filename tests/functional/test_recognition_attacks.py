"""Recognition under attack: races between staff actions, and shared pages that repeated parameters must not poison."""

from sqlalchemy import delete, event
from sqlalchemy.orm import Session

from ideas_portal import create_app
from ideas_portal.extensions import db
from ideas_portal.models import BadgeAward
from ideas_portal.services import rewards


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
