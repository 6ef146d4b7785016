"""The member's settings through HTTP: profile and bio, avatar (cleaned, thumbnailed by a real worker), password,
a change of address confirmed from the new one, and the member's own votes and entries."""

from __future__ import annotations

import io
import re
from datetime import timedelta
from pathlib import Path

import pytest
from flask import current_app
from PIL import Image
from sqlalchemy import select, update

from ideas_portal.extensions import db
from ideas_portal.models import Contest, ContestEntry, EmailConfirmation, Idea, OutboundEmail, User, Vote
from ideas_portal.models.types import utcnow
from ideas_portal.services import api_tokens, profile, voting
from tests.conftest import AuthActions, run_worker_burst
from tests.functional.helpers import make_idea

PASSWORD = "correct horse"


def member(make_user, auth, **kw) -> User:
    user = make_user(**kw)
    auth.login(user.email)
    return user


def fresh_user(user_id: int) -> User:
    db.session.expire_all()
    return db.session.get(User, user_id)


def page(client, path="/settings") -> str:
    r = client.get(path)
    assert r.status_code == 200, r.status_code
    return r.get_data(as_text=True)


def mails_to(address: str) -> list[OutboundEmail]:
    return list(db.session.scalars(select(OutboundEmail).where(OutboundEmail.to == address).order_by(OutboundEmail.id)))


# --- profile -------------------------------------------------------------------------------------------------------


def test_member_changes_display_name_and_bio_and_settings_shows_them(client, auth, make_user):
    user = member(make_user, auth)
    r = client.post("/settings/profile", data={"name": "  Ada   Lovelace ", "bio": "Engines.\r\nAnd <b>poems</b>."})
    assert r.status_code == 302 and r.headers["Location"].endswith("/settings#profile")
    saved = fresh_user(user.id)
    assert (saved.name, saved.bio) == ("Ada Lovelace", "Engines.\nAnd <b>poems</b>.")
    html = page(client)
    assert 'value="Ada Lovelace"' in html
    assert "And &lt;b&gt;poems&lt;/b&gt;." in html and "<b>poems</b>" not in html  # plain text, escaped
    assert "Your profile is saved." in html


def test_a_bio_of_500_characters_with_line_breaks_fits_as_the_browser_counts_it(client, auth, make_user):
    user = member(make_user, auth)
    bio = ("word" + "\r\n") * 100  # 600 as sent, 500 as typed (a textarea's maxlength counts a break once)
    assert client.post("/settings/profile", data={"name": user.name, "bio": bio}).status_code == 302
    assert len(fresh_user(user.id).bio) == 499  # the last break is trimmed


def test_every_personal_data_field_says_why_we_ask(client, auth, make_user):
    member(make_user, auth)
    html = page(client)
    for field_id in ("name", "bio", "avatar", "new-email", "marketing_consent"):
        help_text = re.search(rf'<p class="help" id="{field_id}-help">(.*?)</p>', html, re.S)
        assert help_text and "Why we ask:" in help_text.group(1), field_id
    assert "Shown with your ideas" in html and "public profile" in html and "For signing in" in html


@pytest.mark.parametrize(
    "data, message",
    [
        ({"name": "Ada", "bio": "x" * 501}, "Field cannot be longer than 500 characters."),
        ({"name": "A", "bio": ""}, "Field must be between 2 and 60 characters long."),
        ({"name": "Ada", "bio": "bell\x07"}, "The bio contains control characters"),
        ({"name": "Ada\x00", "bio": ""}, "The display name contains control characters"),
    ],
)
def test_bad_name_or_bio_is_a_400_that_says_why_and_changes_nothing(client, auth, make_user, data, message):
    user = member(make_user, auth)
    r = client.post("/settings/profile", data=data)
    assert r.status_code == 400 and message in r.get_data(as_text=True)
    saved = fresh_user(user.id)
    assert (saved.name, saved.bio) == (user.name, "")


def test_update_profile_leaves_fields_not_given_and_counts_the_trimmed_bio(app, make_user):
    user = make_user(name="Grace Hopper")
    profile.update_profile(user, bio="  " + "b" * 500 + "\n ")
    db.session.commit()
    assert (fresh_user(user.id).name, len(fresh_user(user.id).bio)) == ("Grace Hopper", 500)
    with pytest.raises(profile.InvalidInput, match="limited to 500"):
        profile.update_profile(user, bio="b" * 501)


