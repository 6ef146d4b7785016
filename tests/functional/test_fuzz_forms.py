"""Hypothesis fuzzes every HTML form against a real gunicorn: hostile field values and odd ids never give a 5xx,
and the server logs no traceback. Seeded (derandomized), so a CI run is the same run every time."""
from __future__ import annotations

import io
import re
from dataclasses import dataclass, field

import pytest
import requests
from hypothesis import HealthCheck, Phase, given, note, settings
from hypothesis import strategies as st

from ideas_portal.extensions import db
from tests.conftest import LIVE_SERVER_LOG, csrf_token_from
from tests.functional.helpers import make_idea
from tests.functional.test_fuzz import _contest_with_an_entry

pytestmark = pytest.mark.live

BIG = "99999999999999999999999"
ODD = st.sampled_from([
    "", " ", "\x00", "a\x00b", "\ud800", "x\udfffy", "\udbff\udc00", "\x85", "\u202e", "\ufeff", "\uffff",
    "²", "١", "١٢", "１", "-١", "٣٢", "+1", " 1", "1 ", "01", "1.0", "1e9", "1_0", "0x1", "NaN", "-0", "0", "-1",
    "2147483648", "9223372036854775808", BIG, "9" * 5000, "x" * 70_000, "<script>alert(1)</script>",
    "'; DROP TABLE ideas; --", "%00", "%FF", "\r\n", "../../etc/passwd", "a@b", "é@example.com",
    "2030-01-01T00:00", "9999-12-31T23:59", "٢٠٣٠-01-01T00:00",
])
ODD_ID = st.sampled_from(["1", "2", "3", "0", "-1", "1.0", BIG, "2147483648", "%D9%A1", "%EF%BC%91", "%C2%B2",
                          "%00", "%FF"])


def value(*valid: str):
    """A field's value: sometimes a valid one, mostly something hostile; text may hold lone surrogates."""
    hostile = st.one_of(ODD, st.text(max_size=40), st.binary(max_size=24),
                        st.integers(min_value=-2**70, max_value=2**70).map(str))
    return st.one_of(st.sampled_from(valid), hostile) if valid else hostile


@dataclass
class FormCase:
    name: str
    page: str  # where the form is; its CSRF token is taken from there
    action: str  # may hold {id}: filled with odd ids too
    fields: dict
    who: str = "member"
    files: dict = field(default_factory=dict)


def _png() -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (24, 16), (30, 160, 90)).save(out, "PNG")
    return out.getvalue()


PHOTO = st.sampled_from([b"", b"GIF89a", b"\x89PNG\r\n\x1a\n" + b"\x00" * 20, _png()])

