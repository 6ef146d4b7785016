"""Photo contests through HTTP: setting up, entering, review, the gallery and voting."""

import io
import random
from datetime import datetime, timedelta, timezone

import pytest
from PIL import Image
from sqlalchemy import func, select, update

from ideas_portal.extensions import db
from ideas_portal.models import Contest, ContestEntry
from tests.conftest import run_worker_burst

CONTRACT_FIELDS = {
    "id",
    "title",
    "rules",
    "prize",
    "opens_at",
    "entries_close_at",
    "closes_at",
    "state",
    "winners",
    "announced_at",
}
ENTRY_FIELDS = {"id", "contest_id", "author", "caption", "state", "error", "image_url", "thumbnails", "votes"}
PHASES = {  # (opens_at, entries_close_at, closes_at) in seconds from now
    "upcoming": (3600, 7200, 10800),
    "open": (-3600, 3600, 7200),
    "voting": (-7200, -3600, 3600),
    "closed": (-10800, -7200, -1),
}


def iso(moment: datetime) -> str:
    return moment.isoformat().replace("+00:00", "Z")


def photo(n: int) -> io.BytesIO:
    """A JPEG of random 9×8 colour blocks: each n gives a different perceptual hash, so none is a duplicate."""
    rng = random.Random(n)
    img = Image.new("RGB", (9, 8))
    img.putdata([tuple(rng.randrange(256) for _ in range(3)) for _ in range(72)])
    out = io.BytesIO()
    img.resize((90, 80), Image.Resampling.NEAREST).save(out, "JPEG", quality=95)
    out.seek(0)
    return out


class Caller:
    """One user's API session (a bearer token of their own), so several members can act in one test."""

    def __init__(self, client, user):
        self.client, self.id, self.email = client, user.id, user.email  # plain values outlive the session
        r = client.post("/api/v1/tokens", json={"email": self.email, "password": "correct horse"})
        assert r.status_code == 201, r.get_json()
        self.headers = {"Authorization": f"Bearer {r.get_json()['token']}"}

    def call(self, method, path, **kw):
        return self.client.open("/api/v1" + path, method=method, headers=self.headers, **kw)

    def get(self, path, **kw):
        return self.call("GET", path, **kw)

    def post(self, path, **kw):
        return self.call("POST", path, **kw)

    def put(self, path, **kw):
        return self.call("PUT", path, **kw)

    def patch(self, path, **kw):
        return self.call("PATCH", path, **kw)

    def delete(self, path, **kw):
        return self.call("DELETE", path, **kw)

    def enter(self, contest_id, n, caption="", **form):
        return self.post(
            f"/contests/{contest_id}/entries",
            content_type="multipart/form-data",
            data={"photo": (photo(n), f"photo{n}.jpg"), "caption": caption, **form},
        )

    def enter_ok(self, contest_id, n, caption="", **form) -> int:
        r = self.enter(contest_id, n, caption, **form)
        assert r.status_code == 202, r.get_json()
        return r.get_json()["id"]


@pytest.fixture
def person(client, make_user):
    return lambda role="member": Caller(client, make_user(role))


@pytest.fixture
def worker(database_url, redis_url, tmp_path):
    def run():
        run_worker_burst(database_url, redis_url, tmp_path)

    return run


def new_contest(staff: Caller, **extra) -> dict:
    t = datetime.now(timezone.utc)
    body = {
        "title": "Autumn light",
        "rules": "Your own photo, taken **this year**.",
        "prize": "A camera",
        "opens_at": iso(t - timedelta(minutes=1)),
        "entries_close_at": iso(t + timedelta(days=1)),
        "closes_at": iso(t + timedelta(days=2)),
        **extra,
    }
    r = staff.post("/contests", json=body)
    assert r.status_code == 201, r.get_json()
    return r.get_json()