# --- avatar ----------------------------------------------------------------------------------------------------------


def jpeg_with_gps(width=300, height=200) -> bytes:
    img = Image.new("RGB", (width, height), (200, 40, 40))
    exif = Image.Exif()
    exif[0x010F] = "SpyCam"  # Make
    exif[0x8825] = {1: "N", 2: (52.0, 31.0, 0.0)}  # GPSInfo
    out = io.BytesIO()
    img.save(out, "JPEG", exif=exif)
    return out.getvalue()


def upload_avatar(client, data: bytes, name="me.jpg"):
    return client.post(
        "/settings/avatar", data={"avatar": (io.BytesIO(data), name)}, content_type="multipart/form-data"
    )


def media(key: str) -> Path:
    return Path(current_app.config["MEDIA_DIR"]) / key


def test_avatar_is_cleaned_stored_and_thumbnailed_by_a_real_worker(
    client, auth, make_user, database_url, redis_url, tmp_path
):
    user_id = member(make_user, auth, name="Ada Lovelace").id  # the worker run below ends this session
    assert 'aria-label="Ada Lovelace">A</span>' in page(client)  # the initial before any picture
    r = upload_avatar(client, jpeg_with_gps())
    assert r.status_code == 302
    saved = fresh_user(user_id)
    key = saved.avatar_key
    assert key.startswith("avatars/") and key.endswith(".webp") and not saved.avatar_ready
    stored = media(key).read_bytes()
    assert b"SpyCam" not in stored and b"GPS" not in stored
    with Image.open(io.BytesIO(stored)) as img:
        assert img.format == "WEBP" and img.size == (300, 200) and not img.getexif()
    html = page(client)
    assert "being prepared" in html and 'aria-label="Ada Lovelace">A</span>' in html  # fallback until ready

    run_worker_burst(database_url, redis_url, tmp_path)

    saved = fresh_user(user_id)
    assert saved.avatar_ready
    thumb = profile.thumbnail_key(key)
    with Image.open(media(thumb)) as img:
        assert img.format == "WEBP" and img.size == (profile.THUMBNAIL_SIDE, profile.THUMBNAIL_SIDE)
    html = page(client)
    assert f'<img class="avatar" src="/media/{thumb}" alt="Ada Lovelace" width="96" height="96"' in html
    served = client.get(f"/media/{thumb}")
    assert served.status_code == 200 and served.mimetype == "image/webp"


def test_replacing_or_removing_the_avatar_deletes_the_old_files(client, auth, make_user):
    user = member(make_user, auth)
    assert upload_avatar(client, jpeg_with_gps()).status_code == 302
    first = fresh_user(user.id).avatar_key
    assert profile.make_avatar_thumbnail(user.id) == "ready"
    assert media(profile.thumbnail_key(first)).exists()

    assert upload_avatar(client, jpeg_with_gps(120, 160), "two.png").status_code == 302
    second = fresh_user(user.id).avatar_key
    assert second != first and not fresh_user(user.id).avatar_ready
    assert not media(first).exists() and not media(profile.thumbnail_key(first)).exists()

    r = client.post("/settings/avatar/remove")
    assert r.status_code == 302 and "Your picture is removed." in page(client)
    assert fresh_user(user.id).avatar_key is None and not media(second).exists()
    assert client.post("/settings/avatar/remove").status_code == 302 and "You have no picture." in page(client)


def test_thumbnail_job_runs_twice_harmlessly_and_leaves_nothing_for_a_replaced_avatar(client, auth, make_user):
    user = member(make_user, auth)
    upload_avatar(client, jpeg_with_gps())
    key = fresh_user(user.id).avatar_key
    assert profile.make_avatar_thumbnail(user.id) == "ready"
    assert profile.make_avatar_thumbnail(user.id) == "ready"  # same deterministic file, rewritten
    assert sorted(p.name for p in media(key).parent.iterdir()) == sorted(
        [Path(key).name, Path(profile.thumbnail_key(key)).name]
    )
    media(key).unlink()  # replaced by another request between the job reading the key and opening the file
    assert profile.make_avatar_thumbnail(user.id) == "replaced"
    db.session.execute(update(User).where(User.id == user.id).values(avatar_key=None, avatar_ready=False))
    db.session.commit()
    assert profile.make_avatar_thumbnail(user.id) == "no avatar"


