"""Every route of the URL map × visitor / member / staff / admin: allowed or refused as ACCESS declares.

The routes come from `app.url_map`, not from a list kept by hand, so a new route that nobody declared here fails
the test: a route cannot be added without saying who may use it (and then being held to it).
"""

from __future__ import annotations

import itertools
import json
import re
from dataclasses import dataclass, field
from datetime import timedelta

import pytest
from sqlalchemy import select
from werkzeug.security import generate_password_hash

from ideas_portal import create_app
from ideas_portal.extensions import db
from ideas_portal.models import (
    ApiToken,
    Category,
    Contest,
    ContestEntrant,
    ContestEntry,
    StatusChange,
    User,
    Webhook,
    WebhookDelivery,
)
from ideas_portal.models.types import utcnow
from ideas_portal.services import api_tokens, comments, status_catalog, webhooks
from ideas_portal.services.polls import polls
from tests.conftest import AuthActions
from tests.functional.helpers import make_idea

ROLES = ("visitor", "member", "staff", "admin")
# The first role each level lets in; "author" lets in none of them (only the object's own author, who is not one).
FIRST_ALLOWED = {"public": 0, "member": 1, "staff": 2, "admin": 3, "author": len(ROLES)}


@dataclass(frozen=True)
class Access:
    level: str
    body: dict = field(default_factory=dict)  # form fields (HTML) or JSON (API) that get past input checks


def _a(level: str, **body) -> Access:
    assert level in FIRST_ALLOWED, level
    return Access(level, body)


PUBLIC, MEMBER, STAFF, ADMIN, AUTHOR = (_a(level) for level in ("public", "member", "staff", "admin", "author"))
FLAG = _a("member", reason="Spam")
MERGE = _a("staff", into="<into>")  # the other idea's id, filled in from the world

