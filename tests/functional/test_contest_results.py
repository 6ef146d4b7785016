"""Photo contests through HTTP: closing and winners, notices, judges, sweepstakes, recount, export, pages."""

import codecs
import csv
import hashlib
import http.cookiejar
import io
import re
import urllib.error
import urllib.parse
import urllib.request

import pytest
from sqlalchemy import insert, update

from ideas_portal import outbox
from ideas_portal.extensions import db
from ideas_portal.models import Contest, ContestEntrant, ContestEntry, User
from ideas_portal.services.contests import entrants_csv, results
from tests.conftest import csrf_token_from
from tests.functional import test_contests
from tests.functional.test_contests import Caller, approved_entries, move, new_contest, photo

person, worker = test_contests.person, test_contests.worker  # the same fixtures as the entry tests


def kinds(caller: Caller, contest_id: int) -> list[str]:
    items = caller.get("/notifications").get_json()["items"]
    return sorted(n["kind"] for n in items if n.get("contest_id") == contest_id)


def results_in_feed(client) -> list[tuple[str, int]]:
    items = client.get("/api/v1/feed?kind=contest_result").get_json()["items"]
    return [(item["kind"], item.get("contest_id")) for item in items]


def closed_contest(person, worker):
    """Ann has the two most-voted entries, Bob and Cat tie behind her; two prizes, one per member."""
    staff, ann, bob, cat, v1, v2 = person("staff"), person(), person(), person(), person(), person()
    contest_id = new_contest(staff, max_entries_per_member=2, winner_count=2)["id"]
    a1, a2, b1, c1 = approved_entries(staff, worker, contest_id, [ann, ann, bob, cat])
    for voter, entry_id in [(v1, a1), (v2, a1), (v1, a2), (v1, b1), (v2, c1)]:
        assert voter.put(f"/entries/{entry_id}/vote").status_code == 200
    first, second = staff.post(f"/contests/{contest_id}/close"), staff.post(f"/contests/{contest_id}/close")
    assert (first.status_code, second.status_code) == (202, 202)
    assert first.get_json()["state"] == "closed"
    worker()
    return staff, (ann, bob, cat), (a1, a2, b1, c1), contest_id


def test_closing_twice_announces_once_with_one_prize_per_member_and_ties_to_the_earlier_entry(person, worker, client):
    staff, _, (a1, a2, b1, c1), contest_id = closed_contest(person, worker)
    contest = client.get(f"/api/v1/contests/{contest_id}").get_json()
    assert contest["state"] == "closed" and contest["announced_at"]
    assert [(w["id"], w["winner_rank"]) for w in contest["winners"]] == [(a1, 1), (b1, 2)]
    assert results_in_feed(client) == [("contest_result", contest_id)]
    assert staff.post(f"/contests/{contest_id}/close").status_code == 202
    assert results.close(contest_id) is False
    outbox.enqueue("contests.close_contest", contest_id, key=f"close-again-{contest_id}")  # as a retry would
    db.session.commit()
    worker()
    assert results_in_feed(client) == [("contest_result", contest_id)]
    assert client.get(f"/api/v1/contests/{contest_id}").get_json()["winners"] == contest["winners"]
    late = person().put(f"/entries/{c1}/vote")
    assert late.status_code == 409 and late.get_json()["error"]


def test_winners_and_other_entrants_are_notified_exactly_once(person, worker):
    _, (ann, bob, cat), _, contest_id = closed_contest(person, worker)
    expected = {ann: ["contest_winner"], bob: ["contest_winner"], cat: ["contest_result"]}
    assert {who: kinds(who, contest_id) for who in expected} == expected
    assert results.close(contest_id) is False and results.notify(contest_id) == 0
    outbox.enqueue("contests.notify_contest_result", contest_id, key=f"notify-again-{contest_id}")
    db.session.commit()
    worker()
    assert {who: kinds(who, contest_id) for who in expected} == expected


