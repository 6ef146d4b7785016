"""Who may use each moderation route, and flags sent at the same moment hiding an item exactly once."""

import pytest
from sqlalchemy import func, select

from ideas_portal.extensions import db
from ideas_portal.models import AuditEntry, Comment, Flag, Idea
from ideas_portal.services import comments, moderation
from tests.functional.helpers import make_idea


# --- who may do what ----------------------------------------------------------------------------

HTML_ROUTES = [
    # method, path, form data, {role: expected status}
    ("GET", "/guidelines", None, {"anonymous": 200, "member": 200, "staff": 200, "admin": 200}),
    ("GET", "/guidelines/edit", None, {"anonymous": 302, "member": 403, "staff": 200, "admin": 200}),
    (
        "POST",
        "/guidelines/edit",
        {"title": "Rules", "body": "Be kind."},
        {"anonymous": 302, "member": 403, "staff": 302, "admin": 302},
    ),
    ("GET", "/staff/", None, {"anonymous": 302, "member": 403, "staff": 200, "admin": 200}),
    ("GET", "/staff/moderation", None, {"anonymous": 302, "member": 403, "staff": 200, "admin": 200}),
    (
        "POST",
        "/staff/moderation/idea/{idea}",
        {"decision": "hide"},
        {"anonymous": 302, "member": 403, "staff": 302, "admin": 302},
    ),
    (
        "POST",
        "/staff/moderation/comment/{comment}",
        {"decision": "approve"},
        {"anonymous": 302, "member": 403, "staff": 302, "admin": 302},
    ),
    (
        "POST",
        "/staff/members/{target}/ban",
        {"reason": "Spam"},
        {"anonymous": 302, "member": 403, "staff": 302, "admin": 302},
    ),
    ("POST", "/staff/members/{banned}/unban", {}, {"anonymous": 302, "member": 403, "staff": 302, "admin": 302}),
    ("GET", "/staff/suspended", None, {"anonymous": 302, "member": 403, "staff": 200, "admin": 200}),
    ("GET", "/staff/audit", None, {"anonymous": 302, "member": 403, "staff": 403, "admin": 200}),
    ("POST", "/ideas/{idea}/flags", {"reason": "Spam"}, {"anonymous": 302, "member": 302, "staff": 302, "admin": 302}),
    (
        "POST",
        "/comments/{comment}/flags",
        {"reason": "Spam"},
        {"anonymous": 302, "member": 302, "staff": 302, "admin": 302},
    ),
]
ROLES = ["anonymous", "member", "staff", "admin"]


@pytest.fixture
def world(make_user):
    idea = make_idea(make_user())
    comment = comments.add_comment(make_user(), idea.id, "A comment")
    banned = make_user()
    moderation.ban(make_user("staff"), banned.id, "Spam")
    return {"idea": idea.id, "comment": comment.id, "target": make_user().id, "banned": banned.id}


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("method, path, data, expected", HTML_ROUTES, ids=[f"{m} {p}" for m, p, _, _ in HTML_ROUTES])
def test_html_access(client, auth, make_user, world, role, method, path, data, expected):
    if role != "anonymous":
        auth.login(make_user(role).email)
    r = client.open(path.format(**world), method=method, data=data)
    assert r.status_code == expected[role]
    if role == "anonymous" and expected[role] == 302:
        assert "/login?next=" in r.headers["Location"]
    if role != "anonymous" and expected[role] == 302 and "flags" in path:
        assert db.session.scalar(select(func.count()).select_from(Flag)) == 1


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("path", ["/ideas/{idea}/flags", "/comments/{comment}/flags"])
def test_api_access(api, world, role, path):
    if role == "anonymous":
        api.anonymous()
    else:
        api.as_(role)
    r = api.post(path.format(**world), json={"reason": "Spam"})
    assert r.status_code == (401 if role == "anonymous" else 201), r.get_json()


# --- the race -----------------------------------------------------------------------------------


@pytest.mark.live
def test_members_flagging_at_once_hide_each_item_exactly_once(live_server, make_user):
    """Exactly as many flaggers as the threshold, all at once: each item must still be hidden, once."""
    from tests.functional.test_vote_race import _call, _parallel, _token

    ideas = [make_idea(make_user(), f"Idea to flag number {n}") for n in range(3)]
    items = [("ideas", i.id) for i in ideas] + [
        ("comments", comments.add_comment(make_user(), i.id, "Flag me").id) for i in ideas
    ]
    emails = [make_user().email for _ in range(3)]
    db.session.remove()  # our open SQLite transaction would block the server's writes
    tokens = [_token(live_server, e) for e in emails]
    calls = [(f"/api/v1/{kind}/{target_id}/flags", token) for kind, target_id in items for token in tokens]
    results = _parallel(len(calls), lambda i: _call(live_server, "POST", calls[i][0], calls[i][1], {"reason": "spam"}))
    assert [status for status, _ in results] == [201] * len(calls)
    hidden = [db.session.get(Idea if kind == "ideas" else Comment, target_id).hidden_at for kind, target_id in items]
    assert None not in hidden
    entries = sorted(
        tuple(row)
        for row in db.session.execute(
            select(AuditEntry.target_type, AuditEntry.target_id).where(AuditEntry.action == "auto_hide")
        ).all()
    )
    assert entries == sorted((kind[:-1], target_id) for kind, target_id in items)
    assert db.session.scalar(select(func.count()).select_from(Flag)) == len(calls)
