"""Signing out through the real form: the browser is anonymous afterwards, and no other site can sign anyone out."""

from ideas_portal import create_app
from ideas_portal.extensions import db
from tests.conftest import IsolatedRequests, csrf_token_from


def test_sign_out_leaves_the_browser_anonymous(client, auth, make_user):
    user = make_user()
    auth.login(user.email)
    assert user.name in client.get("/").get_data(as_text=True)
    r = auth.logout()
    assert r.status_code == 302
    html = client.get("/").get_data(as_text=True)
    assert user.name not in html and "Sign in" in html
    assert client.get("/ideas/new").status_code == 302
    with client.session_transaction() as s:
        assert "_user_id" not in s


def test_sign_out_needs_a_csrf_token(database_url, redis_url, make_user):
    """A cross-site form cannot sign a member out: /logout has no form of its own, only the site-wide check."""
    strict = create_app(
        {
            "TESTING": True,
            "SQLALCHEMY_DATABASE_URI": database_url,
            "REDIS_URL": redis_url,
            "RATELIMIT_ENABLED": False,
            "SECRET_KEY": "k",
            "WTF_CSRF_ENABLED": True,
            "CACHE_TYPE": "NullCache",
        }
    )
    strict.wsgi_app = IsolatedRequests(strict.wsgi_app)
    user = make_user()
    email, name = user.email, user.name  # plain values outlive the session
    db.session.remove()  # SQLite: our read transaction would hold the write lock the other app needs
    c = strict.test_client()
    token = csrf_token_from(c.get("/login").get_data(as_text=True))
    assert c.post("/login", data={"email": email, "password": "correct horse", "csrf_token": token}).status_code == 302
    forged = c.post("/logout")
    assert forged.status_code == 400
    assert name in c.get("/").get_data(as_text=True)  # still signed in
    token = csrf_token_from(c.get("/").get_data(as_text=True))
    assert c.post("/logout", data={"csrf_token": token}).status_code == 302
    assert name not in c.get("/").get_data(as_text=True)