@pytest.mark.parametrize("judge_weight,winner", [(0, "crowd"), (80, "judges")])
def test_judges_weight_decides_between_their_favourite_and_the_crowds(person, worker, judge_weight, winner):
    staff, voters = person("staff"), [person(), person()]
    contest_id = new_contest(staff, winner_method="judges", judge_weight=judge_weight)["id"]
    judged, crowd = approved_entries(staff, worker, contest_id, [person(), person()])
    for voter, entry_id in [(voters[0], judged), (voters[0], crowd), (voters[1], crowd)]:
        assert voter.put(f"/entries/{entry_id}/vote").status_code == 200
    assert staff.put(f"/entries/{judged}/score", json={"score": 10}).status_code == 200
    assert staff.put(f"/entries/{crowd}/score", json={"score": 2}).status_code == 200
    assert staff.put(f"/entries/{crowd}/score", json={"score": 11}).status_code == 400
    assert person().put(f"/entries/{crowd}/score", json={"score": 10}).status_code == 403
    staff.post(f"/contests/{contest_id}/close")
    worker()
    winners = staff.get(f"/contests/{contest_id}").get_json()["winners"]
    assert [w["id"] for w in winners] == [{"crowd": crowd, "judges": judged}[winner]]


def test_sweepstakes_seed_is_committed_then_revealed_and_the_draw_can_be_recomputed(person, worker, client):
    staff = person("staff")
    contest_id = new_contest(staff, winner_method="sweepstakes", winner_count=2)["id"]
    approved = approved_entries(staff, worker, contest_id, [person() for _ in range(5)])
    person().enter_ok(contest_id, 99)  # processing: not in the draw
    seed = db.session.get(Contest, contest_id).draw_seed
    before = client.get(f"/api/v1/contests/{contest_id}")
    assert before.get_json()["draw_seed"] is None and seed not in before.get_data(as_text=True)
    assert seed not in client.get(f"/contests/{contest_id}").get_data(as_text=True)
    commitment = before.get_json()["draw_seed_sha256"]
    staff.post(f"/contests/{contest_id}/close")
    worker()
    after = client.get(f"/api/v1/contests/{contest_id}").get_json()
    revealed = after["draw_seed"]
    assert hashlib.sha256(revealed.encode()).hexdigest() == commitment == after["draw_seed_sha256"]
    expected = sorted(approved, key=lambda i: hashlib.sha256(f"{revealed}:{i}".encode()).hexdigest())[:2]
    assert [w["id"] for w in after["winners"]] == expected


def test_recount_fixes_a_corrupted_entry_vote_counter(person, worker, runner):
    staff = person("staff")
    contest_id = new_contest(staff, moderated=False)["id"]
    entry_id = person().enter_ok(contest_id, 1)
    worker()
    person().put(f"/entries/{entry_id}/vote")
    db.session.execute(update(ContestEntry).where(ContestEntry.id == entry_id).values(votes=7))
    db.session.commit()
    result = runner.invoke(args=["recount"])
    assert result.exit_code == 0 and f"contest entry {entry_id}: votes 7→1" in result.output
    assert staff.get(f"/entries/{entry_id}").get_json()["votes"] == 1
    assert "0 correction(s)" in runner.invoke(args=["recount"]).output


# What Excel, LibreOffice and Sheets read as the start of a formula (OWASP CSV injection; full-width forms too).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\n", "\0", "\uff1d", "\uff0b", "\uff0d", "\uff20")


def spreadsheet_rows(body: bytes) -> dict[int, dict[str, str]]:
    """The export read as a spreadsheet reads a CSV: UTF-8 after its byte-order mark, Excel's dialect."""
    assert body.startswith(codecs.BOM_UTF8), "without a BOM Excel decodes the file as ANSI"
    header, *rows = csv.reader(io.StringIO(body.decode("utf-8-sig"), newline=""), dialect="excel")
    assert header == entrants_csv.EXPORT_COLUMNS
    for row in rows:
        assert len(row) == len(header), row
        assert not [cell for cell in row if cell.startswith(FORMULA_STARTS)], row
    return {int(row[0]): dict(zip(header, row)) for row in rows}


def formula_entrants(client, make_user, contest_id) -> tuple[Caller, Caller]:
    """Keen fills every free-text cell with something a spreadsheet would run; Shy gives plain text."""
    keen = Caller(client, make_user(name="@SUM(1+1)"))
    shy = Caller(client, make_user(name="Shy Sam"))
    keen.enter_ok(
        contest_id,
        1,
        caption="=cmd|' /C calc'!A0",
        marketing_consent="true",
        full_name="+Kay Keen",
        phone="-1+1",
        postal_address='\uff1dHYPERLINK("http://evil")\n=2nd line',
    )
    shy.enter_ok(contest_id, 2, caption="Plain", marketing_consent="false")
    return keen, shy


