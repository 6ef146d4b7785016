"""Hypothesis fuzzes every HTML form against a real gunicorn: hostile field values and odd ids never give a 5xx,
and the server logs no traceback. Seeded (derandomized), so a CI run is the same run every time."""

from __future__ import annotations

import io
import re
from dataclasses import dataclass, field

import pytest
import requests
from hypothesis import HealthCheck, Phase, example, given, note, settings
from hypothesis import strategies as st

from ideas_portal.extensions import db
from tests.conftest import LIVE_SERVER_LOG, csrf_token_from
from tests.functional.helpers import make_idea
from tests.functional.test_fuzz import _contest_with_an_entry

pytestmark = pytest.mark.live

BIG = "99999999999999999999999"
ODD = st.sampled_from(
    [
        "",
        " ",
        "\x00",
        "a\x00b",
        "\ud800",
        "x\udfffy",
        "\udbff\udc00",
        "\x85",
        "\u202e",
        "\ufeff",
        "\uffff",
        "²",
        "١",
        "١٢",
        "１",
        "-١",
        "٣٢",
        "+1",
        " 1",
        "1 ",
        "01",
        "1.0",
        "1e9",
        "1_0",
        "0x1",
        "NaN",
        "-0",
        "0",
        "-1",
        "2147483648",
        "9223372036854775808",
        BIG,
        "9" * 5000,
        "x" * 70_000,
        "<script>alert(1)</script>",
        "'; DROP TABLE ideas; --",
        "%00",
        "%FF",
        "\r\n",
        "../../etc/passwd",
        "a@b",
        "é@example.com",
        "2030-01-01T00:00",
        "9999-12-31T23:59",
        "٢٠٣٠-01-01T00:00",
    ]
)
ODD_ID = st.sampled_from(
    ["1", "2", "3", "0", "-1", "1.0", BIG, "2147483648", "%D9%A1", "%EF%BC%91", "%C2%B2", "%00", "%FF"]
)
# Swept one at a time through every number field and every id in a path, before the generated examples.
NUMBER_SWEEP = ["²", "١", "１", "-١", BIG, "2147483648", "-1", "1.0", " 1", "+1", "\x00", "9" * 5000]
ID_SWEEP = [BIG, "2147483648", "18446744073709551616", "%D9%A1", "%EF%BC%91", "0", "%00"]
HOSTILE = st.one_of(
    ODD, st.text(max_size=40), st.binary(max_size=24), st.integers(min_value=-(2**70), max_value=2**70).map(str)
)


@dataclass
class Field:
    valid: tuple
    number: bool = False

    def strategy(self):
        """Sometimes a valid value, mostly something hostile; text may hold lone surrogates."""
        hostile = st.one_of(st.sampled_from(NUMBER_SWEEP), HOSTILE) if self.number else HOSTILE
        return st.one_of(st.sampled_from(self.valid), hostile)


def text(*valid: str) -> Field:
    return Field(valid or ("",))


def number(*valid: str) -> Field:
    return Field(valid, number=True)


@dataclass
class FormCase:
    name: str
    page: str  # where the form is; its CSRF token is taken from there
    action: str  # may hold {id}: swept and fuzzed with odd ids too
    fields: dict
    who: str = "member"
    files: dict = field(default_factory=dict)
    id: str = "1"


def _png() -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (24, 16), (30, 160, 90)).save(out, "PNG")
    return out.getvalue()


PNG = _png()
PHOTO = st.sampled_from([PNG, b"", b"GIF89a", b"\x89PNG\r\n\x1a\n" + b"\x00" * 20])
CONTEST = {
    "title": text("A contest"),
    "rules": text("Rules"),
    "prize": text(""),
    "opens_at": text("2030-01-01T00:00"),
    "entries_close_at": text("2030-01-02T00:00"),
    "closes_at": text("2030-01-03T00:00"),
    "max_entries_per_member": number("1"),
    "daily_vote_allowance": number("", "5"),
    "moderated": text("y"),
    "winner_count": number("1"),
    "winner_method": text("votes", "judges", "sweepstakes"),
    "judge_weight": number("50"),
}