CASES = [
    FormCase("signup", "/signup", "/signup", {"email": value("new@example.com"), "name": value("New Member"),
                                              "password": value("correct horse")}, who="visitor"),
    FormCase("login", "/login", "/login", {"email": value("member@example.com"), "password": value("wrong"),
                                           "remember": value("y")}, who="visitor"),
    FormCase("forgot", "/password/forgot", "/password/forgot", {"email": value("member@example.com")}, who="visitor"),
    FormCase("reset", "/password/forgot", "/password/reset/{token}", {"password": value("new password"),
                                                                      "confirm": value("new password")},
             who="visitor"),
    FormCase("new idea", "/ideas/new", "/ideas/new", {"title": value("A perfectly good title"),
                                                      "body": value("Why it helps"), "category": value("")}),
    FormCase("edit idea", "/ideas/1/edit", "/ideas/{id}/edit", {"title": value("An edited title"),
                                                                "body": value("Edited"), "category": value("")}),
    FormCase("comment", "/ideas/1", "/ideas/{id}/comments", {"body": value("Nice idea"), "parent_id": value("1", "")}),
    FormCase("vote", "/ideas/2", "/ideas/{id}/vote", {"value": value("1", "-1"), "next": value("/ideas/2")}),
    FormCase("follow", "/ideas/2", "/ideas/{id}/follow", {"follow": value("1", "0")}),
    FormCase("flag idea", "/ideas/2", "/ideas/{id}/flags", {"reason": value("Spam")}),
    FormCase("flag comment", "/ideas/1", "/comments/{id}/flags", {"reason": value("Rude")}),
    FormCase("entry vote", "/entries/1", "/entries/{id}/vote", {"action": value("vote", "unvote")}),
    FormCase("contest entry", "/contests/1/enter", "/contests/{id}/enter",
             {"caption": value("My photo"), "accept_rules": value("y"), "full_name": value("A Name"),
              "phone": value("+44 1234"), "postal_address": value("1 Road"), "marketing_consent": value("y")},
             files={"photo": PHOTO}),
    FormCase("status", "/ideas/3", "/ideas/{id}/status", {"status": value("planned", "under-review"),
                                                          "note": value("Because")}, who="staff"),
    FormCase("merge", "/ideas/3", "/ideas/{id}/merge", {"into": value("2", "3")}, who="staff"),
    FormCase("post", "/ideas-in-action/new", "/ideas-in-action/new",
             {"title": value("We shipped it"), "body": value("Story"), "idea_ids": value("1, 2", "")},
             who="staff", files={"photo": PHOTO}),
    FormCase("contest", "/contests/new", "/contests/new",
             {"title": value("A contest"), "rules": value("Rules"), "prize": value(""),
              "opens_at": value("2030-01-01T00:00"), "entries_close_at": value("2030-01-02T00:00"),
              "closes_at": value("2030-01-03T00:00"), "max_entries_per_member": value("1"),
              "daily_vote_allowance": value(""), "moderated": value("y"), "winner_count": value("1"),
              "winner_method": value("votes", "judges", "sweepstakes"), "judge_weight": value("50")}, who="staff"),
    FormCase("contest edit", "/contests/1/edit", "/contests/{id}/edit",
             {"title": value("A contest"), "rules": value("Rules"), "opens_at": value("2030-01-01T00:00"),
              "entries_close_at": value("2030-01-02T00:00"), "closes_at": value("2030-01-03T00:00"),
              "max_entries_per_member": value("1"), "winner_count": value("1"), "judge_weight": value("50"),
              "winner_method": value("votes")}, who="staff"),
    FormCase("entry review", "/entries/1", "/entries/{id}/review", {"decision": value("approve", "reject"),
                                                                    "reason": value("")}, who="staff"),
    FormCase("entry score", "/entries/1", "/entries/{id}/score", {"score": value("5", "10")}, who="staff"),
    FormCase("category", "/staff/categories", "/staff/categories", {"name": value("Delivery")}, who="staff"),
    FormCase("category rename", "/staff/categories", "/staff/categories/{id}/rename", {"name": value("Shops")},
             who="staff"),
    FormCase("moderation decision", "/staff/moderation", "/staff/moderation/idea/{id}",
             {"decision": value("approve", "hide"), "note": value("")}, who="staff"),
    FormCase("ban", "/staff/moderation", "/staff/members/{id}/ban", {"reason": value("Spam")}, who="staff"),
    FormCase("unban", "/staff/moderation", "/staff/members/{id}/unban", {"note": value("")}, who="staff"),
    FormCase("guidelines", "/guidelines/edit", "/guidelines/edit", {"title": value("Guidelines"),
                                                                    "body": value("Be kind"),
                                                                    "summary": value("")}, who="staff"),
    FormCase("workflow status", "/staff/statuses", "/staff/statuses",
             {"name": value("Parked"), "colour": value("#123456"), "is_closed": value("y")}, who="staff"),
]


def _encode(text) -> bytes:
    return text if isinstance(text, bytes) else text.encode("utf-8", "surrogatepass")  # lone surrogates as sent


def _signed_in(base: str, email: str | None) -> requests.Session:
    session = requests.Session()
    if email:
        token = csrf_token_from(session.get(base + "/login", timeout=30).text)
        r = session.post(base + "/login", data={"email": email, "password": "correct horse", "csrf_token": token},
                         allow_redirects=False, timeout=30)
        assert r.status_code == 302, r.status_code
    return session


