"""Thumbnails of an uploaded entry, made on the worker: the job's key, its enqueueing, the work and its failure."""

from __future__ import annotations

from sqlalchemy import update

from ... import outbox
from ...extensions import db
from ...models import THUMBNAIL_SIZES, ContestEntry
from ...models.types import utcnow
from ...storage import storage
from .. import images, rewards
from . import slots

ENTRIES = ContestEntry.__table__
JOB_PREFIX = "thumbnails-"


def thumbnails_job(entry_id: int) -> str:
    return f"{JOB_PREFIX}{entry_id}"


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
        return fail(entry, f"We could not process this photo: {exc.message}")
    for size, data in made.items():
        store.write(keys[size], data)
    moved = db.session.execute(
        update(ENTRIES)
        .where(ENTRIES.c.id == entry_id, ENTRIES.c.state == "processing")
        .values(state=new_state, thumbnails_ready=True, processed_at=utcnow())
        .returning(ENTRIES.c.user_id)
    ).first()
    if moved and new_state == "approved":  # an unmoderated contest: approved as it is processed
        rewards.toggle(moved.user_id, "entry", f"entry:{entry_id}", on=True)
    db.session.commit()
    return new_state


def fail(entry: ContestEntry, reason: str) -> str:
    """The entrant sees the reason and gets the slot back; the hash goes, so the photo may be sent again."""
    failed = db.session.execute(
        update(ENTRIES)
        .where(ENTRIES.c.id == entry.id, ENTRIES.c.state == "processing")
        .values(state="failed", error=reason[:500], processed_at=utcnow(), photo_hash=None)
        .returning(ENTRIES.c.id)
    ).first()
    if failed:
        slots.release(entry)
    db.session.commit()
    return "failed"
