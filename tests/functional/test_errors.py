import pytest

from ideas_portal.extensions import db

from tests.functional.helpers import make_idea


@pytest.mark.parametrize(
    "path,method,status",
    [
        ("/no/such/page", "get", 404),
        ("/logout", "get", 405),
        ("/ideas/1/vote", "get", 405),
    ],
)
def test_html_error_pages(client, path, method, status):
    r = getattr(client, method)(path)
    assert r.status_code == status
    assert r.mimetype == "text/html" and "Back to the ideas" in r.get_data(as_text=True)


@pytest.mark.parametrize(
    "path,method,status",
    [
        ("/api/v1/nope", "get", 404),
        ("/api/v1/ideas", "delete", 405),
        ("/api/v1/ideas/1/vote", "post", 405),
        ("/api/v1/statuses", "post", 405),
    ],
)
def test_json_error_bodies(client, path, method, status):
    r = getattr(client, method)(path)
    assert r.status_code == status
    assert r.is_json and isinstance(r.get_json()["error"], str)


def test_staff_pages_are_403_for_members(client, auth, make_user):
    auth.login(make_user().email)
    r = client.get("/staff/categories")
    assert r.status_code == 403 and "not allowed" in r.get_data(as_text=True)


def test_oversized_request_is_413(app, client, api):
    app.config["MAX_CONTENT_LENGTH"] = 1024
    api.as_("member")
    r = api.post("/ideas", json={"title": "Big big idea", "body": "x" * 5000})
    assert r.status_code == 413 and r.get_json()["error"] == "That request is too large: at most 1 KB is accepted."
    app.config["MAX_CONTENT_LENGTH"] = 16 * 1024 * 1024
    r = api.post("/ideas", json={"title": "Big big idea", "body": "x" * (17 * 1024 * 1024)})
    assert r.status_code == 413 and r.get_json()["error"] == "That request is too large: at most 16 MB is accepted."


@pytest.mark.parametrize("authorization", [None, "Bearer not-a-token", "Basic dXNlcjpwdw=="])
def test_api_401_says_how_to_authenticate(client, authorization):
    """RFC 9110: a 401 carries WWW-Authenticate naming the scheme the API takes."""
    headers = {"Authorization": authorization} if authorization else {}
    r = client.get("/api/v1/me", headers=headers)
    assert r.status_code == 401 and r.get_json()["error"]
    assert r.headers["WWW-Authenticate"].startswith("Bearer")


def test_rate_limit_answers_429_with_retry_after(app, redis_url, database_url, client, make_user):
    from ideas_portal import create_app

    limited = create_app(
        {
            "TESTING": True,
            "SQLALCHEMY_DATABASE_URI": database_url,
            "REDIS_URL": redis_url,
            "RATELIMIT_STORAGE_URI": "memory://",
            "RATELIMIT_ENABLED": True,
            "SECRET_KEY": "k",
        }
    ).test_client()
    make_user(email="rl@example.com")
    codes = [
        limited.post("/api/v1/tokens", json={"email": "rl@example.com", "password": "bad"}).status_code
        for _ in range(12)
    ]
    assert codes[:10] == [401] * 10 and codes[-1] == 429
    r = limited.post("/api/v1/tokens", json={"email": "rl@example.com", "password": "bad"})
    assert "error" in r.get_json() and "Retry-After" in r.headers


def test_forms_need_a_csrf_token(app, database_url, redis_url, make_user):
    from ideas_portal import create_app
    from tests.conftest import csrf_token_from

    strict = create_app(
        {
            "TESTING": True,
            "SQLALCHEMY_DATABASE_URI": database_url,
            "REDIS_URL": redis_url,
            "RATELIMIT_ENABLED": False,
            "SECRET_KEY": "k",
            "WTF_CSRF_ENABLED": True,
        }
    )
    c = strict.test_client()
    email = make_user().email
    db.session.remove()  # SQLite: our read transaction would hold the write lock the other app needs
    r = c.post("/login", data={"email": email, "password": "correct horse"})
    assert r.status_code == 400 and "form expired" in r.get_data(as_text=True)
    token = csrf_token_from(c.get("/login").get_data(as_text=True))
    r = c.post("/login", data={"email": email, "password": "correct horse", "csrf_token": token})
    assert r.status_code == 302


def test_get_requests_never_change_state(client, auth, make_user):
    idea = make_idea(make_user())
    auth.login(make_user().email)
    for path in (f"/ideas/{idea.id}/vote", f"/ideas/{idea.id}/withdraw", f"/ideas/{idea.id}/comments"):
        assert client.get(path).status_code == 405


def test_contest_votes_are_limited_per_address_across_accounts(app, redis_url, database_url, make_user):
    import io
    from datetime import timedelta

    from PIL import Image

    from ideas_portal import create_app
    from ideas_portal.models.types import utcnow
    from ideas_portal.services.contests import contests, processing, uploads

    staff = make_user("staff")
    now = utcnow()
    contest = contests.create(
        staff,
        contests.ContestInput(
            title="Limited",
            rules="Rules",
            opens_at=now - timedelta(hours=1),
            entries_close_at=now + timedelta(days=1),
            closes_at=now + timedelta(days=2),
            moderated=False,
        ),
    )
    photo = io.BytesIO()
    Image.new("RGB", (32, 32), (200, 30, 30)).save(photo, "PNG")
    photo.seek(0)
    entry = uploads.submit(make_user(), contest.id, photo, "", uploads.EntrantDetails(accepted_rules=True))
    entry_id = entry.id
    processing.process(entry_id)
    emails = [make_user().email for _ in range(4)]
    db.session.remove()
    limited = create_app(
        {
            "TESTING": True,
            "SQLALCHEMY_DATABASE_URI": database_url,
            "REDIS_URL": redis_url,
            "RATELIMIT_STORAGE_URI": "memory://",
            "RATELIMIT_ENABLED": True,
            "SECRET_KEY": "k",
            "CONTEST_VOTES_PER_ADDRESS": "3 per hour",
        }
    ).test_client()
    codes = []
    for email in emails:
        token = limited.post("/api/v1/tokens", json={"email": email, "password": "correct horse"}).get_json()
        codes.append(
            limited.put(
                f"/api/v1/entries/{entry_id}/vote", headers={"Authorization": f"Bearer {token['token']}"}
            ).status_code
        )
    assert codes == [200, 200, 200, 429]