# "METHOD /path" (converters dropped) -> who may use it. A route missing here fails test_every_route_is_declared.
ACCESS: dict[str, Access] = {
    "GET /static/<filename>": PUBLIC,
    "GET /media/<key>": PUBLIC,
    # Sign-up, sign-in, account
    "GET /signup": PUBLIC,
    "POST /signup": PUBLIC,
    "GET /signup/sent": PUBLIC,
    "GET /verify/<token>": PUBLIC,  # the mailed link is the proof: no sign-in
    "POST /settings/verification/resend": MEMBER,
    "GET /login": PUBLIC,
    "POST /login": PUBLIC,
    "POST /logout": MEMBER,
    "GET /password/forgot": PUBLIC,
    "POST /password/forgot": PUBLIC,
    "GET /password/reset/<token>": PUBLIC,
    "POST /password/reset/<token>": PUBLIC,
    "GET /settings": MEMBER,
    "POST /settings/sign-out-everywhere": MEMBER,
    "POST /settings/tokens/<id>/revoke": MEMBER,
    "POST /settings/profile": _a("member", name="Renamed Member", bio="Hello."),
    "POST /settings/avatar": MEMBER,
    "POST /settings/avatar/remove": MEMBER,
    "POST /settings/password": MEMBER,
    "POST /settings/email": MEMBER,
    "GET /settings/email/confirm/<token>": PUBLIC,  # the mailed link is the proof: no sign-in needed
    "POST /settings/email/confirm/<token>": PUBLIC,
    "POST /settings/consent": MEMBER,
    "GET /settings/votes": MEMBER,
    "GET /settings/entries": MEMBER,
    "POST /settings/notifications": MEMBER,
    "GET /unsubscribe/<token>": PUBLIC,  # the signed link is the proof: no sign-in
    "POST /unsubscribe/<token>": PUBLIC,
    "GET /settings/export": MEMBER,
    "POST /settings/delete": _a("member", password="correct horse", confirm="y"),  # the only admin: 409
    "GET /goodbye": PUBLIC,  # shown once after a deletion, else a redirect home
    "GET /users/<id>": PUBLIC,
    "POST /users/<id>/star-member": _a("staff", note="Always helpful."),  # the admin after the staff: 409
    "POST /users/<id>/star-member/remove": STAFF,  # 404 while they hold no star
    "GET /badges": PUBLIC,
    "GET /leaderboard": PUBLIC,
    # Ideas
    "GET /": PUBLIC,
    "GET /ideas": PUBLIC,
    "GET /ideas/<id>": PUBLIC,
    "GET /ideas/new": MEMBER,
    "POST /ideas/new": MEMBER,
    "GET /ideas/<id>/edit": AUTHOR,
    "POST /ideas/<id>/edit": AUTHOR,
    "POST /ideas/<id>/withdraw": AUTHOR,
    "POST /ideas/<id>/vote": _a("member", value="1"),
    "POST /ideas/<id>/comments": _a("member", body="Me too."),
    "POST /comments/<id>/official": STAFF,
    "GET /comments/<id>/edit": AUTHOR,  # its author, within the edit window: staff do not edit others' words
    "POST /comments/<id>/edit": _a("author", body="Fixed."),
    "POST /comments/<id>/delete": STAFF,  # its author or staff
    "GET /users/suggest": MEMBER,  # the @mention autocomplete
    "POST /ideas/<id>/flags": FLAG,
    "POST /comments/<id>/flags": FLAG,
    # Status, merges, following, the feed
    "POST /ideas/<id>/status": _a("staff", status="under-review"),
    "GET /ideas/<id>/merge": STAFF,
    "POST /ideas/<id>/merge": MERGE,
    "POST /ideas/<id>/unmerge": STAFF,
    "POST /ideas/<id>/follow": MEMBER,
    "GET /notifications": MEMBER,
    "POST /notifications/read": MEMBER,
    "GET /feed.atom": PUBLIC,
    "GET /ideas/<id>/feed.atom": PUBLIC,
    "GET /roadmap": PUBLIC,
    "GET /ideas-in-action": PUBLIC,
    "GET /ideas-in-action/new": STAFF,
    "POST /ideas-in-action/new": STAFF,
    # Contests
    "GET /contests": PUBLIC,
    "GET /contests/<id>": PUBLIC,
    "GET /entries/<id>": PUBLIC,
    "GET /contests/<id>/enter": MEMBER,
    "POST /contests/<id>/enter": MEMBER,
    "POST /entries/<id>/vote": MEMBER,
    "GET /contests/new": STAFF,
    "POST /contests/new": STAFF,
    "GET /contests/<id>/edit": STAFF,
    "POST /contests/<id>/edit": STAFF,
    "GET /contests/review": STAFF,
    "GET /contests/<id>/review": STAFF,
    "POST /entries/<id>/review": _a("staff", decision="approve"),
    "POST /entries/<id>/score": _a("staff", score="5"),
    "POST /contests/<id>/close": STAFF,
    "GET /contests/<id>/entrants.csv": STAFF,
    # Polls
    "GET /polls": PUBLIC,
    "GET /polls/<id>": PUBLIC,
    "POST /polls/<id>/answer": _a("member", options="<option_id>"),
    "GET /polls/new": STAFF,
    "POST /polls/new": _a("staff", question="Which day?", options="Monday\nFriday", results_shown="after_vote"),
    "POST /polls/<id>/close": STAFF,  # closing again is harmless
    # Moderation
    "GET /guidelines": PUBLIC,
    "GET /guidelines/edit": STAFF,
    "POST /guidelines/edit": STAFF,
    "GET /staff/moderation": STAFF,
    "POST /staff/moderation/<target_type>/<id>": _a("staff", decision="hide"),
    "POST /staff/members/<id>/ban": _a("staff", reason="Spam"),
    "POST /staff/members/<id>/unban": STAFF,
    "GET /staff/suspended": STAFF,
    "GET /staff/audit": ADMIN,
    # Staff pages
    "GET /staff/": STAFF,
    "GET /staff/unanswered": STAFF,
    "GET /staff/dashboard": STAFF,
    "GET /staff/dashboard/<chart>.csv": STAFF,
    "GET /staff/categories": STAFF,
    "POST /staff/categories": _a("staff", name="Transport"),
    "POST /staff/categories/<id>/rename": _a("staff", name="Travel"),
    "POST /staff/categories/<id>/delete": STAFF,
    "GET /staff/statuses": ADMIN,
    "POST /staff/statuses": ADMIN,
    "POST /staff/statuses/<id>": ADMIN,
    "POST /staff/statuses/<id>/move": ADMIN,
    "GET /staff/webhooks": ADMIN,
    "POST /staff/webhooks": ADMIN,
    "POST /staff/webhooks/<id>/activate": ADMIN,
    "POST /staff/webhooks/<id>/deactivate": ADMIN,
    "POST /staff/webhooks/<id>/delete": ADMIN,
    "GET /staff/webhooks/<id>/deliveries": ADMIN,
    "POST /staff/webhooks/deliveries/<id>/redeliver": ADMIN,
    # JSON API v1 (CONTRACT.md's "who" column)
    "GET /api/v1/openapi.json": PUBLIC,
    "POST /api/v1/tokens": PUBLIC,
    "GET /api/v1/tokens": MEMBER,
    "DELETE /api/v1/tokens/<id>": MEMBER,
    "GET /api/v1/me": MEMBER,
    "PATCH /api/v1/me": _a("member", bio="Hello."),
    "GET /api/v1/me/export": MEMBER,
    "DELETE /api/v1/me": _a("member", password="correct horse"),  # the only admin: 409
    "GET /api/v1/users/<id>": PUBLIC,
    "POST /api/v1/users/<id>/badges": _a("staff", slug="star-member", note="Always helpful."),
    "DELETE /api/v1/users/<id>/badges/star-member": STAFF,
    "GET /api/v1/leaderboard": PUBLIC,
    "GET /api/v1/ideas": PUBLIC,
    "GET /api/v1/ideas/similar": PUBLIC,
    "GET /api/v1/ideas/<id>": PUBLIC,
    "POST /api/v1/ideas": MEMBER,
    "PUT /api/v1/ideas/<id>/vote": _a("member", value=1),
    "DELETE /api/v1/ideas/<id>/vote": MEMBER,
    "GET /api/v1/ideas/<id>/comments": PUBLIC,
    "POST /api/v1/ideas/<id>/comments": _a("member", body="+1"),
    "GET /api/v1/statuses": PUBLIC,
    "GET /api/v1/categories": PUBLIC,
    "POST /api/v1/ideas/<id>/status": _a("staff", status="under-review"),
    "POST /api/v1/ideas/<id>/merge": MERGE,
    "POST /api/v1/ideas/<id>/unmerge": STAFF,
    "PUT /api/v1/ideas/<id>/follow": MEMBER,
    "DELETE /api/v1/ideas/<id>/follow": MEMBER,
    "POST /api/v1/ideas/<id>/flags": FLAG,
    "POST /api/v1/comments/<id>/flags": FLAG,
    "PATCH /api/v1/comments/<id>": _a("author", body="Fixed."),
    "DELETE /api/v1/comments/<id>": STAFF,  # its author or staff
    "GET /api/v1/feed": PUBLIC,
    "GET /api/v1/stats": STAFF,
    "GET /api/v1/notifications": MEMBER,
    "POST /api/v1/notifications/read": MEMBER,
    "GET /api/v1/contests": PUBLIC,
    "POST /api/v1/contests": STAFF,
    "GET /api/v1/contests/<id>": PUBLIC,
    "PATCH /api/v1/contests/<id>": _a("staff", title="Renamed"),
    "POST /api/v1/contests/<id>/close": STAFF,
    "GET /api/v1/contests/<id>/entries": PUBLIC,
    "POST /api/v1/contests/<id>/entries": MEMBER,
    "GET /api/v1/entries/<id>": PUBLIC,
    "POST /api/v1/entries/<id>/review": _a("staff", decision="approve"),
    "PUT /api/v1/entries/<id>/score": _a("staff", score=5),
    "PUT /api/v1/entries/<id>/vote": MEMBER,
    "DELETE /api/v1/entries/<id>/vote": MEMBER,
    "GET /api/v1/polls": PUBLIC,
    "POST /api/v1/polls": _a("staff", question="Which day suits you?", options=["Monday", "Friday"]),
    "GET /api/v1/polls/<id>": PUBLIC,
    "PUT /api/v1/polls/<id>/answer": _a("member", options=["<option_id>"]),
    "POST /api/v1/polls/<id>/close": STAFF,
}