@pytest.mark.parametrize(
    "data, name, message",
    [
        (b"%PDF-1.7 not a picture at all", "cv.pdf", "not a JPEG, PNG or WebP image"),
        (b"GIF89a" + b"\0" * 100, "anim.gif", "not a JPEG, PNG or WebP image"),
        (jpeg_with_gps()[:400], "cut.jpg", "damaged or truncated"),
        (b"", "empty.jpg", "The file is empty."),
        (b"\xff\xd8\xff" + b"\0" * (profile.AVATAR_MAX_BYTES + 1), "huge.jpg", "too large: at most 5 MB"),
    ],
)
def test_an_avatar_that_is_not_a_usable_image_is_a_400_that_says_why(client, auth, make_user, data, name, message):
    user = member(make_user, auth)
    r = upload_avatar(client, data, name)
    assert r.status_code == 400, r.status_code
    assert message in r.get_data(as_text=True)
    assert fresh_user(user.id).avatar_key is None
    assert not media("avatars").exists() or not any(media("avatars").iterdir())


def test_an_avatar_post_without_a_file_or_over_the_request_cap_is_a_4xx_page(client, auth, make_user):
    member(make_user, auth)
    r = client.post("/settings/avatar", data={}, content_type="multipart/form-data")
    assert r.status_code == 400 and "Choose an image to upload." in r.get_data(as_text=True)
    cap = current_app.config["MAX_CONTENT_LENGTH"]
    r = upload_avatar(client, b"\xff\xd8" + b"\0" * cap)
    assert r.status_code == 413 and "too large" in r.get_data(as_text=True)


# --- password ------------------------------------------------------------------------------------------------------


def test_wrong_current_password_is_a_400_and_keeps_the_old_password(client, auth, make_user):
    user = member(make_user, auth)
    r = client.post("/settings/password", data={"current_password": "wrong horse", "new_password": "a new secret"})
    assert r.status_code == 400 and profile.WRONG_PASSWORD in r.get_data(as_text=True)
    assert fresh_user(user.id).check_password(PASSWORD)
    r = client.post("/settings/password", data={"current_password": PASSWORD, "new_password": "short"})
    assert r.status_code == 400 and fresh_user(user.id).check_password(PASSWORD)


def test_password_change_ends_other_sessions_keeps_this_one_and_api_tokens(app, client, auth, make_user):
    user = member(make_user, auth)
    other = app.test_client()
    AuthActions(other).login(user.email, remember=True)
    assert other.get("/settings").status_code == 200
    token = api_tokens.issue(user)

    r = client.post("/settings/password", data={"current_password": PASSWORD, "new_password": "a new secret"})
    assert r.status_code == 302
    html = page(client)  # still signed in here
    assert "signed out on every other device; your API tokens still work" in html
    assert "Your API tokens keep working" in html  # the page says what happens before you press the button
    gone = other.get("/settings")
    assert gone.status_code == 302 and "/login" in gone.headers["Location"]
    assert client.get("/api/v1/tokens", headers={"Authorization": f"Bearer {token}"}).status_code == 200
    assert AuthActions(app.test_client()).login(user.email, "a new secret").status_code == 302
    assert AuthActions(app.test_client()).login(user.email, PASSWORD).status_code != 302


def test_a_remembered_browser_stays_signed_in_after_its_own_password_change(app, make_user):
    user = make_user()
    browser = app.test_client()
    AuthActions(browser).login(user.email, remember=True)
    r = browser.post("/settings/password", data={"current_password": PASSWORD, "new_password": "a new secret"})
    assert r.status_code == 302
    browser.delete_cookie("session", domain="localhost")  # the browser restarts: only the remember cookie is left
    assert browser.get("/settings").status_code == 200


# --- email ---------------------------------------------------------------------------------------------------------


def link_in(message: OutboundEmail) -> str:
    return re.search(r"http://localhost(/settings/email/confirm/\S+)", message.body).group(1)


