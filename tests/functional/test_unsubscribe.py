"""One-click unsubscribe (RFC 8058): the link in a real delivered email works without signing in or a CSRF token,
turns off exactly what it names, and cannot be forged or pointed at someone else."""

import base64
import email
import email.policy
import json
from pathlib import Path

import pytest
from itsdangerous import URLSafeSerializer
from sqlalchemy import select, update

from ideas_portal.extensions import db
from ideas_portal.models import NOTIFICATION_KINDS, OutboundEmail, User
from ideas_portal.models.types import utcnow
from ideas_portal.services import mail, notifications, preferences, unsubscribe
from tests.functional.helpers import make_idea

SITE = "https://ideas.example.com"


@pytest.fixture
def csrf_on(app):
    """CSRF checks as in production, so a bare POST proves the exemption is real."""
    app.config["WTF_CSRF_ENABLED"] = True
    yield
    app.config["WTF_CSRF_ENABLED"] = False


@pytest.fixture
def bare(app):
    """A mail client: no cookies, no session, no CSRF token."""
    return app.test_client()


def path_of(link: str) -> str:
    return "/" + link.split("://", 1)[1].split("/", 1)[1]


def delivered_notice(app, make_user, kind="reply") -> tuple[int, str]:
    """A member, and the List-Unsubscribe link of a notice email really written by the file mail backend."""
    app.config["SITE_URL"] = SITE
    try:
        member = make_user()
        idea = make_idea(make_user(), "Water fountains")
        notifications.notify(
            member.id, choice=kind, kind=kind, body="A reply to you.", subject="New reply", idea_id=idea.id
        )
        db.session.commit()
        row = db.session.scalar(select(OutboundEmail).where(OutboundEmail.to == member.email))
        assert mail.deliver(row.id) is True
    finally:
        app.config.pop("SITE_URL")
    [eml] = Path(app.config["MAIL_DIR"]).glob("*.eml")
    raw = eml.read_bytes()
    message = email.message_from_bytes(raw, policy=email.policy.default)
    assert message["To"] == member.email
    # As mail clients read it: one plain line each, not folded, not RFC 2047-encoded.
    assert f"\nList-Unsubscribe: {message['List-Unsubscribe']}\n".encode() in raw
    assert b"\nList-Unsubscribe-Post: List-Unsubscribe=One-Click\n" in raw
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    header = message["List-Unsubscribe"]
    assert header.startswith(f"<{SITE}/unsubscribe/") and header.endswith(">")
    link = header[1:-1]
    assert f"Unsubscribe with one click: {link}" in message.get_content()
    return member.id, link


def email_switches(user_id: int) -> dict[str, bool]:
    return {kind: channels["email"] for kind, channels in preferences.settings_of(user_id).items()}


def test_one_click_post_without_cookies_or_csrf_turns_off_exactly_that_kinds_email(app, bare, make_user, csrf_on):
    member_id, link = delivered_notice(app, make_user, "reply")
    before = preferences.settings_of(member_id)
    r = bare.post(path_of(link), data={"List-Unsubscribe": "One-Click"})
    assert r.status_code == 200
    assert "We will no longer email you about replies to your comments." in r.get_data(as_text=True)
    after = preferences.settings_of(member_id)
    assert after["reply"] == {"in_app": before["reply"]["in_app"], "email": False}
    assert {k: v for k, v in after.items() if k != "reply"} == {k: v for k, v in before.items() if k != "reply"}
    again = bare.post(path_of(link), data={"List-Unsubscribe": "One-Click"})
    assert again.status_code == 200 and preferences.settings_of(member_id) == after  # twice is fine


def test_a_notice_after_unsubscribing_is_not_emailed_but_still_shown_in_the_app(app, bare, make_user):
    member_id, link = delivered_notice(app, make_user, "mention")
    bare.post(path_of(link))
    email_address = db.session.get(User, member_id).email
    notifications.notify(member_id, choice="mention", kind="mention", body="Again", subject="Again")
    db.session.commit()
    assert len(db.session.scalars(select(OutboundEmail).where(OutboundEmail.to == email_address)).all()) == 1
    assert preferences.wanted(member_id, "mention") == (True, False)


def test_the_all_link_turns_every_kinds_email_off_and_nothing_else(bare, make_user, csrf_on):
    member = make_user()
    preferences.update(member.id, {"digest": {"email": True}, "reply": {"in_app": False}})
    db.session.commit()
    in_app_before = {k: v["in_app"] for k, v in preferences.settings_of(member.id).items()}
    r = bare.post(path_of(unsubscribe.url(member.id, unsubscribe.ALL)))
    assert r.status_code == 200 and "any kind of notice" in r.get_data(as_text=True)
    assert email_switches(member.id) == {kind: False for kind in NOTIFICATION_KINDS}
    assert {k: v["in_app"] for k, v in preferences.settings_of(member.id).items()} == in_app_before
    assert bare.post(path_of(unsubscribe.url(member.id, unsubscribe.ALL))).status_code == 200


