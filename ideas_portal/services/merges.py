"""Merging a duplicate idea into another, and undoing it, with votes counted once per member."""

from __future__ import annotations

from sqlalchemy import and_, delete, exists, insert, literal, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import aliased

from .. import policy
from ..extensions import db
from ..models import Comment, Follow, Idea, IdeaMerge, MergedRow, User, Vote
from ..models.types import utcnow
from . import dialect, lookup, search, status_catalog, status_changes, voting
from .exceptions import Conflict, InvalidInput


def _move_rows(merge_id: int, model, source_id: int, target_id: int, kind: str, value_col=None) -> None:
    """Rows whose member already has one on the target are recorded and dropped; the rest move."""
    other = aliased(model)
    clash = exists().where(and_(other.idea_id == target_id, other.user_id == model.user_id))
    value = value_col if value_col is not None else literal(None)
    for what, condition in ((f"{kind}_dropped", clash), (kind, ~clash)):
        db.session.execute(
            insert(MergedRow).from_select(
                ["merge_id", "what", "user_id", "value"],
                select(literal(merge_id), literal(what), model.user_id, value).where(
                    model.idea_id == source_id, condition
                ),
            )
        )
    db.session.execute(delete(model).where(model.idea_id == source_id, clash))
    db.session.execute(update(model).where(model.idea_id == source_id).values(idea_id=target_id))


def candidates(actor, source_id, q: str, limit: int = 10) -> list[Idea]:
    """Ideas the source could be merged into, best match first; "#12" or "12" finds that idea by number."""
    policy.require(actor, "idea.merge")
    source = lookup.idea(source_id)
    q = " ".join((q or "").split())[:200]
    number = q.removeprefix("#")
    ids = [int(number)] if number.isascii() and number.isdigit() and len(number) < 19 else []
    for any_term in (False, True):  # every word (the last one as typed so far) first, then any of them
        matches = search.matching_ids(q, any_term=any_term, limit=limit * 3)
        if matches is not None:
            ids += [row.id for row in db.session.execute(matches)]
    ids = [i for i in dict.fromkeys(ids) if i != source.id]
    found = {
        i.id: i
        for i in db.session.scalars(
            select(Idea).where(
                Idea.id.in_(ids), Idea.merged_into_id.is_(None), Idea.withdrawn_at.is_(None), Idea.hidden_at.is_(None)
            )
        ).unique()
    }
    return [found[i] for i in ids if i in found][:limit]


def merge(actor, source_id: int, target_id) -> Idea:
    """Moved votes earn nothing anew: each point stays with the author it went to, and no later withdrawal on the
    target takes back what the target's author never got (rewards.toggle takes back only what a vote holds)."""
    policy.require(actor, "idea.merge")
    if not isinstance(target_id, int) or isinstance(target_id, bool):
        raise InvalidInput("'into' must be the number of the idea to merge into.")
    source, target = lookup.idea(source_id), lookup.idea(target_id)
    if source.id == target.id:
        raise InvalidInput("An idea cannot be merged into itself.")
    if source.merged_into_id:
        raise Conflict(f"Idea #{source.id} is already merged into #{source.merged_into_id}.")
    if target.merged_into_id:
        raise Conflict(f"Idea #{target.id} is itself merged into #{target.merged_into_id}; merge into that one.")
    record = IdeaMerge(source_id=source.id, target_id=target.id, source_status_id=source.status_id, actor_id=actor.id)
    db.session.add(record)
    db.session.flush()
    try:
        _move_rows(record.id, Vote, source.id, target.id, "vote", Vote.value)
        _move_rows(record.id, Follow, source.id, target.id, "follow")
    except IntegrityError:
        db.session.rollback()
        raise Conflict("Votes changed while merging; please try again.") from None
    db.session.execute(
        insert(MergedRow).from_select(
            ["merge_id", "what", "comment_id"],
            select(literal(record.id), literal("comment"), Comment.id).where(Comment.idea_id == source.id),
        )
    )
    db.session.execute(update(Comment).where(Comment.idea_id == source.id).values(idea_id=target.id))
    source.merged_into_id = target.id
    status_changes.record(
        source,
        source.status_id,
        status_catalog.find_status("duplicate"),
        actor,
        f"Merged into #{target.id} “{target.title}”: votes, comments and followers moved there.",
    )
    voting.recount([source.id, target.id])
    db.session.commit()
    return target


def undo(actor, source_id: int) -> Idea:
    policy.require(actor, "idea.unmerge")
    source = lookup.idea(source_id)
    record = db.session.scalar(
        select(IdeaMerge)
        .where(IdeaMerge.source_id == source.id, IdeaMerge.undone_at.is_(None))
        .order_by(IdeaMerge.id.desc())
    )
    if record is None or source.merged_into_id is None:
        raise Conflict("This idea is not merged.")
    rows = db.session.scalars(select(MergedRow).where(MergedRow.merge_id == record.id)).all()
    by_kind: dict[str, list[MergedRow]] = {}
    for row in rows:
        by_kind.setdefault(row.what, []).append(row)
    kinds: tuple[tuple[type[Vote] | type[Follow], str], ...] = ((Vote, "vote"), (Follow, "follow"))
    for model, kind in kinds:
        moved = [r.user_id for r in by_kind.get(kind, [])]
        if moved:  # a member who meanwhile has a row on the source keeps both
            other = aliased(model)
            already = exists().where(and_(other.idea_id == source.id, other.user_id == model.user_id))
            db.session.execute(
                update(model)
                .where(model.idea_id == record.target_id, model.user_id.in_(moved), ~already)
                .values(idea_id=source.id)
            )
    now = utcnow()
    for model, kind in ((Vote, "vote_dropped"), (Follow, "follow_dropped")):
        for row in by_kind.get(kind, []):
            values = {"idea_id": source.id, "user_id": row.user_id, "created_at": now}
            if model is Vote:  # held again if its member is still unverified: a held vote never counts
                member = db.session.get_one(User, row.user_id)
                values.update(value=row.value, held=member.email_verified_at is None)
            db.session.execute(
                dialect.insert(model)
                .values(**values)
                .on_conflict_do_nothing(
                    index_elements=["idea_id", "user_id"] if model is Vote else ["user_id", "idea_id"]
                )
            )
    comment_ids = [r.comment_id for r in by_kind.get("comment", []) if r.comment_id]
    if comment_ids:
        db.session.execute(update(Comment).where(Comment.id.in_(comment_ids)).values(idea_id=source.id))
    record.undone_at = now
    source.merged_into_id = None
    previous = db.session.get_one(type(source.status), record.source_status_id)
    status_changes.record(source, source.status_id, previous, actor, "Merge undone: this idea stands on its own again.")
    voting.recount([source.id, record.target_id])
    db.session.commit()
    return source
