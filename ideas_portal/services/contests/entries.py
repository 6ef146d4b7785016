"""Contest entries: a safe upload, a thumbnail job, staff review, the gallery."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import String, cast, literal, select, tuple_, update
from sqlalchemy.exc import IntegrityError

from ... import outbox
from ...extensions import db
from ...models import THUMBNAIL_SIZES, Contest, ContestEntrant, ContestEntry, PhotoHashBand
from ...models.types import utcnow
from ...storage import storage
from .. import images, lookup, pagination, text
from ..dialect import insert
from ..exceptions import Conflict, InvalidInput, NotAllowed, NotFound
from ..moderation import ensure_not_banned
from . import contests

CAPTION_MAX = 300
STUCK_AFTER = timedelta(minutes=1)
ENTRIES, ENTRANTS = ContestEntry.__table__, ContestEntrant.__table__


@dataclass
class EntrantDetails:
    """Given once per contest with the rules; contact details are optional, marketing consent separate."""

    accepted_rules: bool = False
    full_name: str = ""
    phone: str = ""
    postal_address: str = ""
    marketing_consent: bool = False

    def cleaned(self) -> EntrantDetails:
        limits = {"full_name": 120, "phone": 40, "postal_address": 500}
        for name, limit in limits.items():
            value = text.plain(getattr(self, name) or "", name.replace("_", " ")).strip()
            if len(value) > limit:
                raise InvalidInput(f"The {name.replace('_', ' ')} is limited to {limit} characters.")
            setattr(self, name, value)
        return self


def _accept_rules(user, contest: Contest, details: EntrantDetails) -> None:
    now = utcnow()
    values = {"full_name": details.full_name, "phone": details.phone, "postal_address": details.postal_address,
              "marketing_consent": details.marketing_consent,
              "marketing_consent_at": now if details.marketing_consent else None}
    given = {k: v for k, v in values.items() if v or k == "marketing_consent"}
    stmt = insert(ENTRANTS).values(contest_id=contest.id, user_id=user.id, accepted_rules_at=now, entries=0,
                                   **values)
    db.session.execute(stmt.on_conflict_do_update(index_elements=["contest_id", "user_id"], set_=given)
                       if details.accepted_rules else stmt.on_conflict_do_nothing())


def _won_slot(user_id: int, contest: Contest) -> bool:
    """The per-member limit holds under concurrent uploads: only an UPDATE under the limit wins a slot."""
    return db.session.execute(
        update(ENTRANTS).where(ENTRANTS.c.contest_id == contest.id, ENTRANTS.c.user_id == user_id,
                               ENTRANTS.c.entries < contest.max_entries_per_member)
        .values(entries=ENTRANTS.c.entries + 1).returning(ENTRANTS.c.entries)).first() is not None


def _claim_slot(user, contest: Contest) -> None:
    if not _won_slot(user.id, contest):
        limit = contest.max_entries_per_member
        raise Conflict(f"You have entered this contest {limit} time{'s' if limit != 1 else ''}, the most allowed.")


def _release_slot(entry: ContestEntry) -> None:
    db.session.execute(update(ENTRANTS).where(ENTRANTS.c.contest_id == entry.contest_id,
                                              ENTRANTS.c.user_id == entry.user_id, ENTRANTS.c.entries > 0)
                       .values(entries=ENTRANTS.c.entries - 1))


LOOKS_THE_SAME = ("This photo looks the same as one already entered in this contest. If it's a different photo, "
                  "please try another shot of it: the check compares how photos look, not who took them.")


def _refuse_duplicate(contest: Contest, photo_hash: str) -> None:
    """Candidates have a hash band within one bit of this photo's (indexed); failed entries drop their hash
    (see _fail), so may be sent again."""
    candidates = (select(PhotoHashBand.entry_id).where(
        PhotoHashBand.contest_id == contest.id,
        tuple_(PhotoHashBand.band, PhotoHashBand.value).in_(images.hash_band_probes(photo_hash))).distinct())
    hashes = db.session.scalars(select(ContestEntry.photo_hash).where(ContestEntry.id.in_(candidates),
                                                                     ContestEntry.photo_hash.is_not(None)))
    if any(images.same_photo(photo_hash, h) for h in hashes):
        raise Conflict(LOOKS_THE_SAME)


def index_photo(entry: ContestEntry) -> None:
    db.session.execute(insert(PhotoHashBand.__table__), [
        {"contest_id": entry.contest_id, "band": band, "value": value, "entry_id": entry.id}
        for band, value in images.hash_bands(entry.photo_hash)])


def submit(user, contest_id, photo, caption: str, details: EntrantDetails) -> ContestEntry:
    """Stores a clean copy of the photo and the entry ("processing"); thumbnails follow on the worker."""
    ensure_not_banned(user)
    contest = contests.get(contest_id)
    now = utcnow()
    if not contest.opens_at <= now < contest.entries_close_at or contest.announced_at:
        raise Conflict("This contest is not taking entries: " + (
            "it opens later." if now < contest.opens_at else "entries have closed."))
    if not details.accepted_rules:
        raise InvalidInput("Please accept the contest rules to enter.")
    details = details.cleaned()
    caption = text.plain(caption or "", "caption").strip()
    if len(caption) > CAPTION_MAX:
        raise InvalidInput(f"The caption is limited to {CAPTION_MAX} characters.")
    if photo is None:
        raise InvalidInput("Choose a photo to upload (JPEG, PNG or WebP).")
    db.session.rollback()  # no transaction (on SQLite: the write lock) while the photo is decoded
    clean = images.normalise_photo(photo)
    _refuse_duplicate(contest, clean.hash)
    store = storage()
    key = store.save(clean.data, ".jpg", folder=f"contests/{contest.id}")
    try:
        _accept_rules(user, contest, details)
        _claim_slot(user, contest)
        entry = ContestEntry(contest_id=contest.id, user_id=user.id, caption=caption, original_key=key,
                             width=clean.width, height=clean.height, photo_hash=clean.hash, created_at=now)
        db.session.add(entry)
        db.session.flush()
        index_photo(entry)
        enqueue_thumbnails(entry.id)
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        store.delete(key)
        raise Conflict(LOOKS_THE_SAME) from None
    except BaseException:
        db.session.rollback()
        store.delete(key)
        raise
    return entry


def thumbnails_job(entry_id: int) -> str:
    return f"thumbnails-{entry_id}"


def enqueue_thumbnails(entry_id: int) -> bool:
    """Into the caller's transaction, with the entry: Redis down only delays thumbnails (outbox relay)."""
    return outbox.enqueue("thumbnails.make_thumbnails", entry_id, key=thumbnails_job(entry_id))