def test_email_changes_only_when_the_link_mailed_to_the_new_address_is_confirmed(app, client, auth, make_user):
    user = member(make_user, auth)
    old = user.email
    r = client.post("/settings/email", data={"email": "New.Address@Example.com", "password": PASSWORD})
    assert r.status_code == 302
    html = page(client)
    assert "We sent a confirmation link to new.address@example.com" in html
    assert fresh_user(user.id).email == old
    (sent,) = mails_to("new.address@example.com")
    assert sent.unsubscribe_url and "/unsubscribe/" in sent.unsubscribe_url
    link = link_in(sent)

    shown = client.get(link)  # what a mail scanner fetches: a page with a button, no change
    assert shown.status_code == 200 and "Confirm new address" in shown.get_data(as_text=True)
    assert fresh_user(user.id).email == old

    r = client.post(link)
    assert r.status_code == 302 and r.headers["Location"].endswith("/settings#change-email")
    assert fresh_user(user.id).email == "new.address@example.com"
    assert "Your address is now new.address@example.com." in page(client)
    (notice,) = mails_to(old)
    assert "was changed" in notice.subject and "new.address@example.com" in notice.body and notice.unsubscribe_url
    assert AuthActions(app.test_client()).login("new.address@example.com").status_code == 302

    again = client.post(link)
    assert again.status_code == 400 and "already been used" in again.get_data(as_text=True)


def test_confirming_from_a_browser_that_is_not_signed_in_works_and_says_so(app, client, auth, make_user):
    member(make_user, auth)
    client.post("/settings/email", data={"email": "elsewhere@example.com", "password": PASSWORD})
    link = link_in(mails_to("elsewhere@example.com")[0])
    phone = app.test_client()
    r = phone.post(link)
    assert r.status_code == 200 and "Your address is changed" in r.get_data(as_text=True)


def test_a_taken_address_answers_like_a_free_one_and_its_owner_is_told_without_a_link(client, auth, make_user):
    owner = make_user(email="taken@example.com")
    user = member(make_user, auth)
    r = client.post("/settings/email", data={"email": "taken@example.com", "password": PASSWORD})
    assert r.status_code == 302
    html = page(client)
    assert "We sent a confirmation link to taken@example.com" in html
    (told,) = mails_to("taken@example.com")
    assert "/settings/email/confirm/" not in told.body and "nothing has changed" in told.body
    assert told.unsubscribe_url
    assert fresh_user(user.id).email != "taken@example.com" and fresh_user(owner.id).email == "taken@example.com"


def test_an_address_taken_after_the_link_was_sent_fails_at_confirm_with_a_clear_409(client, auth, make_user):
    user = member(make_user, auth)
    client.post("/settings/email", data={"email": "race@example.com", "password": PASSWORD})
    link = link_in(mails_to("race@example.com")[0])
    make_user(email="race@example.com")
    r = client.post(link)
    assert r.status_code == 409 and "now belongs to another account" in r.get_data(as_text=True)
    assert fresh_user(user.id).email != "race@example.com"


@pytest.mark.parametrize(
    "data, message",
    [
        ({"email": "new@example.com", "password": "wrong horse"}, profile.WRONG_PASSWORD),
        ({"email": "not an address", "password": PASSWORD}, "does not look right"),
        ({"email": "", "password": PASSWORD}, "Enter the new address."),
    ],
)
def test_email_change_with_wrong_password_or_bad_address_is_a_400_and_mails_nobody(
    client, auth, make_user, data, message
):
    member(make_user, auth)
    r = client.post("/settings/email", data=data)
    assert r.status_code == 400 and message in r.get_data(as_text=True)
    assert db.session.scalar(select(EmailConfirmation.id)) is None
    assert not mails_to("new@example.com")


def test_asking_for_the_current_address_is_a_400(client, auth, make_user):
    user = member(make_user, auth)
    r = client.post("/settings/email", data={"email": user.email.upper(), "password": PASSWORD})
    assert r.status_code == 400 and "already your address" in r.get_data(as_text=True)


def test_forged_and_expired_confirmation_links_are_clear_4xx_pages(client, auth, make_user):
    user = member(make_user, auth)
    for forged in ("x" * 43, "not-even-the-shape", "%00"):
        for method in ("GET", "POST"):
            r = client.open(f"/settings/email/confirm/{forged}", method=method)
            assert r.status_code == 404 and "not valid" in r.get_data(as_text=True), (forged, method)
    client.post("/settings/email", data={"email": "late@example.com", "password": PASSWORD})
    link = link_in(mails_to("late@example.com")[0])
    db.session.execute(update(EmailConfirmation).values(expires_at=utcnow() - timedelta(seconds=1)))
    db.session.commit()
    for method in ("GET", "POST"):
        r = client.open(link, method=method)
        assert r.status_code == 400 and "has expired" in r.get_data(as_text=True)
    assert fresh_user(user.id).email != "late@example.com"


