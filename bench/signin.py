"""Members signed in the way a browser does it: the HTML login form, its CSRF token and the session cookie."""

from __future__ import annotations

import http.client
import re
import urllib.parse
from concurrent.futures import ThreadPoolExecutor

from pages import SIGNED_IN
from seed import PASSWORD

CSRF = re.compile(rb'name="csrf_token"[^>]*value="([^"]+)"|value="([^"]+)"[^>]*name="csrf_token"')


def _cookies(answer: http.client.HTTPResponse) -> dict[str, str]:
    """name → value of every Set-Cookie; attributes (Secure, Path…) are left to the server's intent."""
    out = {}
    for header in answer.headers.get_all("Set-Cookie") or []:
        name, _, value = header.split(";", 1)[0].partition("=")
        out[name.strip()] = value.strip()
    return out


def cookie_header(jar: dict[str, str]) -> str:
    return "; ".join(f"{k}={v}" for k, v in jar.items() if v)


def sign_in(port: int, email: str) -> str:
    """GET /login for the form's token and the session it is bound to, POST it back; returns the Cookie header."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    try:
        conn.request("GET", "/login")
        answer = conn.getresponse()
        page = answer.read()
        jar = _cookies(answer)
        found = CSRF.search(page)
        if answer.status != 200 or not found:
            raise RuntimeError(f"GET /login: {answer.status}, CSRF token {'found' if found else 'missing'}")
        form = {"csrf_token": (found.group(1) or found.group(2)).decode(), "email": email, "password": PASSWORD}
        conn.request(
            "POST",
            "/login",
            urllib.parse.urlencode(form),
            {"Content-Type": "application/x-www-form-urlencoded", "Cookie": cookie_header(jar)},
        )
        answer = conn.getresponse()
        body = answer.read()
        if answer.status not in (302, 303):
            raise RuntimeError(f"POST /login for {email}: {answer.status} {body[:300]!r}")
        jar.update(_cookies(answer))
        cookie = cookie_header(jar)
        conn.request("GET", "/", headers={"Cookie": cookie})
        answer = conn.getresponse()
        if answer.status != 200 or SIGNED_IN not in answer.read():
            raise RuntimeError(f"{email}: the session cookie does not sign in (GET / {answer.status})")
        return cookie
    finally:
        conn.close()


def sign_in_all(port: int, emails: list[str]) -> list[str]:
    """One Cookie header per member, a few at a time (each sign-in is a deliberately slow scrypt)."""
    with ThreadPoolExecutor(8) as pool:
        return list(pool.map(lambda email: sign_in(port, email), emails))
