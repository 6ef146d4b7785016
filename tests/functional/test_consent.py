"""Marketing consent: given or withdrawn in settings or on a contest form, each change kept with its time and
source; the contest form starts from the member's current choice; the entrants CSV fills marketing columns only
for members who agree now, dated from when they last gave consent."""

from __future__ import annotations

import codecs
import csv
import io
import re

import pytest
from sqlalchemy import select, update

from ideas_portal.extensions import db
from ideas_portal.models import ConsentEvent, ContestEntrant, User
from ideas_portal.services import consent
from tests.functional.test_contests import Caller, new_contest, photo


def events(user_id: int) -> list[tuple[bool, str]]:
    return [(e.given, e.source) for e in reversed(consent.history(user_id))]


def current(user_id: int) -> bool:
    db.session.expire_all()
    return db.session.get(User, user_id).marketing_consent


@pytest.fixture
def staff(client, make_user):
    return Caller(client, make_user("staff"))


def test_consent_is_given_and_withdrawn_in_settings_and_each_change_is_kept(client, auth, make_user):
    user = make_user()
    auth.login(user.email)
    r = client.post("/settings/consent", data={"marketing_consent": "y"})
    assert r.status_code == 302 and r.headers["Location"].endswith("/settings#consent")
    assert current(user.id) and events(user.id) == [(True, "settings")]
    assert "we may send you news and offers" in client.get("/settings").get_data(as_text=True)

    assert client.post("/settings/consent", data={"marketing_consent": "y"}).status_code == 302
    assert "Nothing changed" in client.get("/settings").get_data(as_text=True)
    assert events(user.id) == [(True, "settings")]  # no change, no event

    assert client.post("/settings/consent", data={}).status_code == 302
    assert not current(user.id) and events(user.id) == [(True, "settings"), (False, "settings")]
    html = client.get("/settings").get_data(as_text=True)
    section = html[html.index('id="consent"') :]
    assert re.search(r"Withdrawn on <time[^>]*>.*?</time>\s*<span class=\"muted\">in your settings", section, re.S)
    assert section.index("Withdrawn on") < section.index("Given on")  # newest first
    assert 'name="marketing_consent"' in section and "checked" not in section[: section.index("</form>")]


def test_set_consent_reports_a_change_and_records_only_changes(app, make_user):
    user = make_user()
    assert consent.set_consent(user, True, "api") is True
    assert consent.set_consent(user, True, "settings") is False
    assert consent.set_consent(user, False, "contest 7") is True
    db.session.commit()
    assert events(user.id) == [(True, "api"), (False, "contest 7")]
    assert user.marketing_consent is False and current(user.id) is False
    with pytest.raises(consent.InvalidInput):
        consent.set_consent(user, "yes", "api")
    assert consent.source_label("contest 7") == "the entry form of contest 7"


def test_contest_form_starts_from_current_consent_and_links_to_withdrawing_it(client, auth, make_user, staff):
    contest_id = new_contest(staff)["id"]
    user = make_user()
    auth.login(user.email)
    html = client.get(f"/contests/{contest_id}/enter").get_data(as_text=True)
    box = re.search(r'<input[^>]*name="marketing_consent"[^>]*>', html).group(0)
    assert "checked" not in box
    assert 'href="/settings#consent">withdraw it at any time</a>' in html
    client.post("/settings/consent", data={"marketing_consent": "y"})
    html = client.get(f"/contests/{contest_id}/enter").get_data(as_text=True)
    assert "checked" in re.search(r'<input[^>]*name="marketing_consent"[^>]*>', html).group(0)
    assert "ticked because you agreed before" in html


def enter_by_form(client, contest_id: int, n: int, consent_box: bool):
    data = {"photo": (photo(n), f"p{n}.jpg"), "caption": f"Photo {n}", "accept_rules": "y"}
    if consent_box:
        data["marketing_consent"] = "y"
    return client.post(f"/contests/{contest_id}/enter", data=data, content_type="multipart/form-data")


def test_contest_form_gives_and_withdraws_consent_through_the_same_record(client, auth, make_user, staff):
    contest_id = new_contest(staff, max_entries_per_member=3)["id"]
    user = make_user()
    auth.login(user.email)
    assert enter_by_form(client, contest_id, 1, consent_box=True).status_code == 302
    assert current(user.id) and events(user.id) == [(True, f"contest {contest_id}")]
    assert db.session.get(ContestEntrant, (contest_id, user.id)).marketing_consent
    assert enter_by_form(client, contest_id, 2, consent_box=False).status_code == 302
    assert not current(user.id)
    assert events(user.id) == [(True, f"contest {contest_id}"), (False, f"contest {contest_id}")]


def test_a_refused_entry_changes_no_consent(client, auth, make_user, staff):
    contest_id = new_contest(staff)["id"]
    user = make_user()
    auth.login(user.email)
    r = client.post(
        f"/contests/{contest_id}/enter",
        data={"photo": (io.BytesIO(b"not a photo"), "x.jpg"), "accept_rules": "y", "marketing_consent": "y"},
        content_type="multipart/form-data",
    )
    assert r.status_code == 400
    assert not current(user.id) and events(user.id) == []