CASES = [
    FormCase(
        "signup",
        "/signup",
        "/signup",
        {"email": text("new@example.com"), "name": text("New Member"), "password": text("correct horse")},
        who="visitor",
    ),
    FormCase(
        "login",
        "/login",
        "/login",
        {"email": text("member@example.com"), "password": text("wrong"), "remember": text("y")},
        who="visitor",
    ),
    FormCase("forgot", "/password/forgot", "/password/forgot", {"email": text("member@example.com")}, who="visitor"),
    FormCase(
        "reset",
        "/password/forgot",
        "/password/reset/{token}",
        {"password": text("new password"), "confirm": text("new password")},
        who="visitor",
    ),
    FormCase(
        "new idea",
        "/ideas/new",
        "/ideas/new",
        {"title": text("A perfectly good title"), "body": text("Why it helps"), "category": text("")},
    ),
    FormCase(
        "edit idea",
        "/ideas/1/edit",
        "/ideas/{id}/edit",
        {"title": text("An edited title"), "body": text("Edited"), "category": text("")},
    ),
    FormCase("comment", "/ideas/1", "/ideas/{id}/comments", {"body": text("Nice idea"), "parent_id": number("", "1")}),
    FormCase("vote", "/ideas/2", "/ideas/{id}/vote", {"value": number("1", "-1"), "next": text("/ideas/2")}, id="2"),
    FormCase("follow", "/ideas/2", "/ideas/{id}/follow", {"follow": text("1", "0")}, id="2"),
    FormCase("flag idea", "/ideas/2", "/ideas/{id}/flags", {"reason": text("Spam")}, id="2"),
    FormCase("flag comment", "/ideas/1", "/comments/{id}/flags", {"reason": text("Rude")}),
    FormCase("comment edit", "/comments/1/edit", "/comments/{id}/edit", {"body": text("Fixed a typo")}, who="staff"),
    FormCase("entry vote", "/entries/1", "/entries/{id}/vote", {"action": text("vote", "unvote")}),
    FormCase(
        "contest entry",
        "/contests/1/enter",
        "/contests/{id}/enter",
        {
            "caption": text("My photo"),
            "accept_rules": text("y"),
            "full_name": text("A Name"),
            "phone": text("+44 1234"),
            "postal_address": text("1 Road"),
            "marketing_consent": text("y"),
        },
        files={"photo": PHOTO},
    ),
    FormCase(
        "status",
        "/ideas/3",
        "/ideas/{id}/status",
        {"status": text("planned", "under-review"), "note": text("Because")},
        who="staff",
        id="3",
    ),
    FormCase("merge", "/ideas/3", "/ideas/{id}/merge", {"into": number("2", "3")}, who="staff", id="3"),
    FormCase(
        "post",
        "/ideas-in-action/new",
        "/ideas-in-action/new",
        {"title": text("We shipped it"), "body": text("Story"), "idea_ids": number("1, 2", "")},
        who="staff",
        files={"photo": PHOTO},
    ),
    FormCase("contest", "/contests/new", "/contests/new", CONTEST, who="staff"),
    FormCase("contest edit", "/contests/1/edit", "/contests/{id}/edit", CONTEST, who="staff"),
    FormCase(
        "entry review",
        "/entries/1",
        "/entries/{id}/review",
        {"decision": text("approve", "reject"), "reason": text("")},
        who="staff",
    ),
    FormCase("entry score", "/entries/1", "/entries/{id}/score", {"score": number("5", "10")}, who="staff"),
    FormCase("category", "/staff/categories", "/staff/categories", {"name": text("Delivery")}, who="staff"),
    FormCase(
        "category rename", "/staff/categories", "/staff/categories/{id}/rename", {"name": text("Shops")}, who="staff"
    ),
    FormCase(
        "moderation decision",
        "/staff/moderation",
        "/staff/moderation/idea/{id}",
        {"decision": text("approve", "hide"), "note": text("")},
        who="staff",
    ),
    FormCase("ban", "/staff/moderation", "/staff/members/{id}/ban", {"reason": text("Spam")}, who="staff", id="3"),
    FormCase("unban", "/staff/moderation", "/staff/members/{id}/unban", {"note": text("")}, who="staff", id="3"),
    FormCase(
        "guidelines",
        "/guidelines/edit",
        "/guidelines/edit",
        {"title": text("Guidelines"), "body": text("Be kind"), "summary": text("")},
        who="staff",
    ),
    FormCase("profile", "/settings", "/settings/profile", {"name": text("A Member"), "bio": text("About me")}),
    FormCase("avatar", "/settings", "/settings/avatar", {}, files={"avatar": PHOTO}),
    FormCase("consent", "/settings", "/settings/consent", {"marketing_consent": text("y", "")}),
    FormCase(
        "email change",
        "/settings",
        "/settings/email",
        {"email": text("moved@example.com"), "password": text("correct horse", "wrong horse")},
    ),
    FormCase("email confirm", "/password/forgot", "/settings/email/confirm/{token}", {}, who="visitor"),
    FormCase(
        "password change",
        "/settings",
        "/settings/password",
        {"current_password": text("correct horse", "wrong horse"), "new_password": text("a new secret")},
    ),
    # Never the right password: the member deleted would sign no later case in.
    FormCase(
        "account deletion", "/settings", "/settings/delete", {"password": text("wrong horse"), "confirm": text("y", "")}
    ),
    FormCase(
        "workflow status",
        "/staff/statuses",
        "/staff/statuses",
        {"name": text("Parked"), "colour": text("#123456"), "is_closed": text("y")},
        who="staff",
    ),
]