def test_entrants_csv_is_staff_only_with_consented_emails_and_formula_safe_cells(person, auth, client, make_user):
    staff = person("staff")
    contest_id = new_contest(staff)["id"]
    keen, shy = formula_entrants(client, make_user, contest_id)
    auth.login(shy.email)
    assert client.get(f"/contests/{contest_id}/entrants.csv").status_code == 403
    auth.logout()
    auth.login(staff.email)
    r = client.get(f"/contests/{contest_id}/entrants.csv")
    assert r.status_code == 200 and r.mimetype == "text/csv"
    rows = spreadsheet_rows(r.get_data())
    assert rows.keys() == {keen.id, shy.id}
    assert rows[keen.id]["marketing_email"] == keen.email and rows[keen.id]["full_name"] == "'+Kay Keen"
    assert rows[shy.id]["marketing_email"] == "" and rows[shy.id]["contact_email"] == shy.email
    assert rows[shy.id]["marketing_consent_at"] == "" and rows[keen.id]["marketing_consent_at"]
    assert (rows[keen.id]["caption"], rows[shy.id]["caption"]) == ("'=cmd|' /C calc'!A0", "Plain")
    assert (rows[keen.id]["display_name"], rows[keen.id]["phone"]) == ("'@SUM(1+1)", "'-1+1")
    assert rows[keen.id]["postal_address"] == '\'\uff1dHYPERLINK("http://evil")\n=2nd line'
    assert client.get("/contests/999999/entrants.csv").status_code == 404


@pytest.mark.parametrize("start", FORMULA_STARTS)
def test_every_formula_start_is_quoted_and_plain_values_are_kept(start):
    assert entrants_csv.spreadsheet_cell(start + "1+1") == "'" + start + "1+1"
    assert entrants_csv.spreadsheet_cell("a" + start) == "a" + start
    assert [entrants_csv.spreadsheet_cell(v) for v in (None, 0, 7, "")] == ["", "0", "7", ""]


def _signed_in_opener(base: str, email: str) -> urllib.request.OpenerDirector:
    """A browser's cookie jar signed in through the real form, CSRF token and all."""
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))
    token = csrf_token_from(opener.open(base + "/login", timeout=10).read().decode())
    form = urllib.parse.urlencode({"email": email, "password": "correct horse", "csrf_token": token}).encode()
    assert opener.open(base + "/login", data=form, timeout=10).status == 200  # redirected home, signed in
    return opener


@pytest.mark.live
def test_staff_download_the_entrants_csv_from_gunicorn_across_many_batches(live_server, client, make_user):
    """Under gunicorn the request's context is gone before the body streams: rows must not depend on it."""
    staff = Caller(client, make_user("staff"))
    contest_id = new_contest(staff)["id"]
    keen, shy = formula_entrants(client, make_user, contest_id)
    many = db.session.execute(
        insert(User).returning(User.id),
        [{"email": f"bulk{n}@example.com", "name": f"=Bulk {n}", "password_hash": "x"} for n in range(2500)],
    ).scalars()
    db.session.execute(insert(ContestEntrant), [{"contest_id": contest_id, "user_id": i} for i in many])
    db.session.commit()
    db.session.remove()  # SQLite: gunicorn's workers need the write lock this test would hold
    with pytest.raises(urllib.error.HTTPError) as refused:
        _signed_in_opener(live_server, shy.email).open(f"{live_server}/contests/{contest_id}/entrants.csv")
    assert refused.value.code == 403
    with _signed_in_opener(live_server, staff.email).open(
        f"{live_server}/contests/{contest_id}/entrants.csv", timeout=60
    ) as r:
        assert r.status == 200 and r.headers.get_content_type() == "text/csv"
        rows = spreadsheet_rows(r.read())
    assert len(rows) == 2502 and {keen.id, shy.id} <= rows.keys()
    assert rows[keen.id]["caption"] == "'=cmd|' /C calc'!A0" and rows[max(rows)]["display_name"] == "'=Bulk 2499"


def test_contest_pages_answer_visitors_and_members(person, auth, client, worker):
    staff, author = person("staff"), person()
    contest_id = new_contest(staff, title="Harbour lights")["id"]
    approved_entries(staff, worker, contest_id, [author])
    for path in ("/contests", f"/contests/{contest_id}", f"/contests/{contest_id}?sort=votes"):
        r = client.get(path)
        assert r.status_code == 200 and "Harbour lights" in r.get_data(as_text=True), path
    assert client.get("/contests/999999").status_code == 404
    auth.login(person().email)
    r = client.get(f"/contests/{contest_id}/enter")
    assert r.status_code == 200 and 'name="accept_rules"' in r.get_data(as_text=True)