def test_an_api_entry_without_the_field_leaves_consent_as_it_is(client, make_user, staff):
    contest_id = new_contest(staff, max_entries_per_member=2)["id"]
    user = make_user()
    consent.set_consent(user, True, "settings")
    db.session.commit()
    entrant = Caller(client, user)
    entrant.enter_ok(contest_id, 1)
    assert current(user.id) and events(user.id) == [(True, "settings")]
    entrant.enter_ok(contest_id, 2, marketing_consent="false")
    assert current(user.id), "withdrawing is PATCH /me or the settings page, not an omitted form field"


def csv_rows(client, contest_id: int) -> dict[int, dict[str, str]]:
    r = client.get(f"/contests/{contest_id}/entrants.csv")
    assert r.status_code == 200
    body = r.get_data()
    assert body.startswith(codecs.BOM_UTF8)
    header, *rows = csv.reader(io.StringIO(body.decode("utf-8-sig"), newline=""))
    return {int(row[0]): dict(zip(header, row)) for row in rows}


def test_entrants_csv_fills_marketing_columns_only_for_current_consent(client, auth, make_user, staff):
    contest_id = new_contest(staff)["id"]
    withdrew, joined_later, never = make_user(), make_user(), make_user()
    Caller(client, withdrew).enter_ok(contest_id, 1, marketing_consent="true")
    Caller(client, joined_later).enter_ok(contest_id, 2)
    Caller(client, never).enter_ok(contest_id, 3)
    consent.set_consent(withdrew, False, "settings")
    consent.set_consent(joined_later, True, "settings")
    db.session.commit()
    given = db.session.scalar(
        select(ConsentEvent.created_at).where(ConsentEvent.user_id == joined_later.id, ConsentEvent.given)
    )
    auth.login(db.session.get(User, staff.id).email)
    rows = csv_rows(client, contest_id)
    assert (rows[withdrew.id]["marketing_consent"], rows[withdrew.id]["marketing_email"]) == ("no", "")
    assert rows[withdrew.id]["marketing_consent_at"] == ""
    assert rows[withdrew.id]["contact_email"] == withdrew.email  # the contact column is not a marketing one
    assert (rows[joined_later.id]["marketing_consent"], rows[joined_later.id]["marketing_email"]) == (
        "yes",
        joined_later.email,
    )
    assert rows[joined_later.id]["marketing_consent_at"] == given.isoformat()
    assert (rows[never.id]["marketing_consent"], rows[never.id]["marketing_email"]) == ("no", "")


def test_entrants_csv_dates_consent_from_the_latest_time_it_was_given(client, auth, make_user, staff):
    contest_id = new_contest(staff)["id"]
    keen = make_user()
    Caller(client, keen).enter_ok(contest_id, 1, marketing_consent="true")
    consent.set_consent(keen, False, "settings")
    consent.set_consent(keen, True, "settings")
    db.session.commit()
    first, _, last = consent.history(keen.id)[::-1]
    db.session.execute(
        update(ConsentEvent).where(ConsentEvent.id == first.id).values(created_at=last.created_at.replace(year=2020))
    )
    db.session.commit()
    auth.login(db.session.get(User, staff.id).email)
    assert csv_rows(client, contest_id)[keen.id]["marketing_consent_at"] == last.created_at.isoformat()


def test_consent_given_on_contest_forms_before_its_record_existed_carries_over(app, make_user):
    """Migration 0008: each earlier contest consent becomes a dated "given" event and current consent."""
    from datetime import timedelta

    from flask_migrate import downgrade, upgrade

    from ideas_portal.models import Contest
    from ideas_portal.models.types import utcnow
    from tests.conftest import ROOT

    keen, shy = make_user(), make_user()
    now = utcnow()
    contest = Contest(
        title="Old contest",
        rules="r",
        rules_html="<p>r</p>",
        opens_at=now - timedelta(days=9),
        entries_close_at=now - timedelta(days=5),
        closes_at=now - timedelta(days=2),
        draw_seed="0" * 64,
    )
    db.session.add(contest)
    db.session.flush()
    given_at = (now - timedelta(days=8)).replace(microsecond=0)
    db.session.add_all(
        [
            ContestEntrant(
                contest_id=contest.id, user_id=keen.id, marketing_consent=True, marketing_consent_at=given_at
            ),
            ContestEntrant(contest_id=contest.id, user_id=shy.id, marketing_consent=False),
        ]
    )
    db.session.commit()
    keen_id, shy_id, contest_id = keen.id, shy.id, contest.id
    db.session.remove()
    migrations = str(ROOT / "migrations")
    downgrade(directory=migrations, revision="0007_members_space")
    upgrade(directory=migrations)
    assert current(keen_id) and not current(shy_id)
    (event,) = consent.history(keen_id)
    assert (event.given, event.source, event.created_at) == (True, f"contest {contest_id}", given_at)
    assert consent.history(shy_id) == []