def test_a_changed_address_counts_as_verified_and_releases_held_votes(client, auth, make_user):
    user = member(make_user, auth)
    idea = make_idea(make_user())
    before = idea.upvotes
    db.session.execute(update(User).where(User.id == user.id).values(email_verified_at=None))
    db.session.commit()
    assert client.post(f"/ideas/{idea.id}/vote", data={"value": "1"}).status_code in (200, 302)
    assert db.session.get(Idea, idea.id).upvotes == before  # held while the address is unproved
    assert "it counts once you confirm your email address" in page(client, "/settings/votes")
    client.post("/settings/email", data={"email": "proved@example.com", "password": PASSWORD})
    assert client.post(link_in(mails_to("proved@example.com")[0])).status_code == 302
    assert fresh_user(user.id).email_verified_at is not None
    vote = db.session.scalar(select(Vote).where(Vote.user_id == user.id))
    assert not vote.held and db.session.get(Idea, idea.id).upvotes == before + 1


# --- my votes, my entries ------------------------------------------------------------------------------------------


def test_my_votes_lists_my_own_votes_newest_first_in_keyset_pages(client, auth, make_user):
    user = member(make_user, auth)
    author, stranger = make_user(), make_user()
    ideas = [make_idea(author, f"Idea number {n:02d}") for n in range(23)]
    for n, idea in enumerate(ideas):
        voting.cast_vote(user, idea.id, 1 if n % 2 == 0 else -1)
    voting.cast_vote(stranger, ideas[0].id, -1)
    first = page(client, "/settings/votes")
    titles = re.findall(r"Idea number (\d\d)", first)
    assert titles == [f"{n:02d}" for n in range(22, 2, -1)]  # 20 newest, newest first
    assert "▲ Up" in first and "▼ Down" in first
    cursor = re.search(r'href="/settings/votes\?cursor=([^"]+)"', first).group(1)
    second = page(client, f"/settings/votes?cursor={cursor}")
    assert re.findall(r"Idea number (\d\d)", second) == ["02", "01", "00"]
    assert "Older votes" not in second
    assert client.get("/settings/votes?cursor=%7B%7D").status_code == 400
    assert 'href="/settings/votes"' in page(client)  # linked from /settings


def test_my_entries_show_each_review_state_with_the_reason(client, auth, make_user):
    user = member(make_user, auth)
    other = make_user()
    now = utcnow()
    contest = Contest(
        title="Autumn light",
        rules="Own photo.",
        rules_html="<p>Own photo.</p>",
        opens_at=now - timedelta(hours=1),
        entries_close_at=now + timedelta(days=1),
        closes_at=now + timedelta(days=2),
        draw_seed="0" * 64,
    )
    db.session.add(contest)
    db.session.flush()
    states = [
        ("processing", None),
        ("pending_review", None),
        ("approved", None),
        ("rejected", "Not your own photo"),
        ("failed", "We could not process this photo: damaged"),
    ]
    for n, (state, error) in enumerate(states):
        db.session.add(
            ContestEntry(
                contest_id=contest.id,
                user_id=user.id,
                caption=f"Mine {state}",
                state=state,
                error=error,
                original_key=f"contests/x/{n}.jpg",
                width=800,
                height=600,
            )
        )
    db.session.add(
        ContestEntry(
            contest_id=contest.id,
            user_id=other.id,
            caption="Someone else's",
            state="pending_review",
            original_key="contests/x/other.jpg",
            width=800,
            height=600,
        )
    )
    db.session.commit()
    html = page(client, "/settings/entries")
    assert re.findall(r">Mine (\w+)</a>", html) == [state for state, _ in reversed(states)]
    for label in ("Processing", "Waiting for review", "Approved", "Rejected", "Failed"):
        assert f"<strong>{label}</strong>" in html
    assert "Not your own photo" in html and "We could not process this photo: damaged" in html
    assert "Someone else" not in html
    assert 'href="/settings/entries"' in page(client)


