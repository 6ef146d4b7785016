"""Rate limits: per member not per token, per account for sign-in, alive when Redis is down or hung, honest 429 text."""

import re
import socket
import threading
import time

import pytest

from devtools import embedded
from ideas_portal import create_app
from ideas_portal.extensions import db, limiter


@pytest.fixture
def limited(app, database_url):
    """Builds a second app with rate limits on against the test's database; `limited(storage_url)`."""

    def make(storage="memory://", redis_url=None, **extra):
        db.session.remove()  # SQLite: our read transaction would hold the write lock the other app needs
        return create_app(
            {
                "TESTING": True,
                "SECRET_KEY": "k",
                "SQLALCHEMY_DATABASE_URI": database_url,
                "SERVER_NAME": "localhost",
                "REDIS_URL": redis_url or app.config["REDIS_URL"],
                "RATELIMIT_STORAGE_URI": storage,
                "RATELIMIT_ENABLED": True,
                "CACHE_TYPE": "NullCache",
                "MAIL_DIR": app.config["MAIL_DIR"],
                "WTF_CSRF_ENABLED": False,
                **extra,
            }
        ).test_client()

    limiter._storage_dead = False
    yield make
    limiter._storage_dead = False  # Flask-Limiter keeps this per process: the next test's app starts on its storage


@pytest.fixture
def hung_redis():
    """A server that accepts connections and never answers, like a Redis stuck on a full disk or a dead host."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(64)
    held, stop = [], threading.Event()

    def accept():
        server.settimeout(0.1)
        while not stop.is_set():
            try:
                held.append(server.accept()[0])
            except OSError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    yield f"redis://127.0.0.1:{server.getsockname()[1]}/0"
    stop.set()
    thread.join(timeout=5)
    for conn in held:
        conn.close()
    server.close()


def _wrong_logins(client, email, n, addresses=None):
    codes = []
    for i in range(n):
        env = {"REMOTE_ADDR": addresses[i]} if addresses else {}
        codes.append(
            client.post("/login", data={"email": email, "password": f"guess {i}"}, environ_base=env).status_code
        )
    return codes


@pytest.mark.parametrize("outage", ["closed port", "hung server"])
def test_limits_hold_and_stay_fast_when_redis_does_not_answer(limited, make_user, hung_redis, outage):
    url = f"redis://127.0.0.1:{embedded.free_port()}/0" if outage == "closed port" else hung_redis
    email = make_user().email
    client = limited(storage=url, redis_url=url)
    codes, slowest = [], 0.0
    for i in range(30):
        started = time.monotonic()
        codes.append(client.post("/login", data={"email": email, "password": f"guess {i}"}).status_code)
        slowest = max(slowest, time.monotonic() - started)
    assert 429 in codes and set(codes) == {401, 429}, codes
    assert codes.index(429) <= 20
    started = time.monotonic()
    assert client.post("/password/forgot", data={"email": email}).status_code in (302, 429)  # enqueues a mail
    slowest = max(slowest, time.monotonic() - started)
    assert slowest < 2.0, f"a request took {slowest:.2f} s with the Redis {outage}"


def test_sign_in_is_limited_per_account_across_addresses(limited, make_user):
    email = make_user().email
    client = limited()
    addresses = [f"10.0.{i}.{i + 1}" for i in range(12)]
    codes = _wrong_logins(client, email.upper(), 6, addresses[:6])  # however the address is spelled
    codes += [
        client.post(
            "/api/v1/tokens", json={"email": email, "password": "guess"}, environ_base={"REMOTE_ADDR": a}
        ).status_code
        for a in addresses[6:10]
    ]
    assert codes == [401] * 10
    assert _wrong_logins(client, email, 1, addresses[10:11]) == [429]
    r = client.post(
        "/api/v1/tokens",
        json={"email": email, "password": "correct horse"},
        environ_base={"REMOTE_ADDR": addresses[11]},
    )
    assert r.status_code == 429 and "Retry-After" in r.headers
    other = make_user().email  # another account from the same addresses is not affected
    assert _wrong_logins(limited(), other, 1, addresses[:1]) == [401]


def test_a_second_token_does_not_double_the_limit(limited, make_user):
    email = make_user().email
    client = limited()
    tokens = [
        client.post("/api/v1/tokens", json={"email": email, "password": "correct horse"}).get_json()["token"]
        for _ in range(2)
    ]
    codes = [
        client.post(
            "/api/v1/ideas",
            json={"title": f"Idea number {i} from me", "body": "Body text."},
            headers={"Authorization": f"Bearer {tokens[i % 2]}"},
        ).status_code
        for i in range(21)
    ]
    assert codes == [201] * 20 + [429]


def test_a_made_up_bearer_header_does_not_escape_the_address_limit(limited, make_user):
    email = make_user().email
    client = limited()
    codes = [
        client.post(
            "/login", data={"email": email, "password": "guess"}, headers={"Authorization": f"Bearer made-up-{i}"}
        ).status_code
        for i in range(11)
    ]
    assert codes[-1] == 429


@pytest.mark.parametrize("json", [False, True])
def test_429_text_says_the_wait_that_retry_after_says(limited, json):
    client = limited()
    headers = {"Accept": "application/json"} if json else {}
    for _ in range(5):
        assert client.post("/password/forgot", data={"email": "x@example.com"}, headers=headers).status_code == 302
    r = client.post("/password/forgot", data={"email": "x@example.com"}, headers=headers)
    assert r.status_code == 429
    retry_after = int(r.headers["Retry-After"])
    assert 800 < retry_after <= 900
    text = r.get_json()["error"] if json else r.get_data(as_text=True)
    match = re.search(r"try again in (\d+) minutes", text)
    assert match and abs(int(match.group(1)) * 60 - retry_after) < 60, text
    assert "a minute" not in text