def move(contest_id: int, phase: str) -> None:
    """Moves the contest's windows around the clock instead of waiting for them."""
    t = datetime.now(timezone.utc)
    opens, entries_close, closes = (t + timedelta(seconds=s) for s in PHASES[phase])
    db.session.execute(
        update(Contest)
        .where(Contest.id == contest_id)
        .values(opens_at=opens, entries_close_at=entries_close, closes_at=closes)
    )
    db.session.commit()


def approved_entries(staff, worker, contest_id, entrants) -> list[int]:
    """One entry per caller in order, processed by the real worker and approved by staff."""
    ids = [who.enter_ok(contest_id, n) for n, who in enumerate(entrants, start=1)]
    worker()
    for entry_id in ids:
        r = staff.post(f"/entries/{entry_id}/review", json={"decision": "approve"})
        assert r.status_code == 200 and r.get_json()["state"] == "approved", r.get_json()
    return ids


def test_staff_create_contest_answers_201_with_contract_fields(person):
    contest = new_contest(person("staff"), max_entries_per_member=3, moderated=False)
    assert CONTRACT_FIELDS <= contest.keys()
    assert contest["state"] == "open" and contest["winners"] == [] and contest["announced_at"] is None
    assert contest["prize"] == "A camera" and contest["max_entries_per_member"] == 3 and not contest["moderated"]
    for name in ("opens_at", "entries_close_at", "closes_at"):
        assert datetime.fromisoformat(contest[name].replace("Z", "+00:00")).tzinfo is not None
    again = person().get(f"/contests/{contest['id']}")
    assert again.status_code == 200 and again.get_json()["title"] == "Autumn light"


def test_contest_state_follows_the_clock(person):
    staff = person("staff")
    contest_id = new_contest(staff)["id"]
    for phase in ("upcoming", "open", "voting", "closed"):
        move(contest_id, phase)
        assert staff.get(f"/contests/{contest_id}").get_json()["state"] == phase


def test_create_contest_needs_staff(person, client):
    t = datetime.now(timezone.utc)
    body = {
        "title": "Not mine",
        "rules": "Rules",
        "opens_at": iso(t),
        "entries_close_at": iso(t + timedelta(days=1)),
        "closes_at": iso(t + timedelta(days=2)),
    }
    assert person("member").post("/contests", json=body).status_code == 403
    r = client.post("/api/v1/contests", json=body)
    assert r.status_code == 401 and r.get_json()["error"]
    assert db.session.scalar(select(func.count()).select_from(Contest)) == 0


@pytest.mark.parametrize(
    "change",
    [
        {"opens_at": "next tuesday"},
        {"closes_at": "2001-01-01T00:00:00Z"},  # before opens_at
        {"entries_close_at": "2199-01-01T00:00:00Z"},  # after closes_at
        {"opens_at": None},
        {"title": ""},
    ],
)
def test_create_contest_with_bad_input_is_400_with_message(person, change):
    staff = person("staff")
    t = datetime.now(timezone.utc)
    body = {
        "title": "Spring",
        "rules": "Rules",
        "opens_at": iso(t),
        "entries_close_at": iso(t + timedelta(days=1)),
        "closes_at": iso(t + timedelta(days=2)),
        **change,
    }
    r = staff.post("/contests", json=body)
    assert r.status_code == 400 and isinstance(r.get_json()["error"], str) and r.get_json()["error"]


def test_unknown_contest_and_entry_are_404(person):
    staff = person("staff")
    for path in ("/contests/999999", "/contests/999999/entries", "/entries/999999"):
        r = staff.get(path)
        assert r.status_code == 404 and r.get_json()["error"], path
    assert staff.post("/contests/999999/close").status_code == 404
    assert staff.put("/entries/999999/vote").status_code == 404