PARAM = re.compile(r"<(?:([^:<>]+):)?([^<>]+)>")  # <int:idea_id>: converter "int", name "idea_id"
# What the number after each path segment names: /ideas/<id> is an idea, /staff/members/<id> a member...
NUMBERED = {
    "ideas": "idea_id",
    "comments": "comment_id",
    "contests": "contest_id",
    "entries": "entry_id",
    "tokens": "token_id",
    "categories": "category_id",
    "statuses": "status_id",
    "webhooks": "webhook_id",
    "deliveries": "delivery_id",
    "members": "user_id",
    "users": "user_id",
    "polls": "poll_id",
}


def _key(method: str, rule: str) -> str:
    """Numbers are <id> whatever the view calls them, so renaming a view argument changes no key."""
    return f"{method} {PARAM.sub(lambda m: '<id>' if m.group(1) == 'int' else f'<{m.group(2)}>', rule)}"


def _routes() -> list[tuple[str, str]]:
    """(key, rule) for every method of every rule; the app is built once here only to read its URL map."""
    app = create_app({"TESTING": True, "SECRET_KEY": "x", "SQLALCHEMY_DATABASE_URI": "sqlite://"})
    found = {(_key(m, r.rule), r.rule) for r in app.url_map.iter_rules() for m in r.methods - {"HEAD", "OPTIONS"}}
    return sorted(found)