def test_my_lists_are_for_the_signed_in_member_only(client):
    for path in ("/settings/votes", "/settings/entries"):
        r = client.get(path)
        assert r.status_code == 302 and "/login" in r.headers["Location"]


def test_avatar_macro_prints_an_image_with_alt_and_size_or_the_initial(app, make_user):
    user = make_user(name="Zoë Example")
    template = app.jinja_env.from_string('{% from "_macros/ui.html" import avatar %}{{ avatar(u, 32, d) }}')
    with app.test_request_context():
        assert template.render(u=user, d=False).strip().startswith('<span class="avatar avatar-initial"')
        assert 'aria-label="Zoë Example">Z</span>' in template.render(u=user, d=False)
        assert 'aria-hidden="true"' in template.render(u=user, d=True)
        user.avatar_key, user.avatar_ready = "avatars/abc.webp", True
        html = template.render(u=user, d=False)
        assert html.strip() == (
            '<img class="avatar" src="/media/avatars/abc-thumb.webp" alt="Zoë Example" width="32" height="32" '
            'loading="lazy">'
        )
        assert 'alt=""' in template.render(u=user, d=True)


def test_settings_pages_are_valid_html(app, client, auth, make_user, tmp_path):
    from tests.functional.test_html_valid import _get_with_csrf, _nu_errors, _save

    user = member(make_user, auth)
    idea = make_idea(make_user())
    voting.cast_vote(user, idea.id, 1)
    upload_avatar(client, jpeg_with_gps())
    client.post("/settings/consent", data={"marketing_consent": "y"})
    client.post("/settings/consent", data={})
    client.post("/settings/email", data={"email": "valid@example.com", "password": PASSWORD})
    link = link_in(mails_to("valid@example.com")[0])
    out = tmp_path / "pages"
    out.mkdir()
    _save(out, "settings-pending", _get_with_csrf(client, "/settings"))
    _save(out, "settings-errors", client.post("/settings/profile", data={"name": "x", "bio": "y" * 600}))
    _save(out, "settings-email-errors", client.post("/settings/email", data={"email": "nope", "password": "x"}))
    _save(out, "votes", client.get("/settings/votes"))
    _save(out, "entries-none", client.get("/settings/entries"))
    _save(out, "confirm", _get_with_csrf(client, link))
    _save(out, "confirm-dead", client.get("/settings/email/confirm/" + "x" * 43))
    _save(out, "confirm-done", app.test_client().post(link))
    profile.make_avatar_thumbnail(user.id)
    _save(out, "settings-avatar", _get_with_csrf(client, "/settings"))
    errors = _nu_errors(out)
    assert not errors, "\n".join(errors)


def test_a_suspended_member_cannot_change_the_name_bio_or_picture_others_see(client, auth, make_user):
    from ideas_portal.services import moderation

    user = member(make_user, auth)
    moderation.ban(make_user("staff"), user.id, "Spam")
    r = client.post("/settings/profile", data={"name": "Totally New Name", "bio": "Buy my stuff"})
    assert r.status_code == 403 and "Spam" in r.get_data(as_text=True)
    assert (fresh_user(user.id).name, fresh_user(user.id).bio) != ("Totally New Name", "Buy my stuff")
    png = io.BytesIO()
    Image.new("RGB", (64, 64), "red").save(png, "PNG")
    png.seek(0)
    r = client.post("/settings/avatar", data={"avatar": (png, "me.png")}, content_type="multipart/form-data")
    assert r.status_code == 403 and fresh_user(user.id).avatar_key is None


@pytest.mark.parametrize("name", ["Deleted member", "  deleted   MEMBER "])
def test_nobody_can_take_the_name_deleted_accounts_go_by(client, auth, make_user, name):
    user = member(make_user, auth)
    r = client.post("/settings/profile", data={"name": name, "bio": ""})
    assert r.status_code == 400 and "Deleted member" in r.get_data(as_text=True)
    assert fresh_user(user.id).name != "Deleted member"
    client.post("/logout")
    r = client.post("/signup", data={"email": "someone@example.com", "name": name, "password": "long enough pw"})
    assert r.status_code == 400
    assert db.session.scalar(select(User.id).where(User.email == "someone@example.com")) is None