def test_get_only_shows_what_the_link_would_do(bare, make_user):
    member = make_user()
    before = preferences.settings_of(member.id)
    r = bare.get(path_of(unsubscribe.url(member.id, "status_change")))
    html = r.get_data(as_text=True)
    assert r.status_code == 200 and "Stop emails about status changes of ideas you follow?" in html
    assert '<form method="post"' in html and "<button" in html  # works without JS: a plain form posts back
    assert preferences.settings_of(member.id) == before


def test_the_page_form_posts_and_works(bare, make_user):
    member = make_user()
    link = path_of(unsubscribe.url(member.id, "official_answer"))
    r = bare.post(link, data={"csrf_token": "whatever a stale page carried"})
    assert r.status_code == 200 and preferences.wanted(member.id, "official_answer") == (True, False)


def _parts(token: str) -> tuple[list, str]:
    payload, signature = token.rsplit(".", 1)
    return json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4))), signature


def _encode(value) -> str:
    return base64.urlsafe_b64encode(json.dumps(value, separators=(",", ":")).encode()).decode().rstrip("=")


def test_forged_altered_or_foreign_tokens_are_a_400_page_and_change_nothing(app, bare, make_user, csrf_on):
    victim, attacker = make_user(), make_user()
    before = preferences.settings_of(victim.id)
    real = unsubscribe.token(attacker.id, "reply")
    payload, signature = _parts(real)
    assert payload == [attacker.id, "reply"]
    forged = [
        "not-a-token",
        real[:-2] + ("AA" if not real.endswith("AA") else "BB"),  # the signature altered
        f"{_encode([victim.id, 'reply'])}.{signature}",  # the attacker's signature on the victim's id
        f"{_encode([victim.id, 'all'])}.{signature}",
        URLSafeSerializer("some-other-secret", salt="unsubscribe").dumps([victim.id, "all"]),
        URLSafeSerializer(app.config["SECRET_KEY"], salt="another-purpose").dumps([victim.id, "all"]),
        unsubscribe._signer().dumps([victim.id, "no-such-kind"]),
        unsubscribe._signer().dumps([str(victim.id), "all"]),
        unsubscribe._signer().dumps({"user": victim.id}),
        "x" * 3000,
    ]
    for token in forged:
        for method in (bare.get, bare.post):
            r = method(f"/unsubscribe/{token}")
            assert r.status_code == 400, (token, method)
            assert r.mimetype == "text/html" and "This link does not work" in r.get_data(as_text=True)
    assert preferences.settings_of(victim.id) == before


def test_a_members_link_changes_that_member_only(bare, make_user):
    a, b = make_user(), make_user()
    bare.post(path_of(unsubscribe.url(a.id, unsubscribe.ALL)))
    assert not any(email_switches(a.id).values())
    assert email_switches(b.id) == {kind: preferences.DEFAULTS[kind][1] for kind in NOTIFICATION_KINDS}


def test_a_deleted_or_unknown_member_is_a_404(bare, make_user):
    gone = make_user()
    db.session.execute(update(User).where(User.id == gone.id).values(deleted_at=utcnow()))
    db.session.commit()
    for user_id in (gone.id, 987654):
        for method in (bare.get, bare.post):
            r = method(path_of(unsubscribe.url(user_id, "reply")))
            assert r.status_code == 404 and "no longer exists" in r.get_data(as_text=True)
    assert db.session.scalar(select(User).where(User.id == gone.id)) is not None


def test_mail_that_is_not_a_notice_carries_the_all_link_of_its_account(client, make_user):
    member = make_user()
    assert client.post("/password/forgot", data={"email": member.email}).status_code == 302
    assert client.post("/signup", data={"email": member.email, "name": "Again", "password": "another pw 1"}).status_code
    assert client.post("/signup", data={"email": "new@example.com", "name": "Newcomer", "password": "correct horse"})
    mails = db.session.scalars(select(OutboundEmail).order_by(OutboundEmail.id)).all()
    assert len(mails) >= 3
    owners = {m.to: db.session.scalar(select(User).where(User.email == m.to)) for m in mails}
    for message in mails:
        assert message.unsubscribe_url, message.subject
        assert unsubscribe.read(path_of(message.unsubscribe_url).rsplit("/", 1)[1]) == (owners[message.to], "all")
    assert mail.deliver(mails[0].id)
    [eml] = Path(client.application.config["MAIL_DIR"]).glob("*.eml")
    sent = email.message_from_bytes(eml.read_bytes(), policy=email.policy.default)
    assert sent["List-Unsubscribe"] == f"<{mails[0].unsubscribe_url}>"
    assert (
        "Choose what we tell you: http://" in sent.get_content()
        and "/settings#notifications-heading" in sent.get_content()
    )