def test_staff_can_patch_a_contest_members_cannot(person):
    staff = person("staff")
    contest = new_contest(staff)
    r = staff.patch(f"/contests/{contest['id']}", json={"title": "Winter light", "max_entries_per_member": 2})
    assert r.status_code == 200
    assert (r.get_json()["title"], r.get_json()["max_entries_per_member"]) == ("Winter light", 2)
    assert r.get_json()["rules"] == contest["rules"] and r.get_json()["closes_at"] == contest["closes_at"]
    assert person().patch(f"/contests/{contest['id']}", json={"title": "Mine now"}).status_code == 403
    bad = staff.patch(f"/contests/{contest['id']}", json={"closes_at": "2001-01-01T00:00:00Z"})
    assert bad.status_code == 400 and bad.get_json()["error"]
    after = staff.get(f"/contests/{contest['id']}").get_json()
    assert (after["title"], after["closes_at"]) == ("Winter light", contest["closes_at"])


def test_entry_is_processing_then_waits_for_review_hidden_from_others(person, client, worker):
    staff, author, other = person("staff"), person(), person()
    contest_id = new_contest(staff)["id"]
    r = author.enter(contest_id, 1, caption="Leaves")
    assert r.status_code == 202
    entry = r.get_json()
    assert ENTRY_FIELDS <= entry.keys() and entry["state"] == "processing" and entry["error"] is None
    assert entry["author"]["id"] == author.id and entry["caption"] == "Leaves" and entry["votes"] == 0
    worker()
    path = f"/entries/{entry['id']}"
    mine = author.get(path).get_json()
    assert mine["state"] == "pending_review" and all(mine["thumbnails"].values())
    assert staff.get(path).status_code == 200
    assert other.get(path).status_code == 404 and client.get("/api/v1" + path).status_code == 404
    assert other.get(f"/contests/{contest_id}/entries").get_json()["items"] == []
    assert staff.post(path + "/review", json={"decision": "approve"}).get_json()["state"] == "approved"
    assert client.get("/api/v1" + path).status_code == 200


def test_unmoderated_entry_is_approved_by_the_worker(person, worker):
    staff, author = person("staff"), person()
    contest_id = new_contest(staff, moderated=False)["id"]
    entry_id = author.enter_ok(contest_id, 1)
    worker()
    gallery = person().get(f"/contests/{contest_id}/entries").get_json()
    assert [e["id"] for e in gallery["items"]] == [entry_id] and gallery["items"][0]["state"] == "approved"


def test_same_photo_twice_in_one_contest_is_409(person):
    contest_id = new_contest(person("staff"), max_entries_per_member=5)["id"]
    author = person()
    author.enter_ok(contest_id, 1)
    r = person().enter(contest_id, 1)
    assert r.status_code == 409 and r.get_json()["error"]


