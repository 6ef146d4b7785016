"""API tokens: members list and revoke their own; sign-out everywhere, suspension and reset revoke them all."""

from datetime import timedelta

from sqlalchemy import func, select, update

from ideas_portal.extensions import db
from ideas_portal.models import ApiToken, User
from ideas_portal.models.types import utcnow
from tests.conftest import csrf_token_from


def _new_token(client, email, password="correct horse"):
    r = client.post("/api/v1/tokens", json={"email": email, "password": password})
    assert r.status_code == 201
    return r.get_json()["token"]


def _bearer(token):
    return {"Authorization": f"Bearer {token}"}


def test_member_lists_their_own_tokens_with_the_current_one_marked(client, api, make_user):
    api.as_("member")
    second = _new_token(client, api.user.email)
    _new_token(client, make_user().email)  # someone else's never shows
    r = api.get("/tokens")
    assert r.status_code == 200
    items = r.get_json()["items"]
    assert len(items) == 2
    assert all(set(t) >= {"id", "created_at", "last_used_at", "current"} for t in items)
    assert [t["current"] for t in items].count(True) == 1
    mine = next(t for t in items if t["current"])
    assert mine["last_used_at"] is not None and mine["created_at"].endswith("Z")
    other = client.get("/api/v1/tokens", headers=_bearer(second)).get_json()["items"]
    assert {t["id"] for t in other} == {t["id"] for t in items}
    assert next(t for t in other if t["current"])["id"] != mine["id"]


def test_tokens_need_a_token(api):
    assert api.anonymous().get("/tokens").status_code == 401
    assert api.delete("/tokens/1").status_code == 401


def test_a_revoked_token_answers_401_from_then_on(client, api):
    api.as_("member")
    spare = _new_token(client, api.user.email)
    spare_id = next(
        t["id"] for t in client.get("/api/v1/tokens", headers=_bearer(spare)).get_json()["items"] if t["current"]
    )
    r = api.delete(f"/tokens/{spare_id}")
    assert r.status_code == 204 and r.data == b""
    assert client.get("/api/v1/tokens", headers=_bearer(spare)).status_code == 401
    assert (
        client.post("/api/v1/ideas", json={"title": "After revoking", "body": "x"}, headers=_bearer(spare)).status_code
        == 401
    )
    assert [t["id"] for t in api.get("/tokens").get_json()["items"]] != [spare_id]
    assert api.delete(f"/tokens/{spare_id}").status_code == 404


def test_another_members_token_id_is_404_and_keeps_working(client, api, make_user):
    theirs = _new_token(client, make_user().email)
    their_id = db.session.scalar(select(ApiToken.id).order_by(ApiToken.id.desc()))
    api.as_("member")
    for token_id in (their_id, 99999999, 2**40):
        assert api.delete(f"/tokens/{token_id}").status_code == 404
    assert client.get("/api/v1/tokens", headers=_bearer(theirs)).status_code == 200


def test_last_used_is_written_at_most_once_a_minute(client, api, count_queries):
    api.as_("member")
    api.get("/tokens")
    first = db.session.scalar(select(ApiToken.last_used_at))
    with count_queries() as seen:
        api.get("/statuses")
    assert not [s for s in seen if s.lstrip().upper().startswith("UPDATE")]
    assert db.session.scalar(select(ApiToken.last_used_at)) == first
    db.session.execute(update(ApiToken).values(last_used_at=utcnow() - timedelta(minutes=2)))
    db.session.commit()
    api.get("/statuses")
    assert db.session.scalar(select(ApiToken.last_used_at)) > utcnow() - timedelta(minutes=1)


def test_settings_page_shows_the_member_and_their_tokens(client, auth, make_user):
    user = make_user(name="Tara Tokens")
    _new_token(client, user.email)
    _new_token(client, user.email)
    assert client.get("/settings").status_code == 302  # members only
    auth.login(user.email)
    html = client.get("/settings").get_data(as_text=True)
    assert "Tara Tokens" in html and user.email in html
    assert html.count(">Revoke</button>") == 2 and "never used" in html
    assert "Sign out everywhere" in html
    assert 'href="/settings"' in client.get("/").get_data(as_text=True)  # linked from the header


