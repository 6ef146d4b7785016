"""The Host header is not trusted: unknown hosts get 400, every absolute link comes from SITE_URL or a trusted host."""

import http.client
import json
import xml.etree.ElementTree as ET
from urllib.parse import urlsplit

import pytest
from sqlalchemy import func, select

from ideas_portal import create_app
from ideas_portal.extensions import db
from ideas_portal.models import OutboundEmail, StatusChange
from ideas_portal.services import webhooks
from tests.functional import test_contests
from tests.functional.helpers import make_idea
from tests.functional.test_cache import _cached_app
from tests.functional.test_contests import new_contest
from tests.functional.test_webhooks import change_status

person, worker = test_contests.person, test_contests.worker  # the same fixtures as the entry tests

SITE = "https://ideas.example.com/portal"
ATOM = "{http://www.w3.org/2005/Atom}"
FORGED = [
    "evil.example",
    "evil.example:80",
    "localhost.evil.example",
    "127.0.0.1.nip.io",
    "evil.example#@localhost",
    "localhost@evil.example",
    "",
    " ",
    "localhost:abc",
    "localhost:99999",
    "local host",
    "localhost\x00",
    "localhost/evil",
    "[::2]",
    "[::1",
    "localhost..",
    "ⅼocalhost",
    "xn--lcalhost-m8a.evil",
]


def with_host(host: str) -> dict:
    """The raw header as a client sends it, whatever the test client would derive from a URL."""
    return {"environ_overrides": {"HTTP_HOST": host}}


@pytest.fixture
def site(app):
    """SITE_URL set, and the test client's own host still trusted, so any link built from the request would show."""
    app.config.update(SITE_URL=SITE, SITE_TRUSTED_HOSTS="ideas.example.com,localhost")
    return app


def urls_in(value) -> list[str]:
    if isinstance(value, dict):
        return [u for v in value.values() for u in urls_in(v)]
    if isinstance(value, list):
        return [u for v in value for u in urls_in(v)]
    return [value] if isinstance(value, str) and "://" in value else []


@pytest.mark.parametrize("host", FORGED)
def test_an_unknown_host_gets_400_for_pages_and_api_and_never_appears_in_the_answer(client, make_user, host):
    make_idea(make_user(), "Idea behind a forged host")
    page = client.get("/ideas", **with_host(host))
    assert page.status_code == 400 and page.mimetype == "text/html"
    assert "does not answer to that host name" in page.get_data(as_text=True)
    assert "Idea behind a forged host" not in page.get_data(as_text=True)
    api = client.get("/api/v1/ideas", **with_host(host))
    assert api.status_code == 400 and api.get_json() == {"error": "This site does not answer to that host name."}
    for r in (page, api):
        assert "evil" not in r.get_data(as_text=True) and "evil" not in str(r.headers)


def test_forgot_password_on_a_forged_host_writes_no_mail(client, make_user):
    user = make_user()
    r = client.post("/password/forgot", data={"email": user.email}, **with_host("evil.example"))
    assert r.status_code == 400
    assert db.session.scalar(select(func.count()).select_from(OutboundEmail)) == 0
    assert client.post("/password/forgot", data={"email": user.email}).status_code == 302  # the real host still works
    assert db.session.scalar(select(func.count()).select_from(OutboundEmail)) == 1


def test_gunicorn_refuses_forged_hosts_before_csrf_and_links_to_its_own_address(live_server, make_user):
    """The production path: no SERVER_NAME, a real server, raw Host headers."""
    user, idea = make_user(), make_idea(make_user())
    email, idea_id = user.email, idea.id
    db.session.remove()
    where = urlsplit(live_server)

    def send(method, path, host, body=None, headers=()):
        conn = http.client.HTTPConnection(where.hostname, where.port, timeout=10)
        conn.putrequest(method, path, skip_host=True, skip_accept_encoding=True)
        conn.putheader("Host", host)
        for name, value in headers:
            conn.putheader(name, value)
        conn.putheader("Content-Length", str(len(body or b"")))
        conn.endheaders(body)
        r = conn.getresponse()
        return r.status, r.read().decode()

    status, text = send(
        "POST",
        "/password/forgot",
        "evil.example",
        f"email={email}".encode(),
        [("Content-Type", "application/x-www-form-urlencoded")],
    )
    assert status == 400 and "does not answer to that host name" in text  # not the CSRF complaint: checked first
    assert db.session.scalar(select(func.count()).select_from(OutboundEmail)) == 0
    db.session.remove()  # SQLite: our read began a write-locking transaction
    for host in ("evil.example", "", "localhost.evil.example:%d" % where.port):
        status, text = send("GET", f"/api/v1/ideas/{idea_id}", host)
        assert status == 400 and "evil" not in text
    status, text = send("GET", f"/api/v1/ideas/{idea_id}", where.netloc, headers=[("X-Forwarded-Host", "evil.example")])
    assert status == 200 and json.loads(text)["url"] == f"{live_server}/ideas/{idea_id}"
    # gunicorn would take these from 127.0.0.1 by default and call the request https: it is told to trust nobody.
    for forged in (("X-Forwarded-Proto", "https"), ("X-Forwarded-Ssl", "on"), ("X-Forwarded-Protocol", "ssl")):
        status, text = send("GET", f"/api/v1/ideas/{idea_id}", where.netloc, headers=[forged])
        assert status == 200 and json.loads(text)["url"] == f"{live_server}/ideas/{idea_id}", forged


