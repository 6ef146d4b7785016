"""Entering a contest: the rules accepted once, the photo cleaned, checked for copies and stored, a slot taken."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.exc import IntegrityError

from ... import policy
from ...extensions import db
from ...models import Contest, ContestEntrant, ContestEntry
from ...models.types import utcnow
from ...storage import storage
from .. import consent, images, rewards, text
from ..dialect import insert
from ..exceptions import Conflict, InvalidInput
from . import contests, duplicates, processing, slots

CAPTION_MAX = 300
ENTRANTS = ContestEntrant.__table__


@dataclass
class EntrantDetails:
    """Given once per contest with the rules; contact details are optional, marketing consent separate
    (None leaves the member's consent as it is; True or False gives or withdraws it, see consent.set_consent)."""

    accepted_rules: bool = False
    full_name: str = ""
    phone: str = ""
    postal_address: str = ""
    marketing_consent: bool | None = None

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
    if details.marketing_consent is not None:
        consent.set_consent(user, details.marketing_consent, f"contest {contest.id}")
    agreed = bool(user.marketing_consent)  # the entrant row keeps what held when they entered; the export asks now
    values = {
        "full_name": details.full_name,
        "phone": details.phone,
        "postal_address": details.postal_address,
        "marketing_consent": agreed,
        "marketing_consent_at": now if agreed else None,
    }
    given = {k: v for k, v in values.items() if v or k == "marketing_consent"}
    stmt = insert(ENTRANTS).values(contest_id=contest.id, user_id=user.id, accepted_rules_at=now, entries=0, **values)
    db.session.execute(
        stmt.on_conflict_do_update(index_elements=["contest_id", "user_id"], set_=given)
        if details.accepted_rules
        else stmt.on_conflict_do_nothing()
    )


def stored_entry(contest, user, caption: str, clean, key: str, at) -> ContestEntry:
    """The entry row of a cleaned, stored photo, indexed for the duplicate check (the demo data's way in too)."""
    entry = ContestEntry(
        contest_id=contest.id,
        user_id=user.id,
        caption=caption,
        original_key=key,
        width=clean.width,
        height=clean.height,
        photo_hash=clean.hash,
        created_at=at,
    )
    db.session.add(entry)
    db.session.flush()
    duplicates.index_photo(entry)
    return entry


def submit(user, contest_id, photo, caption: str, details: EntrantDetails) -> ContestEntry:
    """Stores a clean copy of the photo and the entry ("processing"); thumbnails follow on the worker."""
    policy.require(user, "community.take_part")
    contest = contests.get(contest_id)
    now = utcnow()
    if not contest.opens_at <= now < contest.entries_close_at or contest.announced_at:
        raise Conflict(
            "This contest is not taking entries: "
            + ("it opens later." if now < contest.opens_at else "entries have closed.")
        )
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
    duplicates.refuse_duplicate(contest, clean.hash)
    store = storage()
    key = store.save(clean.data, ".jpg", folder=f"contests/{contest.id}")
    try:
        _accept_rules(user, contest, details)
        slots.claim(user, contest)
        entry = stored_entry(contest, user, caption, clean, key, now)
        processing.enqueue_thumbnails(entry.id)
        rewards.mark_active(user.id)
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        store.delete(key)
        raise Conflict(duplicates.LOOKS_THE_SAME) from None
    except BaseException:
        db.session.rollback()
        store.delete(key)
        raise
    return entry