ROUTES = _routes()


def test_every_route_is_declared():
    """A new route fails here until ACCESS says who may use it; a route that went away is dropped from ACCESS."""
    keys = {key for key, _ in ROUTES}
    assert sorted(keys - ACCESS.keys()) == [], "routes nobody declared: add each to ACCESS with who may use it"
    assert sorted(ACCESS.keys() - keys) == [], "ACCESS names routes that no longer exist"


PASSWORD = "correct horse"
# Sign-in checks this hash as it checks any: one round, so ~500 real sign-ins take no minutes.
QUICK_HASH = generate_password_hash(PASSWORD, "pbkdf2:sha256:1")


@pytest.fixture
def make_user(app):
    """conftest's make_user, but with a one-round password hash (the same sign-in form checks it)."""
    counter = itertools.count(1)

    def make(role="member"):
        n = next(counter)
        user = User(email=f"{role}{n}@example.com", name=f"{role.title()} {n}", role=role, password_hash=QUICK_HASH)
        db.session.add(user)
        db.session.commit()
        return user

    return make


@pytest.fixture
def world(app, make_user):
    """One of everything a URL can name, none of it by the users who make the requests."""
    author, entrant = make_user(), make_user()
    idea, other = make_idea(author), make_idea(author, "Plant trees along the ring road")
    comment = comments.add_comment(author, idea.id, "A first comment")
    api_tokens.issue(author)
    now = utcnow()
    contest = Contest(
        title="Autumn light",
        rules="Your own photo.",
        rules_html="<p>Your own photo.</p>",
        opens_at=now - timedelta(hours=1),
        entries_close_at=now + timedelta(days=1),
        closes_at=now + timedelta(days=2),
        draw_seed="0" * 64,
        moderated=False,
    )
    category = Category(slug="parking", name="Parking")
    change = StatusChange(
        idea_id=idea.id,
        from_status_id=idea.status_id,
        to_status_id=status_catalog.find_status("under-review").id,
        note="Looking",
        note_html="<p>Looking</p>",
    )
    hook = Webhook(url="https://hooks.example.com/ideas", secret="s" * 32)
    db.session.add_all([contest, category, change, hook])
    db.session.flush()
    db.session.add(ContestEntrant(contest_id=contest.id, user_id=entrant.id))
    entry = ContestEntry(
        contest_id=contest.id,
        user_id=entrant.id,
        caption="Leaves",
        state="approved",
        original_key="originals/none.jpg",
        width=800,
        height=600,
    )
    delivery = WebhookDelivery(
        webhook_id=hook.id, status_change_id=change.id, payload=json.dumps(webhooks.payload(change))
    )
    db.session.add_all([entry, delivery])
    db.session.commit()
    poll = polls.create(make_user("staff"), polls.PollInput(question="Which day suits you?", options=["Mon", "Fri"]))
    return {
        "idea_id": idea.id,
        "comment_id": comment.id,
        "contest_id": contest.id,
        "entry_id": entry.id,
        "category_id": category.id,
        "status_id": idea.status_id,
        "webhook_id": hook.id,
        "delivery_id": delivery.id,
        "user_id": make_user().id,
        "target_type": "idea",
        "target_id": other.id,
        "into": other.id,
        "token_id": db.session.scalar(select(ApiToken.id).where(ApiToken.user_id == author.id)),
        "token": "no-such-reset-link",
        "key": "originals/none.jpg",
        "filename": "css/site.css",
        "chart": "activity",
        "poll_id": poll.id,
        "option_id": poll.options[0].id,
    }


