from ideas_portal import create_app
from ideas_portal.extensions import db
from ideas_portal.models import User
from ideas_portal.services import moderation, rewards
from tests.functional.helpers import make_idea


def _cached_app(database_url, redis_url):
    return create_app(
        {
            "TESTING": True,
            "SQLALCHEMY_DATABASE_URI": database_url,
            "REDIS_URL": redis_url,
            "RATELIMIT_ENABLED": False,
            "SECRET_KEY": "k",
            "CACHE_TYPE": "SimpleCache",
            "WTF_CSRF_ENABLED": False,
            "CACHE_DEFAULT_TIMEOUT": 300,
        }
    )


def test_anonymous_lists_are_cached_without_cookies(database_url, redis_url, make_user):
    make_idea(make_user(), "First idea in the cache")
    db.session.remove()
    client = _cached_app(database_url, redis_url).test_client()
    first = client.get("/ideas?sort=new")
    assert "Set-Cookie" not in first.headers  # nothing personal, so it can be shared
    assert "First idea in the cache" in first.get_data(as_text=True)
    make_idea(make_user(), "Second idea after caching")
    db.session.remove()
    assert "Second idea after caching" not in client.get("/ideas?sort=new").get_data(as_text=True)
    assert "Second idea after caching" in client.get("/ideas?sort=top").get_data(as_text=True)  # other key


def test_signed_in_members_always_see_fresh_lists(database_url, redis_url, make_user):
    user = make_user()
    email = user.email
    make_idea(user, "First idea in the cache")
    db.session.remove()
    client = _cached_app(database_url, redis_url).test_client()
    client.get("/ideas?sort=new")
    client.post("/login", data={"email": email, "password": "correct horse"})
    make_idea(make_user(), "Fresh for members")
    db.session.remove()
    assert "Fresh for members" in client.get("/ideas?sort=new").get_data(as_text=True)


def test_a_suspension_leaves_the_anonymous_leaderboards_at_once(database_url, redis_url, make_user):
    """The leaderboards are not cached: "suspended members are not ranked" holds from the next request."""
    staff, member = make_user("staff"), make_user(name="Quickly Suspended")
    rewards.award(member.id, "idea", "test:leaderboard-cache")
    db.session.commit()
    staff_id, member_id = staff.id, member.id
    db.session.remove()
    client = _cached_app(database_url, redis_url).test_client()
    assert "Quickly Suspended" in client.get("/leaderboard").get_data(as_text=True)
    assert client.get("/api/v1/leaderboard").get_json()["items"][0]["user"]["id"] == member_id
    moderation.ban(db.session.get_one(User, staff_id), member_id, "Spam")
    db.session.remove()
    assert "Quickly Suspended" not in client.get("/leaderboard").get_data(as_text=True)
    assert client.get("/api/v1/leaderboard").get_json()["items"] == []