def test_revoke_button_on_settings_revokes_only_own_token(client, auth, make_user):
    user, other = make_user(), make_user()
    token = _new_token(client, user.email)
    theirs = _new_token(client, other.email)
    token_id = db.session.scalar(select(ApiToken.id).where(ApiToken.user_id == user.id))
    their_id = db.session.scalar(select(ApiToken.id).where(ApiToken.user_id == other.id))
    auth.login(user.email)
    assert client.post(f"/settings/tokens/{their_id}/revoke").status_code == 404
    r = client.post(f"/settings/tokens/{token_id}/revoke", follow_redirects=True)
    assert "token is revoked" in r.get_data(as_text=True)
    assert client.get("/api/v1/tokens", headers=_bearer(token)).status_code == 401
    assert client.get("/api/v1/tokens", headers=_bearer(theirs)).status_code == 200


def test_sign_out_everywhere_ends_every_session_remember_cookie_and_token(app, client, auth, make_user):
    user = make_user()
    token = _new_token(client, user.email)
    auth.login(user.email, remember=True)
    cookie = client.get_cookie("remember_token")
    laptop = app.test_client()
    laptop.post("/login", data={"email": user.email, "password": "correct horse"})
    assert user.name in laptop.get("/").get_data(as_text=True)

    r = client.post("/settings/sign-out-everywhere")
    assert r.status_code == 302 and r.headers["Location"] == "/login"
    assert "Sign in" in client.get("/").get_data(as_text=True)
    assert "Sign in" in laptop.get("/").get_data(as_text=True)
    thief = app.test_client()
    thief.set_cookie("remember_token", cookie.value, domain=cookie.domain)
    assert thief.get("/settings").status_code == 302
    assert client.get("/api/v1/tokens", headers=_bearer(token)).status_code == 401
    assert db.session.scalar(select(func.count()).select_from(ApiToken).where(ApiToken.user_id == user.id)) == 0


def test_settings_forms_need_csrf(app, database_url, redis_url, make_user):
    from ideas_portal import create_app

    strict = create_app(
        {
            "TESTING": True,
            "SQLALCHEMY_DATABASE_URI": database_url,
            "REDIS_URL": redis_url,
            "RATELIMIT_ENABLED": False,
            "SECRET_KEY": "k",
            "WTF_CSRF_ENABLED": True,
            "SERVER_NAME": "localhost",
        }
    )
    email = make_user().email
    token = _new_token(app.test_client(), email)
    db.session.remove()
    c = strict.test_client()
    login_csrf = csrf_token_from(c.get("/login").get_data(as_text=True))
    c.post("/login", data={"email": email, "password": "correct horse", "csrf_token": login_csrf})
    assert c.post("/settings/sign-out-everywhere").status_code == 400
    assert c.get("/api/v1/tokens", headers=_bearer(token)).status_code == 200
    page_csrf = csrf_token_from(c.get("/settings").get_data(as_text=True))
    assert c.post("/settings/sign-out-everywhere", data={"csrf_token": page_csrf}).status_code == 302
    assert c.get("/api/v1/tokens", headers=_bearer(token)).status_code == 401


def test_suspension_revokes_every_token(client, auth, make_user):
    member, staff = make_user(), make_user("staff")
    tokens = [_new_token(client, member.email) for _ in range(2)]
    auth.login(staff.email)
    assert client.post(f"/staff/members/{member.id}/ban", data={"reason": "Spam"}).status_code == 302
    for token in tokens:
        assert client.get("/api/v1/tokens", headers=_bearer(token)).status_code == 401
    assert db.session.get(User, member.id).banned_at is not None


def test_account_pages_are_valid_html(client, auth, make_user, tmp_path):
    from tests.functional.test_html_valid import _nu_errors, _save

    user = make_user()
    _new_token(client, user.email)
    _save(tmp_path, "reset-dead", client.get("/password/reset/" + "A" * 43))
    r = client.post("/signup", data={"email": "valid.html@example.com", "name": "Val Id", "password": "correct horse"})
    _save(tmp_path, "signup-sent", client.get(r.headers["Location"]))
    auth.login(user.email)
    _save(tmp_path, "settings", client.get("/settings"))
    errors = _nu_errors(tmp_path)
    assert not errors, "\n".join(errors)