def _path(rule: str, world: dict) -> str:
    """Each <id> gets the world's object of the kind the segment before it names; other arguments by name."""
    parts = rule.split("/")
    filled = []
    for before, part in zip([""] + parts, parts):
        match = PARAM.fullmatch(part)
        if match and match.group(1) == "int":
            part = str(world["target_id" if PARAM.fullmatch(before) else NUMBERED[before]])
        elif match:
            part = str(world[match.group(2)])
        filled.append(part)
    return "/".join(filled)


def _fill(value, world: dict):
    """A body value "<into>" is the world's id itself (a number in JSON), anything else stays as written."""
    if isinstance(value, list):
        return [_fill(v, world) for v in value]
    match = PARAM.fullmatch(value) if isinstance(value, str) else None
    return world[match.group(2)] if match else value


def _request(app, make_user, role: str, method: str, path: str, body: dict):
    client = app.test_client()
    user = None if role == "visitor" else make_user(role)
    if path.startswith("/api/"):
        headers = {"Authorization": f"Bearer {api_tokens.issue(user)}"} if user else {}
        response = client.open(path, method=method, json=body, headers=headers)
    else:
        if user:
            AuthActions(client).login(user.email, PASSWORD)
        response = client.open(path, method=method, data=body)
    response.get_data()  # a streamed body (the entrants CSV) holds its connection until it is read and closed
    response.close()
    return response


def _refused(role: str, path: str, response) -> bool:
    """A visitor is sent to sign in (401 on the API); a signed-in user who may not gets 403."""
    if role != "visitor":
        return response.status_code == 403
    if path.startswith("/api/"):
        return response.status_code == 401
    return response.status_code == 302 and "/login?next=" in response.headers["Location"]


@pytest.mark.parametrize("key, rule", ROUTES, ids=[key for key, _ in ROUTES])
def test_route_admits_exactly_the_declared_roles(app, make_user, world, key, rule):
    """Roles go in order, so those refused try before any allowed one has changed what the URL names."""
    access = ACCESS.get(key)
    if access is None:
        pytest.fail(f"{key} is not in ACCESS: declare who may use it")
    method = key.split(" ", 1)[0]
    path = _path(rule, world)
    body = {k: _fill(v, world) for k, v in access.body.items()}
    for n, role in enumerate(ROLES):
        response = _request(app, make_user, role, method, path, body)
        assert response.status_code < 500, (role, response.status_code, response.get_data(as_text=True)[:300])
        refused = _refused(role, path, response)
        if n < FIRST_ALLOWED[access.level]:
            assert refused, f"{role} should be refused {key} ({access.level}), got {response.status_code}"
        else:
            assert not refused and response.status_code not in (401, 403), (
                f"{role} should be allowed {key} ({access.level}), got {response.status_code} "
                f"{response.headers.get('Location', '')}"
            )
