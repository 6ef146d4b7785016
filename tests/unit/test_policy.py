"""The permission table answers as its rules say, and every name the code asks for is in it."""

from __future__ import annotations

import re
from pathlib import Path
from types import SimpleNamespace

import pytest

from ideas_portal import policy
from ideas_portal.services.exceptions import AuthenticationFailed, Banned, NotAllowed

ROOT = Path(__file__).resolve().parents[2]


def person(role: str = "member", uid: int = 1, banned: bool = False):
    return SimpleNamespace(
        id=uid,
        is_authenticated=True,
        is_staff=role in ("staff", "admin"),
        is_admin=role == "admin",
        banned_at="2026-01-01" if banned else None,
        ban_reason="Spam" if banned else None,
    )


IDEA = SimpleNamespace(author_id=1)
ENTRY = SimpleNamespace(user_id=1)


@pytest.mark.parametrize(
    "permission, who, obj, allowed",
    [
        ("moderation.review", person("member"), None, False),
        ("moderation.review", person("staff"), None, True),
        ("moderation.review", person("admin"), None, True),
        ("webhooks.manage", person("staff"), None, False),
        ("webhooks.manage", person("admin"), None, True),
        ("idea.edit", person("member", uid=1), IDEA, True),
        ("idea.edit", person("admin", uid=2), IDEA, False),
        ("entry.vote", person("member", uid=1), ENTRY, False),
        ("entry.vote", person("member", uid=2), ENTRY, True),
        ("entry.see_unapproved", person("member", uid=2), ENTRY, False),
        ("entry.see_unapproved", person("staff", uid=2), ENTRY, True),
        ("community.take_part", person("member"), None, True),
        ("community.take_part", person("member", banned=True), None, False),
    ],
)
def test_rules(permission, who, obj, allowed):
    assert policy.allows(who, permission, obj) is allowed


def test_visitors_are_never_allowed_and_are_asked_to_sign_in():
    visitor = SimpleNamespace(is_authenticated=False)
    assert not any(policy.allows(v, name, IDEA) for v in (None, visitor) for name in policy.PERMISSIONS)
    with pytest.raises(AuthenticationFailed):
        policy.require(visitor, "community.take_part")


def test_refusals_read_alike_and_a_suspension_names_its_reason():
    with pytest.raises(NotAllowed) as refused:
        policy.require(person("staff"), "audit.read")
    assert refused.value.message == "You are not allowed to read the audit log: only admins can."
    with pytest.raises(Banned) as banned:
        policy.require(person(banned=True), "community.take_part")
    assert banned.value.message == "Your account is suspended: Spam"


def test_every_permission_the_code_and_templates_ask_for_exists():
    asked = re.compile(r"""(?:require|requires|allows|can|require_user)\((?:[\w.]+, )?["']([a-z_]+\.[a-z_]+)["']""")
    sources = [*ROOT.joinpath("ideas_portal").rglob("*.py"), *ROOT.joinpath("templates").rglob("*.html")]
    names = {m.group(1) for path in sources for m in asked.finditer(path.read_text())}
    assert names, "the pattern finds the calls"
    assert sorted(names - policy.PERMISSIONS.keys()) == []