@pytest.mark.parametrize(
    "base, links",
    [
        ("http://localhost/", "http://localhost/"),
        ("http://localhost:5000/", "http://localhost:5000/"),
        ("http://127.0.0.1:8123/", "http://127.0.0.1:8123/"),
        ("http://[::1]:5000/", "http://[::1]:5000/"),
        ("https://localhost/", "https://localhost/"),
        ("http://LocalHost.:5000/", "http://localhost:5000/"),
    ],
)
def test_the_default_trusted_hosts_answer_on_any_port_and_links_use_their_canonical_form(
    client, make_user, base, links
):
    idea = make_idea(make_user())
    assert client.get("/", base_url=base).status_code == 200
    r = client.get(f"/api/v1/ideas/{idea.id}", base_url=base)
    assert r.status_code == 200 and r.get_json()["url"] == f"{links}ideas/{idea.id}"


def test_forwarding_headers_do_not_choose_the_host_of_links(client, make_user):
    idea = make_idea(make_user())
    r = client.get(
        f"/api/v1/ideas/{idea.id}",
        headers={
            "X-Forwarded-Host": "evil.example",
            "X-Forwarded-Proto": "https",
            "X-Forwarded-Port": "8443",
            "X-Forwarded-Prefix": "/evil",
            "Forwarded": "host=evil.example;proto=https",
            "X-Host": "evil.example",
            "X-Original-URL": "https://evil.example/x",
            "X-Rewrite-URL": "https://evil.example/x",
        },
    )
    assert r.get_json()["url"] == f"http://localhost/ideas/{idea.id}"


def test_trusted_hosts_from_the_environment_replace_the_defaults(monkeypatch, database_url, redis_url):
    monkeypatch.setenv("TRUSTED_HOSTS", " ideas.example.com, Intranet.Example. ,")
    monkeypatch.delenv("SITE_URL", raising=False)
    client = create_app(
        {"TESTING": True, "SQLALCHEMY_DATABASE_URI": database_url, "REDIS_URL": redis_url, "CACHE_TYPE": "NullCache"}
    ).test_client()
    assert client.get("/api/v1/statuses", base_url="https://ideas.example.com").status_code == 200
    assert client.get("/api/v1/statuses", base_url="http://intranet.example:8080").status_code == 200
    assert client.get("/api/v1/statuses", base_url="http://localhost").status_code == 400
    assert client.get("/api/v1/statuses", base_url="http://127.0.0.1").status_code == 400


def test_site_url_alone_makes_its_host_the_only_trusted_one(monkeypatch, database_url, redis_url):
    monkeypatch.setenv("SITE_URL", "https://Ideas.Example.com/")
    monkeypatch.delenv("TRUSTED_HOSTS", raising=False)
    client = create_app(
        {"TESTING": True, "SQLALCHEMY_DATABASE_URI": database_url, "REDIS_URL": redis_url, "CACHE_TYPE": "NullCache"}
    ).test_client()
    assert client.get("/api/v1/statuses", base_url="https://ideas.example.com").status_code == 200
    assert client.get("/api/v1/statuses", base_url="http://localhost").status_code == 400


@pytest.mark.parametrize(
    "bad",
    [
        "ideas.example.com",
        "ftp://ideas.example.com",
        "https://",
        "https://a b.example",
        "https://user@ideas.example.com",
        "https://ideas.example.com/?x=1",
    ],
)
def test_a_site_url_that_is_not_a_base_url_stops_the_app_from_starting(monkeypatch, bad):
    monkeypatch.setenv("SITE_URL", bad)
    with pytest.raises(RuntimeError, match="SITE_URL"):
        create_app({"TESTING": True})


def test_the_reset_mail_links_to_site_url_whichever_trusted_host_was_asked(site, client, make_user):
    user = make_user()
    assert client.post("/password/forgot", data={"email": user.email}).status_code == 302
    body = db.session.scalar(select(OutboundEmail.body))
    assert f"{SITE}/password/reset/" in body and "localhost" not in body


