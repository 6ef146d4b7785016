"""Community care: flags that hide an item, staff decisions and suspensions, each one audited."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import cast

from flask import current_app
from sqlalchemy import CursorResult, and_, func, or_, select, update

from .. import policy
from ..extensions import db
from ..models import Comment, Flag, Idea, User
from ..models.types import is_id, utcnow
from . import api_tokens, lookup, markdown, pagination, text
from .audit import record
from .dialect import insert
from .exceptions import Conflict, InvalidInput, NotAllowed, NotFound

REASON_MAX = 500
REMOVED = "[removed by moderator]"
TARGETS: dict[str, type[Idea] | type[Comment]] = {"idea": Idea, "comment": Comment}
# A decision closes the item's open flags with this resolution.
DECISIONS = {"approve": "approved", "hide": "hidden", "delete": "deleted"}


@dataclass
class QueueItem:
    target_type: str
    target_id: int
    target: Idea | Comment | None
    idea: Idea | None  # the idea itself, or the one a comment belongs to
    flags: list[Flag]
    count: int
    first_at: datetime


def clean_reason(value, field: str = "reason", *, required: bool = True) -> str:
    value = text.plain(value, field).strip()
    if required and not value:
        raise InvalidInput(f"Give a {field} (1 to {REASON_MAX} characters).")
    if len(value) > REASON_MAX:
        raise InvalidInput(f"The {field} is limited to {REASON_MAX} characters (it has {len(value)}).")
    return value


def _model(target_type: str):
    if target_type not in TARGETS:
        raise InvalidInput("Only ideas and comments can be flagged.")
    return TARGETS[target_type]


def _not_found(target_type: str) -> NotFound:
    return NotFound(f"There is no {target_type} with that number.")


def visible_idea(idea_id, viewer) -> Idea:
    """An idea as the viewer may see it: hidden ideas do not exist for members and visitors."""
    idea = lookup.row(Idea, idea_id)
    if idea is None or (idea.hidden_at is not None and not policy.allows(viewer, "moderation.see_hidden")):
        raise _not_found("idea")
    return idea


def flag(user, target_type: str, target_id, reason) -> Flag:
    """One flag per member per item; the flag that reaches the threshold hides the item, exactly once."""
    policy.require(user, "community.take_part")
    model = _model(target_type)
    reason = clean_reason(reason)
    # Lock the item's row so concurrent flaggers count one after another (plain columns: no outer joins).
    row = (
        db.session.execute(select(model.id, model.author_id).where(model.id == target_id).with_for_update()).first()
        if is_id(target_id)
        else None
    )
    if row is None:
        raise _not_found(target_type)
    if row.author_id == user.id:
        raise InvalidInput(f"You cannot flag your own {target_type}. You can edit or withdraw it instead.")
    flag_id = db.session.execute(
        insert(Flag)
        .values(target_type=target_type, target_id=row.id, user_id=user.id, reason=reason, created_at=utcnow())
        .on_conflict_do_nothing(index_elements=["target_type", "target_id", "user_id"])
        .returning(Flag.id)
    ).scalar()
    if flag_id is None:
        db.session.rollback()
        raise Conflict(f"You have already flagged this {target_type}. Our moderators will look at it.")
    _hide_when_flagged(target_type, row.id)
    db.session.commit()
    return db.session.get_one(Flag, flag_id)


def _hide_when_flagged(target_type: str, target_id: int) -> None:
    model = TARGETS[target_type]
    threshold = max(1, current_app.config["FLAG_HIDE_THRESHOLD"])
    count = db.session.scalar(
        select(func.count())
        .select_from(Flag)
        .where(Flag.target_type == target_type, Flag.target_id == target_id, Flag.resolved_at.is_(None))
    )
    if count < threshold:
        return
    hidden = db.session.execute(
        update(model)
        .where(model.id == target_id, model.hidden_at.is_(None))
        .values(hidden_at=utcnow())
        .returning(model.id)
    ).first()
    if hidden:
        record(None, "auto_hide", target_type, target_id, f"Flagged by {count} members.")


def _resolve_flags(target_type: str, target_id: int, resolution: str) -> int:
    return cast(
        CursorResult,
        db.session.execute(
            update(Flag)
            .where(Flag.target_type == target_type, Flag.target_id == target_id, Flag.resolved_at.is_(None))
            .values(resolved_at=utcnow(), resolution=resolution)
            .execution_options(synchronize_session=False)
        ),
    ).rowcount


def decide(actor, target_type: str, target_id, decision: str, note: str = "") -> Idea | Comment | None:
    """Closes the item's open flags; only a deleted comment loses its text, everything else can be restored."""
    policy.require(actor, "moderation.review")
    model = _model(target_type)
    if decision not in DECISIONS:
        raise InvalidInput(f"decision must be one of: {', '.join(DECISIONS)}.")
    note = clean_reason(note, "note", required=False)
    target = lookup.row(model, target_id)
    resolved = _resolve_flags(target_type, target_id, DECISIONS[decision]) if is_id(target_id) else 0
    if target is None and not resolved:
        raise _not_found(target_type)
    if target is not None:
        if decision == "approve":
            target.hidden_at = None
        elif decision == "delete" and target_type == "comment":
            target.body, target.body_html, target.hidden_at = REMOVED, markdown.render(REMOVED), None
        elif target.hidden_at is None:
            target.hidden_at = utcnow()
    record(actor, decision, target_type, target_id, note)
    db.session.commit()
    return target


def get_member(user_id) -> User:
    return lookup.found(User, user_id, "There is no member with that number.")