def process(entry_id: int) -> str:
    """Writes the three thumbnails, then moves the entry on; running it twice does no harm."""
    entry = db.session.get(ContestEntry, entry_id)
    if entry is None or entry.state != "processing":
        return entry.state if entry else "missing"
    original_key, keys = entry.original_key, {size: entry.thumbnail_key(size) for size in THUMBNAIL_SIZES}
    new_state = "pending_review" if entry.contest.moderated else "approved"
    db.session.rollback()  # no transaction held through the image work; the UPDATE below re-checks the state
    store = storage()
    for key in keys.values():
        store.discard_partials(key)  # from a worker killed mid-write
    try:
        with store.open(original_key) as original:
            made = images.thumbnails(original, THUMBNAIL_SIZES)
    except images.InvalidImage as exc:
        return _fail(entry, f"We could not process this photo: {exc.message}")
    for size, data in made.items():
        store.write(keys[size], data)
    db.session.execute(update(ENTRIES).where(ENTRIES.c.id == entry_id, ENTRIES.c.state == "processing")
                       .values(state=new_state, thumbnails_ready=True, processed_at=utcnow()))
    db.session.commit()
    return new_state


def _fail(entry: ContestEntry, reason: str) -> str:
    failed = db.session.execute(update(ENTRIES).where(ENTRIES.c.id == entry.id, ENTRIES.c.state == "processing")
                                .values(state="failed", error=reason[:500], processed_at=utcnow(), photo_hash=None)
                                .returning(ENTRIES.c.id)).first()
    if failed:
        _release_slot(entry)
    db.session.commit()
    return "failed"


def sweep_stuck(now=None) -> dict[str, int]:
    """Entries still processing a minute after upload: failed once their job has run out of retries.

    An entry written without its job (older data) gets one; waiting jobs are the relay's business.
    """
    from ...models import OutboxJob

    cutoff = (now or utcnow()) - STUCK_AFTER
    rows = db.session.execute(
        select(ContestEntry.id, OutboxJob.state)
        .outerjoin(OutboxJob, OutboxJob.key == literal("thumbnails-").concat(cast(ContestEntry.id, String)))
        .where(ContestEntry.state == "processing", ContestEntry.created_at < cutoff)).all()
    result = {"enqueued": 0, "failed": 0, "waiting": 0}
    for entry_id, job_state in rows:
        if job_state == "failed":
            _fail(db.session.get(ContestEntry, entry_id), "We could not process this photo. Please upload it again.")
            result["failed"] += 1
        elif job_state is None:
            result["enqueued"] += enqueue_thumbnails(entry_id)
        else:
            result["waiting"] += 1
    db.session.commit()
    return result


def can_see(entry: ContestEntry, viewer) -> bool:
    if entry.state == "approved":
        return True
    return bool(viewer and getattr(viewer, "is_authenticated", False)
                and (viewer.id == entry.user_id or viewer.is_staff))