def test_entering_through_the_form_needs_the_rules_accepted_then_shows_processing(person, auth, client):
    contest_id = new_contest(person("staff"))["id"]
    member = person()
    auth.login(member.email)
    refused = client.post(
        f"/contests/{contest_id}/enter",
        content_type="multipart/form-data",
        data={"photo": (photo(1), "one.jpg"), "caption": "Boats"},
    )
    assert refused.status_code == 400 and "Please accept the contest rules to enter." in refused.get_data(as_text=True)
    r = client.post(
        f"/contests/{contest_id}/enter",
        content_type="multipart/form-data",
        data={"photo": (photo(1), "one.jpg"), "caption": "Boats", "accept_rules": "y"},
    )
    assert r.status_code == 302
    entry_path = re.fullmatch(r"(?:http://localhost)?(/entries/\d+)", r.headers["Location"]).group(1)
    page = client.get(entry_path)
    assert page.status_code == 200 and '<meta http-equiv="refresh"' in page.get_data(as_text=True)
    auth.logout()
    assert client.get(entry_path).status_code == 404


def test_form_entry_after_entries_close_is_refused_with_409(person, auth, client):
    contest_id = new_contest(person("staff"))["id"]
    move(contest_id, "voting")
    auth.login(person().email)
    page = client.get(f"/contests/{contest_id}/enter")
    assert page.status_code == 200 and "not taking entries" in page.get_data(as_text=True)
    r = client.post(
        f"/contests/{contest_id}/enter",
        content_type="multipart/form-data",
        data={"photo": (photo(1), "one.jpg"), "accept_rules": "y"},
    )
    assert r.status_code == 409 and "entries have closed" in r.get_data(as_text=True)


def test_voting_through_the_entry_page(person, auth, client, worker):
    staff, author, voter = person("staff"), person(), person()
    contest_id = new_contest(staff)["id"]
    [entry_id] = approved_entries(staff, worker, contest_id, [author])
    auth.login(voter.email)
    assert client.post(f"/entries/{entry_id}/vote").status_code == 302
    assert voter.get(f"/entries/{entry_id}").get_json()["votes"] == 1
    assert client.post(f"/entries/{entry_id}/vote", data={"action": "unvote"}).status_code == 302
    assert voter.get(f"/entries/{entry_id}").get_json()["votes"] == 0
    auth.logout()
    auth.login(author.email)
    assert client.post(f"/entries/{entry_id}/vote").status_code == 403


def test_approved_entry_page_has_share_tags(person, client, worker):
    staff = person("staff")
    contest_id = new_contest(staff, moderated=False)["id"]
    entry_id = person().enter_ok(contest_id, 1, caption="Dusk")
    worker()
    html = client.get(f"/entries/{entry_id}").get_data(as_text=True)
    assert '<meta property="og:image"' in html and '<meta name="twitter:card"' in html
    assert 'http-equiv="refresh"' not in html


def test_staff_pages_create_review_and_close_a_contest(person, auth, client, worker):
    staff = person("staff")
    auth.login(person().email)
    assert client.get("/contests/new").status_code == 403
    auth.logout()
    auth.login(staff.email)
    assert client.get("/contests/new").status_code == 200
    r = client.post(
        "/contests/new",
        data={
            "title": "Made by form",
            "rules": "Be kind.",
            "opens_at": "2020-01-01T09:00",
            "entries_close_at": "2199-01-01T09:00",
            "closes_at": "2199-02-01T09:00",
            "max_entries_per_member": "1",
            "moderated": "y",
            "winner_count": "1",
            "winner_method": "votes",
            "judge_weight": "50",
        },
    )
    assert r.status_code == 302, r.get_data(as_text=True)
    contest_id = int(re.search(r"/contests/(\d+)$", r.headers["Location"]).group(1))
    assert staff.get(f"/contests/{contest_id}").get_json()["state"] == "open"
    entry_id = person().enter_ok(contest_id, 1)
    worker()
    review = client.get(f"/contests/{contest_id}/review")
    assert review.status_code == 200 and f"/entries/{entry_id}/review" in review.get_data(as_text=True)
    assert client.get("/contests/review").status_code == 200
    assert client.get(f"/entries/{entry_id}").status_code == 200
    for _ in range(2):
        assert client.post(f"/contests/{contest_id}/close").status_code == 302
    worker()
    page = client.get(f"/contests/{contest_id}")
    assert page.status_code == 200 and staff.get(f"/contests/{contest_id}").get_json()["announced_at"]
    assert client.get(f"/contests/{contest_id}/entrants.csv").status_code == 200