def test_api_url_fields_atom_and_openapi_use_site_url(site, client, api, make_user):
    idea = make_idea(make_user(), "Linked from elsewhere")
    api.as_("staff").post(f"/ideas/{idea.id}/status", json={"status": "launched", "note": "Out now"})
    assert api.get(f"/ideas/{idea.id}").get_json()["url"] == f"{SITE}/ideas/{idea.id}"
    assert [i["url"] for i in api.anonymous().get("/ideas").get_json()["items"]] == [f"{SITE}/ideas/{idea.id}"]
    assert api.get("/feed").get_json()["items"][0]["url"].startswith(f"{SITE}/ideas/{idea.id}")
    assert api.get("/openapi.json").get_json()["servers"] == [{"url": f"{SITE}/api/v1"}]
    for path in ("/feed.atom", f"/ideas/{idea.id}/feed.atom"):
        root = ET.fromstring(client.get(path).data)
        links = [link.get("href") for link in root.iter(f"{ATOM}link")]
        ids = [node.text for node in root.iter(f"{ATOM}id")]
        assert links and all(href.startswith(SITE + "/") for href in links), links
        assert all("localhost" not in text for text in ids), ids


def test_webhook_payload_built_without_a_request_uses_site_url_or_the_local_port(app, make_user):
    idea = make_idea(make_user())
    change = db.session.get(StatusChange, change_status(idea, actor=make_user("staff")))
    app.config["SERVER_NAME"] = None  # production workers have none
    assert webhooks.payload(change)["idea"]["url"] == f"http://localhost:{app.config['PORT']}/ideas/{idea.id}"
    app.config["SITE_URL"] = SITE
    assert webhooks.payload(change)["idea"]["url"] == f"{SITE}/ideas/{idea.id}"


def test_entry_share_tags_and_api_media_urls_use_site_url(site, person, client, worker):
    staff = person("staff")
    contest_id = new_contest(staff, moderated=False)["id"]
    entry_id = person().enter_ok(contest_id, 1, caption="Dusk")
    worker()
    html = client.get(f"/entries/{entry_id}").get_data(as_text=True)
    assert f'<link rel="canonical" href="{SITE}/entries/{entry_id}">' in html
    assert f'<meta property="og:url" content="{SITE}/entries/{entry_id}">' in html
    assert f'<meta property="og:image" content="{SITE}/media/' in html
    entry = client.get(f"/api/v1/entries/{entry_id}").get_json()
    assert urls_in(entry) and all(u.startswith(SITE + "/") for u in urls_in(entry)), urls_in(entry)
    contest = client.get(f"/api/v1/contests/{contest_id}").get_json()
    assert contest["url"] == f"{SITE}/contests/{contest_id}"


@pytest.mark.parametrize(
    "attack",
    [
        {"base_url": "http://127.0.0.1:9999/"},  # a trusted host, just not the one the next visitor uses
        {"environ_overrides": {"HTTP_HOST": "evil.example"}},
        {"headers": {"X-Forwarded-Host": "evil.example", "X-Original-URL": "/evil", "Forwarded": "host=evil.example"}},
    ],
)
def test_no_request_header_puts_its_host_into_what_the_next_visitor_is_served(
    database_url, redis_url, make_user, attack
):
    idea = make_idea(make_user(), "Cached for everyone")
    idea_id = idea.id
    db.session.remove()
    client = _cached_app(database_url, redis_url).test_client()
    client.get("/api/v1/ideas?sort=new&limit=5", **attack)
    client.get("/ideas?sort=new", **attack)
    served = client.get("/api/v1/ideas?limit=5&sort=new", base_url="http://localhost/").get_json()
    assert [i["url"] for i in served["items"]] == [f"http://localhost/ideas/{idea_id}"]
    page = client.get("/ideas?sort=new", base_url="http://localhost/").get_data(as_text=True)
    assert "Cached for everyone" in page and "evil" not in page and "9999" not in page


def test_the_shared_cache_still_serves_one_entry_for_both_orders_of_a_query(database_url, redis_url, make_user):
    make_idea(make_user(), "First in the cache")
    db.session.remove()
    client = _cached_app(database_url, redis_url).test_client()
    assert len(client.get("/api/v1/ideas?sort=new&limit=5").get_json()["items"]) == 1
    make_idea(make_user(), "Second, after caching")
    db.session.remove()
    assert len(client.get("/api/v1/ideas?limit=5&sort=new").get_json()["items"]) == 1  # same key
    assert len(client.get("/api/v1/ideas?limit=6&sort=new").get_json()["items"]) == 2  # another key


def test_an_over_long_query_string_is_answered_fresh_and_never_stored(database_url, redis_url, make_user):
    make_idea(make_user(), "First in the cache")
    db.session.remove()
    client = _cached_app(database_url, redis_url).test_client()
    padded = "/api/v1/ideas?sort=new&pad=" + "x" * 600
    assert len(client.get(padded).get_json()["items"]) == 1
    make_idea(make_user(), "Second, after the long query")
    db.session.remove()
    assert len(client.get(padded).get_json()["items"]) == 2