def _tracebacks(log_path) -> list[str]:
    text = log_path.read_text(errors="replace")
    return [m.group(0) for m in re.finditer(r"(?:unhandled error|Traceback)[\s\S]{0,3000}", text)]


def test_every_html_form_survives_hostile_input(live_server, make_user, tmp_path):
    admin, member = make_user("admin"), make_user()
    make_user()  # a member for the ban form to suspend
    for n, author in enumerate((member, member, admin)):
        make_idea(author, f"Idea number {n + 1} to fuzz")
    from ideas_portal.services import comments

    comments.add_comment(admin, 1, "A first comment")
    _contest_with_an_entry(admin, make_user())
    sessions = {"visitor": None, "member": member.email, "staff": admin.email}
    db.session.remove()
    sessions = {who: _signed_in(live_server, email) for who, email in sessions.items()}
    log = tmp_path / LIVE_SERVER_LOG
    statuses: dict[str, set[int]] = {}

    for case in CASES:
        session = sessions[case.who]
        page = session.get(live_server + case.page, timeout=30)
        assert page.status_code == 200, (case.name, page.status_code)
        token = csrf_token_from(page.text)
        seen = statuses.setdefault(case.name, set())

        @settings(max_examples=30, deadline=None, derandomize=True, database=None, print_blob=True,
                  phases=[Phase.explicit, Phase.generate, Phase.shrink],
                  suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
        @given(fields=st.fixed_dictionaries(case.fields), files=st.fixed_dictionaries(case.files),
               target=ODD_ID, token_in_path=value("abc"))
        def post(fields, files, target, token_in_path):
            path = case.action.format(id=target, token=requests.utils.quote(_encode(token_in_path)))
            data = {name: _encode(v) for name, v in fields.items()}
            data["csrf_token"] = token
            note(f"{case.name}: POST {path} {data!r}")
            r = session.post(live_server + path, data=data, allow_redirects=False, timeout=60,
                             files={name: ("photo.png", content, "image/png") for name, content in files.items()}
                             or None)
            seen.add(r.status_code)
            assert r.status_code < 500, (case.name, path, r.status_code, r.text[:500])

        post()
        assert not _tracebacks(log), (case.name, _tracebacks(log)[:2])

    reached = {name for name, codes in statuses.items() if codes & {200, 201, 302}}
    assert len(reached) >= len(CASES) * 2 // 3, statuses  # the fuzzer got past validation, not only to 400s


def _raw(base: str, method: bytes, path: bytes, headers: list[tuple[bytes, bytes]] = (), body: bytes = b"") -> int:
    """One request written byte for byte, so headers and paths can hold what no HTTP client library would send."""
    import socket

    host, port = base.removeprefix("http://").split(":")
    lines = [method + b" " + path + b" HTTP/1.1", b"Host: " + host.encode(), b"Connection: close",
             b"Content-Length: " + str(len(body)).encode(), *(name + b": " + value for name, value in headers)]
    with socket.create_connection((host, int(port)), timeout=60) as sock:
        sock.sendall(b"\r\n".join(lines) + b"\r\n\r\n" + body)
        answer = b""
        while chunk := sock.recv(65536):
            answer += chunk
    return int(answer.split(b" ", 2)[1])


def test_hostile_headers_cookies_paths_and_bodies_never_give_a_5xx(live_server, make_user, tmp_path):
    import base64
    import json
    import urllib.request

    make_idea(make_user(), "An idea to look at")
    email = make_user().email
    db.session.remove()
    req = urllib.request.Request(live_server + "/api/v1/tokens", method="POST",
                                 headers={"Content-Type": "application/json"},
                                 data=json.dumps({"email": email, "password": "correct horse"}).encode())
    token = json.loads(urllib.request.urlopen(req, timeout=30).read())["token"].encode()
    bearer, as_json = (b"Authorization", b"Bearer " + token), (b"Content-Type", b"application/json")
    nested = base64.urlsafe_b64encode(b"[" * 2500).rstrip(b"=")
    form = (b"Content-Type", b"application/x-www-form-urlencoded")
    probes = [
        (b"GET", b"/", [(b"Cookie", b"session=\xff\xfe; remember_token=1|\xff")]),
        (b"GET", b"/", [(b"Cookie", "remember_token=²|abc".encode())]),
        (b"GET", b"/", [(b"Cookie", b"remember_token=99999999999999999999999|abc")]),
        (b"GET", b"/", [(b"Accept-Language", b"\xff\xfe;q=abc")]),
        (b"GET", b"/", [(b"Accept", b"application/json;q=nan, text/html;q=inf")]),
        (b"GET", b"/ideas/1", [(b"If-None-Match", b'"\xff"'), (b"If-Modified-Since", b"\xff yesterday")]),
        (b"GET", b"/static/css/site.css", [(b"Range", b"bytes=\xff-99999999999999999999999")]),
        (b"GET", b"/api/v1/ideas", [(b"Authorization", b"Bearer \xff\xfe\xc3\xa9")]),
        (b"GET", b"/api/v1/ideas", [(b"Authorization", b"Basic \xff")]),
        (b"GET", b"/ideas?q=%FF%FE&sort=%00&cursor=%FF", []),
        (b"GET", b"/ideas?q=\xff", []),
        (b"GET", b"/ideas/%FF", []),
        (b"GET", b"/ideas/\xff", []),
        (b"GET", "/ideas/١".encode(), []),
        (b"GET", b"/ideas?sort=new&cursor=" + nested, []),
        (b"GET", b"/api/v1/ideas?limit=%C2%B2&cursor=" + nested, []),
        (b"GET", b"/api/v1/ideas?limit=" + b"9" * 3000, []),
        (b"GET", b"/login?next=%FF", []),
        (b"GET", b"/password/reset/%FF%FE", []),
        (b"POST", b"/api/v1/ideas", [bearer, as_json], b"[" * 100_000 + b"]" * 100_000),
        (b"POST", b"/api/v1/ideas", [bearer, as_json], b'{"title": "\\ud800 x", "body": "y"}'),
        (b"POST", b"/api/v1/ideas", [bearer, as_json], b'{"title": "\xff\xfe", "body": "y"}'),
        (b"POST", b"/api/v1/ideas", [bearer, (b"Content-Type", b"application/json; charset=bogus")], b"{}"),
        (b"POST", b"/api/v1/ideas", [bearer, form], b'{"title": "a"}'),
        (b"PUT", b"/api/v1/ideas/1/vote", [bearer, as_json], b'{"value": 1.0}'),
        (b"PUT", b"/api/v1/ideas/1/vote", [bearer, as_json], b'{"value": NaN}'),
        (b"POST", b"/api/v1/contests/1/entries", [bearer, (b"Content-Type", b"multipart/form-data")], b"--x\r\n"),
        (b"POST", b"/api/v1/contests/1/entries", [bearer, (b"Content-Type", b"multipart/form-data; boundary=\xff")],
         b"--\xff\r\nContent-Disposition: form-data; name=\"caption\"\r\n\r\n\xff\r\n--\xff--\r\n"),
        (b"POST", b"/login", [(b"Content-Type", b"multipart/form-data; boundary=zz")], b"--zz\r\ngarbage"),
        (b"POST", b"/login", [form], b"email=\xff&password=\xfe%ED%A0%80"),
        (b"POST", b"/signup", [(b"Content-Type", b"text/plain")], b"email=a@b.c"),
    ]
    codes = {}
    for method, path, headers, *body in probes:
        codes[(method, path[:60])] = code = _raw(live_server, method, path, headers, *body)
        assert code < 500, (method, path[:80], headers, code)
    assert not _tracebacks(tmp_path / LIVE_SERVER_LOG), _tracebacks(tmp_path / LIVE_SERVER_LOG)[:2]
    assert codes[(b"PUT", b"/api/v1/ideas/1/vote")] == 400