def get_visible(entry_id, viewer) -> ContestEntry:
    entry = lookup.row(ContestEntry, entry_id)
    if entry is None or not can_see(entry, viewer):
        raise NotFound("There is no entry with that number.")
    return entry


def review(actor, entry_id, decision: str, reason: str = "") -> ContestEntry:
    """Staff approve or reject; a rejected entrant sees the reason and gets the slot back."""
    if not getattr(actor, "is_staff", False):
        raise NotAllowed("Only staff can review entries.")
    entry = get_visible(entry_id, actor)
    if decision not in ("approve", "reject"):
        raise InvalidInput("decision must be 'approve' or 'reject'.")
    reason = text.plain(reason or "", "reason").strip()[:500]
    if entry.state in ("processing", "failed"):
        raise Conflict("Only a processed entry can be reviewed.")
    if entry.contest.announced_at:
        raise Conflict("The winners are announced; entries can no longer change.")
    target = "approved" if decision == "approve" else "rejected"
    if entry.state != target:
        changed = db.session.execute(
            update(ENTRIES).where(ENTRIES.c.id == entry.id, ENTRIES.c.state == entry.state)
            .values(state=target, reviewed_at=utcnow(), reviewed_by_id=actor.id,
                    error=None if target == "approved" else (reason or "It does not meet the contest rules."))
            .returning(ENTRIES.c.id)).first()
        if changed and target == "rejected":
            _release_slot(entry)
        elif changed and entry.state == "rejected" and not _won_slot(entry.user_id, entry.contest):
            db.session.rollback()  # the rejection gave the slot back and the member has used it since
            raise Conflict("This member has entered another photo since; they are at the contest's limit.")
        db.session.commit()
        db.session.refresh(entry)
    return entry


def review_queue(contest_id: int | None = None, limit: int = 50) -> list[ContestEntry]:
    stmt = select(ContestEntry).where(ContestEntry.state == "pending_review")
    if contest_id:
        stmt = stmt.where(ContestEntry.contest_id == contest_id)
    return list(db.session.scalars(stmt.order_by(ContestEntry.id).limit(limit)).unique())


def gallery(contest_id: int, sort: str = "new", limit: int = 24, cursor: str | None = None) -> pagination.Page:
    """Approved entries, newest first or most votes first (ties: the earlier entry), keyset-paged."""
    if sort not in ("new", "votes"):
        raise InvalidInput("sort must be 'new' or 'votes'.")
    stmt = select(ContestEntry).where(ContestEntry.contest_id == contest_id, ContestEntry.state == "approved")
    if sort == "new":
        if cursor:
            _, last_id = pagination.decode(cursor)
            stmt = stmt.where(ContestEntry.id < last_id)
        stmt = stmt.order_by(ContestEntry.id.desc())
    else:
        if cursor:
            votes, last_id = pagination.decode(cursor)
            stmt = stmt.where((ContestEntry.votes < votes)
                              | ((ContestEntry.votes == votes) & (ContestEntry.id > last_id)))
        stmt = stmt.order_by(ContestEntry.votes.desc(), ContestEntry.id)
    rows = list(db.session.scalars(stmt.limit(limit + 1)).unique())
    next_cursor = None
    if len(rows) > limit:
        rows = rows[:limit]
        next_cursor = pagination.encode(rows[-1].votes if sort == "votes" else rows[-1].id, rows[-1].id)
    return pagination.Page(rows, next_cursor)


def covers(contest_ids: list[int]) -> dict[int, ContestEntry]:
    """The most-voted photo of each contest (ties: the earlier one), for contest cards."""
    best = (select(ContestEntry.id).where(ContestEntry.contest_id == Contest.id, ContestEntry.state == "approved",
                                          ContestEntry.thumbnails_ready.is_(True))
            .order_by(ContestEntry.votes.desc(), ContestEntry.id).limit(1).scalar_subquery())
    ids = [i for i in db.session.scalars(select(best).where(Contest.id.in_(contest_ids))) if i]
    found = db.session.scalars(select(ContestEntry).where(ContestEntry.id.in_(ids))).unique() if ids else []
    return {entry.contest_id: entry for entry in found}


def mine(user, contest_id: int) -> list[ContestEntry]:
    if not user or not getattr(user, "is_authenticated", False):
        return []
    return list(db.session.scalars(select(ContestEntry).where(
        ContestEntry.contest_id == contest_id, ContestEntry.user_id == user.id).order_by(ContestEntry.id)).unique())


def entrant(user, contest_id: int) -> ContestEntrant | None:
    if not user or not getattr(user, "is_authenticated", False):
        return None
    return db.session.get(ContestEntrant, (contest_id, user.id))