def test_gallery_lists_approved_entries_newest_first_in_pages(person, worker):
    staff = person("staff")
    contest_id = new_contest(staff)["id"]
    entrants = [person() for _ in range(5)]
    ids = [who.enter_ok(contest_id, n) for n, who in enumerate(entrants, start=1)]
    worker()
    for entry_id in ids[:4]:
        staff.post(f"/entries/{entry_id}/review", json={"decision": "approve"})
    staff.post(f"/entries/{ids[4]}/review", json={"decision": "reject"})
    seen, cursor = [], None
    for _ in range(3):
        page = (
            person()
            .get(f"/contests/{contest_id}/entries?sort=new&limit=3" + (f"&cursor={cursor}" if cursor else ""))
            .get_json()
        )
        seen += [e["id"] for e in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == sorted(ids[:4], reverse=True) and cursor is None


def test_gallery_by_votes_pages_with_ties_going_to_the_earlier_entry(person, worker):
    staff = person("staff")
    contest_id = new_contest(staff, moderated=False)["id"]
    entrants = [person() for _ in range(5)]
    ids = [who.enter_ok(contest_id, n) for n, who in enumerate(entrants, start=1)]
    worker()
    voters = [person() for _ in range(2)]
    for voter, entry_id in [(voters[0], ids[3]), (voters[1], ids[3]), (voters[0], ids[1]), (voters[0], ids[4])]:
        assert voter.put(f"/entries/{entry_id}/vote").status_code == 200
    seen, cursor = [], ""
    while cursor is not None:
        page = staff.get(f"/contests/{contest_id}/entries?sort=votes&limit=2&cursor={cursor}").get_json()
        seen += [(e["id"], e["votes"]) for e in page["items"]]
        cursor = page["next_cursor"]
    assert seen == [(ids[3], 2), (ids[1], 1), (ids[4], 1), (ids[0], 0), (ids[2], 0)]


@pytest.mark.parametrize("phase", ["upcoming", "voting", "closed"])
def test_entries_outside_the_entry_window_are_409(person, phase):
    contest_id = new_contest(person("staff"))["id"]
    move(contest_id, phase)
    r = person().enter(contest_id, 1)
    assert r.status_code == 409 and r.get_json()["error"]
    assert db.session.scalar(select(func.count()).select_from(ContestEntry)) == 0


def test_per_member_limit_is_409_and_a_rejected_entry_frees_the_slot(person, worker):
    staff, author = person("staff"), person()
    contest_id = new_contest(staff, max_entries_per_member=1)["id"]
    first = author.enter_ok(contest_id, 1)
    over = author.enter(contest_id, 2)
    assert over.status_code == 409 and over.get_json()["error"]
    assert db.session.scalars(select(ContestEntry.id).where(ContestEntry.user_id == author.id)).all() == [first]
    worker()
    r = staff.post(f"/entries/{first}/review", json={"decision": "reject", "reason": "Not taken this year."})
    assert r.status_code == 200 and r.get_json()["state"] == "rejected"
    assert author.get(f"/entries/{first}").get_json()["error"] == "Not taken this year."
    assert author.enter(contest_id, 2).status_code == 202


def test_vote_counts_once_and_can_be_withdrawn(person, worker):
    staff, author, voter = person("staff"), person(), person()
    contest_id = new_contest(staff)["id"]
    [entry_id] = approved_entries(staff, worker, contest_id, [author])
    path = f"/entries/{entry_id}/vote"
    assert voter.put(path).get_json()["votes"] == 1
    again = voter.put(path)
    assert again.status_code == 200 and again.get_json()["votes"] == 1 and again.get_json()["voted"] is True
    assert voter.delete(path).get_json()["votes"] == 0
    assert voter.delete(path).get_json()["votes"] == 0
    own = author.put(path)
    assert own.status_code == 403 and own.get_json()["error"]
    assert author.get(f"/entries/{entry_id}").get_json()["votes"] == 0


@pytest.mark.parametrize("phase,expected", [("upcoming", 409), ("open", 200), ("voting", 200), ("closed", 409)])
def test_votes_are_taken_only_from_opens_at_to_closes_at(person, worker, phase, expected):
    staff, voter = person("staff"), person()
    contest_id = new_contest(staff)["id"]
    [entry_id] = approved_entries(staff, worker, contest_id, [person()])
    move(contest_id, phase)
    assert voter.put(f"/entries/{entry_id}/vote").status_code == expected
    assert staff.get(f"/entries/{entry_id}").get_json()["votes"] == (1 if expected == 200 else 0)
    assert voter.delete(f"/entries/{entry_id}/vote").status_code == expected


def test_entry_not_approved_takes_no_votes(person, worker):
    staff, author, voter = person("staff"), person(), person()
    contest_id = new_contest(staff)["id"]
    entry_id = author.enter_ok(contest_id, 1)
    assert voter.put(f"/entries/{entry_id}/vote").status_code == 404  # not even visible while processing
    worker()
    assert voter.put(f"/entries/{entry_id}/vote").status_code == 404  # pending review
    r = staff.put(f"/entries/{entry_id}/vote")
    assert r.status_code == 409 and r.get_json()["error"]  # staff can see it, but it is not in the gallery
    staff.post(f"/entries/{entry_id}/review", json={"decision": "reject"})
    assert voter.put(f"/entries/{entry_id}/vote").status_code == 404
    assert author.get(f"/entries/{entry_id}").get_json()["votes"] == 0


def test_daily_vote_allowance_is_enforced_and_withdrawing_gives_it_back(person, worker):
    staff, voter = person("staff"), person()
    contest_id = new_contest(staff, daily_vote_allowance=2)["id"]
    a, b, c = approved_entries(staff, worker, contest_id, [person(), person(), person()])
    assert voter.put(f"/entries/{a}/vote").status_code == 200
    assert voter.put(f"/entries/{b}/vote").status_code == 200
    extra = voter.put(f"/entries/{c}/vote")
    assert extra.status_code == 409 and extra.get_json()["error"]
    assert voter.get(f"/entries/{c}").get_json()["votes"] == 0
    assert voter.put(f"/entries/{a}/vote").status_code == 200  # a repeat vote costs nothing
    assert voter.delete(f"/entries/{b}/vote").get_json()["votes"] == 0
    assert voter.put(f"/entries/{c}/vote").get_json()["votes"] == 1
    assert person().put(f"/entries/{b}/vote").status_code == 200  # the allowance is per member


def test_approving_a_rejected_entry_again_takes_its_slot_back(person, worker):
    staff, author = person("staff"), person()
    contest_id = new_contest(staff, max_entries_per_member=1)["id"]
    first = author.enter_ok(contest_id, 1)
    worker()
    staff.post(f"/entries/{first}/review", json={"decision": "reject"})
    assert staff.post(f"/entries/{first}/review", json={"decision": "approve"}).get_json()["state"] == "approved"
    assert author.enter(contest_id, 2).status_code == 409
    staff.post(f"/entries/{first}/review", json={"decision": "reject"})
    second = author.enter_ok(contest_id, 2)  # the freed slot is used again
    worker()
    refused = staff.post(f"/entries/{first}/review", json={"decision": "approve"})
    assert refused.status_code == 409 and refused.get_json()["error"]
    assert author.get(f"/entries/{first}").get_json()["state"] == "rejected"
    assert author.get(f"/entries/{second}").get_json()["state"] == "pending_review"


def test_bad_requests_about_entries_are_clear_4xx(person, worker):
    staff, author = person("staff"), person()
    contest_id = new_contest(staff, moderated=False)["id"]
    [entry_id] = approved_entries(staff, worker, contest_id, [author])
    checks = [
        author.post(f"/contests/{contest_id}/entries", json={"caption": "no photo"}),
        author.post(f"/contests/{contest_id}/entries", content_type="multipart/form-data", data={"caption": "x"}),
        author.post(
            f"/contests/{contest_id}/entries",
            content_type="multipart/form-data",
            data={"photo": (io.BytesIO(b"GIF89a not really"), "x.jpg")},
        ),
        author.post(
            f"/contests/{contest_id}/entries",
            content_type="multipart/form-data",
            data={"photo": (photo(5), "x.jpg"), "caption": "x" * 301},
        ),
        staff.get(f"/contests/{contest_id}/entries?sort=nope"),
        staff.get(f"/contests/{contest_id}/entries?cursor=garbage"),
        staff.get(f"/contests/{contest_id}/entries?sort=votes&cursor=%00%ff"),
        staff.get(f"/contests/{contest_id}/entries?limit=-1"),
        staff.post(f"/entries/{entry_id}/review", json={"decision": "maybe"}),
        staff.post(f"/entries/{entry_id}/review", data="not json"),
        staff.patch(f"/contests/{contest_id}", json={"moderated": "yes"}),
        staff.patch(f"/contests/{contest_id}", json={"daily_vote_allowance": 0}),
        staff.patch(f"/contests/{contest_id}", json={"winner_method": "dice"}),
        staff.patch(f"/contests/{contest_id}", json={"title": ["list"]}),
    ]
    for n, r in enumerate(checks):
        assert r.status_code == 400 and r.get_json()["error"], (n, r.status_code, r.get_data(as_text=True)[:300])