def ban(actor, user_id, reason) -> User:
    policy.require(actor, "moderation.review")
    reason = clean_reason(reason)
    member = get_member(user_id)
    if member.is_staff:
        raise NotAllowed("Staff accounts cannot be suspended.")
    done = db.session.execute(
        update(User)
        .where(User.id == member.id, User.banned_at.is_(None))
        .values(banned_at=utcnow(), ban_reason=reason)
        .returning(User.id)
    ).first()
    if not done:
        raise Conflict(f"{member.name} is already suspended.")
    api_tokens.revoke_all(member.id)  # programs acting for the member stop with the suspension
    record(actor, "ban", "user", member.id, reason)
    db.session.commit()
    return member


def unban(actor, user_id, note: str = "") -> User:
    policy.require(actor, "moderation.review")
    note = clean_reason(note, "note", required=False)
    member = get_member(user_id)
    done = db.session.execute(
        update(User)
        .where(User.id == member.id, User.banned_at.is_not(None))
        .values(banned_at=None, ban_reason=None)
        .returning(User.id)
    ).first()
    if not done:
        raise Conflict(f"{member.name} is not suspended.")
    record(actor, "unban", "user", member.id, note)
    db.session.commit()
    return member


def suspended_members(limit: int = 30, cursor: str | None = None) -> pagination.Page:
    return pagination.keyset(
        select(User).where(User.banned_at.is_not(None)),
        User.id,
        cursor=cursor,
        limit=limit,
        sort_column=User.banned_at,
        as_datetime=True,
    )


def _open_groups():
    first_at, first_id = func.min(Flag.created_at), func.min(Flag.id)
    return (
        (
            select(
                Flag.target_type,
                Flag.target_id,
                func.count().label("n"),
                first_at.label("first_at"),
                first_id.label("first_id"),
            )
            .where(Flag.resolved_at.is_(None))
            .group_by(Flag.target_type, Flag.target_id)
        ),
        first_at,
        first_id,
    )


def open_item_count() -> int:
    groups, _, _ = _open_groups()
    return db.session.scalar(select(func.count()).select_from(groups.subquery())) or 0


def queue(limit: int = 20, cursor: str | None = None) -> pagination.Page:
    """Items with open flags, the longest-waiting first, each with all its open flags."""
    stmt, first_at, first_id = _open_groups()
    page = pagination.keyset(
        stmt,
        first_id,
        cursor=cursor,
        limit=limit,
        sort_column=first_at,
        descending=False,
        as_datetime=True,
        having=True,
        scalars=False,
        cursor_of=lambda r: (r.first_at, r.first_id),
    )
    rows, next_cursor = page.items, page.next_cursor
    ids = {kind: [r.target_id for r in rows if r.target_type == kind] for kind in TARGETS}
    comments = {c.id: c for c in db.session.scalars(select(Comment).where(Comment.id.in_(ids["comment"])))}
    idea_ids = set(ids["idea"]) | {c.idea_id for c in comments.values()}
    ideas = {i.id: i for i in db.session.scalars(select(Idea).where(Idea.id.in_(idea_ids))).unique()}
    flags: dict[tuple[str, int], list[Flag]] = {}
    for f in db.session.scalars(
        select(Flag)
        .where(
            Flag.resolved_at.is_(None),
            or_(*(and_(Flag.target_type == kind, Flag.target_id.in_(kind_ids)) for kind, kind_ids in ids.items())),
        )
        .order_by(Flag.id)
    ).unique():
        flags.setdefault((f.target_type, f.target_id), []).append(f)
    items = []
    for r in rows:
        if r.target_type == "idea":
            target: Idea | Comment | None = ideas.get(r.target_id)
            idea = ideas.get(r.target_id)
        else:
            target = comments.get(r.target_id)
            idea = ideas.get(target.idea_id) if target else None
        items.append(
            QueueItem(
                r.target_type, r.target_id, target, idea, flags.get((r.target_type, r.target_id), []), r.n, r.first_at
            )
        )
    return pagination.Page(items, next_cursor)


def is_pending(target_type: str, target_id: int) -> bool:
    """Hidden by members' flags and not yet decided by staff (as opposed to removed by staff)."""
    return (
        db.session.scalar(
            select(Flag.id)
            .where(Flag.target_type == target_type, Flag.target_id == target_id, Flag.resolved_at.is_(None))
            .limit(1)
        )
        is not None
    )


@dataclass
class IdeaFlags:
    """What the idea page needs: open flag counts for staff, and which items the viewer has flagged."""

    open: dict[tuple[str, int], int]
    mine: set[tuple[str, int]]


def idea_flags(idea: Idea, viewer) -> IdeaFlags:
    on_idea = or_(
        and_(Flag.target_type == "idea", Flag.target_id == idea.id),
        and_(Flag.target_type == "comment", Flag.target_id.in_(select(Comment.id).where(Comment.idea_id == idea.id))),
    )
    rows = db.session.execute(select(Flag.target_type, Flag.target_id, Flag.user_id, Flag.resolved_at).where(on_idea))
    open_counts: dict[tuple[str, int], int] = {}
    mine = set()
    viewer_id = viewer.id if getattr(viewer, "is_authenticated", False) else None
    for kind, target_id, user_id, resolved_at in rows:
        if resolved_at is None:
            open_counts[(kind, target_id)] = open_counts.get((kind, target_id), 0) + 1
        if user_id == viewer_id:
            mine.add((kind, target_id))
    return IdeaFlags(open_counts, mine)