def _sweep(case: FormCase) -> list[tuple[dict, str]]:
    """The valid form, then each number field and the path id replaced, one at a time, by a hostile number."""
    valid = {name: f.valid[0] for name, f in case.fields.items()}
    runs = [(valid, case.id)]
    runs += [({**valid, name: bad}, case.id) for name, f in case.fields.items() if f.number for bad in NUMBER_SWEEP]
    if "{id}" in case.action:
        runs += [(valid, bad) for bad in ID_SWEEP]
    return runs


def _encode(text) -> bytes:
    return text if isinstance(text, bytes) else text.encode("utf-8", "surrogatepass")  # lone surrogates as sent


def _signed_in(base: str, email: str | None) -> requests.Session:
    session = requests.Session()
    if email:
        token = csrf_token_from(session.get(base + "/login", timeout=30).text)
        r = session.post(
            base + "/login",
            data={"email": email, "password": "correct horse", "csrf_token": token},
            allow_redirects=False,
            timeout=30,
        )
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

        @settings(
            max_examples=20,
            deadline=None,
            derandomize=True,
            database=None,
            print_blob=True,
            phases=[Phase.explicit, Phase.generate, Phase.shrink],
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
        )
        @given(
            fields=st.fixed_dictionaries({name: f.strategy() for name, f in case.fields.items()}),
            files=st.fixed_dictionaries(case.files),
            target=st.one_of(st.just(case.id), ODD_ID),
            token_in_path=text("abc").strategy(),
        )
        def post(fields, files, target, token_in_path):
            path = case.action.format(id=target, token=requests.utils.quote(_encode(token_in_path)))
            data = {name: _encode(v) for name, v in fields.items()}
            data["csrf_token"] = token
            note(f"{case.name}: POST {path[:200]} " + repr({k: v[:200] for k, v in data.items()}))
            r = session.post(
                live_server + path,
                data=data,
                allow_redirects=False,
                timeout=60,
                files={name: ("photo.png", content, "image/png") for name, content in files.items()} or None,
            )
            seen.add(r.status_code)
            assert r.status_code < 500, (case.name, path, r.status_code, r.text[:500])

        for fields, target in _sweep(case):
            post = example(fields=fields, files={name: PNG for name in case.files}, target=target, token_in_path="abc")(
                post
            )
        post()
        assert not _tracebacks(log), (case.name, _tracebacks(log)[:2])

    reached = {name for name, codes in statuses.items() if codes & {200, 201, 302}}
    assert len(reached) >= len(CASES) * 2 // 3, statuses  # the fuzzer got past validation, not only to 400s


def _raw(base: str, method: bytes, path: bytes, headers: list[tuple[bytes, bytes]] = (), body: bytes = b"") -> int:
    """One request written byte for byte, so headers and paths can hold what no HTTP client library would send."""
    import socket

    host, port = base.removeprefix("http://").split(":")
    lines = [
        method + b" " + path + b" HTTP/1.1",
        b"Host: " + host.encode(),
        b"Connection: close",
        b"Content-Length: " + str(len(body)).encode(),
        *(name + b": " + value for name, value in headers),
    ]
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
    req = urllib.request.Request(
        live_server + "/api/v1/tokens",
        method="POST",
        headers={"Content-Type": "application/json"},
        data=json.dumps({"email": email, "password": "correct horse"}).encode(),
    )
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
        (
            b"POST",
            b"/api/v1/contests/1/entries",
            [bearer, (b"Content-Type", b"multipart/form-data; boundary=\xff")],
            b'--\xff\r\nContent-Disposition: form-data; name="caption"\r\n\r\n\xff\r\n--\xff--\r\n',
        ),
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
