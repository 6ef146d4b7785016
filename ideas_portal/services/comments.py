"""Comments, one level of replies, and the staff's official response."""

from __future__ import annotations

from typing import cast

from sqlalchemy import CursorResult, select, update

from .. import policy
from ..extensions import db
from ..models import Comment, Idea
from ..models.types import utcnow
from . import audit, comment_notices, follows, lookup, mentions, pagination, responses, rewards, text
from .exceptions import Conflict, InvalidInput, NotFound

BODY_MAX = 5_000


def _commentable(idea_id) -> Idea:
    idea = lookup.row(Idea, idea_id)
    if idea is None:
        raise NotFound("There is no idea with that number.")
    if idea.withdrawn_at:
        raise Conflict("This idea was withdrawn by its author and takes no new comments.")
    if idea.hidden_at:
        raise Conflict("This idea is hidden pending review and takes no new comments.")
    return idea


def _checked_body(body) -> str:
    body = text.plain(body, "comment").strip()
    if not body:
        raise InvalidInput("Write something before posting a comment.")
    if len(body) > BODY_MAX:
        raise InvalidInput(f"Comments are limited to {BODY_MAX:,} characters.")
    return body


def add_comment(author, idea_id: int, body: str, parent_id: int | None = None) -> Comment:
    policy.require(author, "community.take_part")
    body = _checked_body(body)
    idea = _commentable(idea_id)
    replied_to = None
    if parent_id is not None:
        replied_to = lookup.row(Comment, parent_id)
        if replied_to is None:
            raise InvalidInput(f"There is no comment {parent_id} to reply to.")
        if replied_to.idea_id != idea.id:
            raise InvalidInput("You can only reply to a comment on the same idea.")
        if replied_to.deleted_at is not None:
            raise Conflict("That comment was removed and takes no new replies.")
        parent_id = replied_to.parent_id or replied_to.id
    rendered = mentions.render(body)
    comment = Comment(idea_id=idea.id, author_id=author.id, parent_id=parent_id, body=body, body_html=rendered.html)
    db.session.add(comment)
    db.session.execute(update(Idea).where(Idea.id == idea.id).values(comment_count=Idea.comment_count + 1))
    db.session.flush()
    if replied_to is not None:
        # The author of the comment actually answered, even when the reply hangs from its top-level comment.
        comment_notices.reply(author, idea, comment, replied_to.author_id)
    comment_notices.mentioned(author, idea, comment, rendered.user_ids)
    follows.follow(author.id, idea.id)
    responses.staff_answered(idea.id, author)
    rewards.mark_active(author.id)
    db.session.commit()
    return comment


def get_comment(comment_id: int) -> Comment:
    return lookup.found(Comment, comment_id, "There is no comment with that number.")


def _present(comment_id) -> Comment:
    comment = get_comment(comment_id)
    if comment.deleted_at is not None:
        raise Conflict("This comment was removed.")
    return comment


def edit_comment(user, comment_id: int, body: str) -> Comment:
    """Its author corrects it within the edit window; anyone newly mentioned hears of it, nobody twice."""
    comment = _present(comment_id)
    policy.require(user, "comment.edit", comment)
    policy.require(user, "community.take_part")
    if comment.hidden_at is not None:
        raise Conflict("This comment is hidden by the moderators and cannot be edited.")
    body = _checked_body(body)
    before = set(mentions.render(comment.body).user_ids)
    rendered = mentions.render(body)
    edited = cast(
        CursorResult,
        db.session.execute(
            update(Comment)  # only while it is there: a removal or hiding a moment ago keeps its words gone
            .where(Comment.id == comment.id, Comment.deleted_at.is_(None), Comment.hidden_at.is_(None))
            .values(body=body, body_html=rendered.html, edited_at=utcnow())
            .execution_options(synchronize_session=False)
        ),
    )
    if edited.rowcount != 1:
        db.session.rollback()
        raise Conflict("This comment was removed or hidden a moment ago, so it cannot be edited.")
    db.session.refresh(comment)
    idea = db.session.get_one(Idea, comment.idea_id)
    comment_notices.mentioned(user, idea, comment, [i for i in rendered.user_ids if i not in before])
    db.session.commit()
    return comment


def delete_comment(user, comment_id: int) -> Comment:
    """Its words go, the row stays so replies keep their place; counted out in the same transaction."""
    comment = _present(comment_id)
    policy.require(user, "comment.delete", comment)
    erased = cast(
        CursorResult,
        db.session.execute(
            update(Comment)
            .where(Comment.id == comment.id, Comment.deleted_at.is_(None))
            .values(deleted_at=utcnow(), body="", body_html="")
        ),
    )
    if erased.rowcount != 1:  # removed by someone else a moment ago
        db.session.rollback()
        raise Conflict("This comment was removed.")
    db.session.execute(update(Idea).where(Idea.id == comment.idea_id).values(comment_count=Idea.comment_count - 1))
    db.session.execute(
        update(Idea)
        .where(Idea.id == comment.idea_id, Idea.official_comment_id == comment.id)
        .values(official_comment_id=None)
    )
    if comment.author_id != user.id:  # staff removing a member's words answer for it in the audit log
        audit.record(user, "delete", "comment", comment.id)
    db.session.commit()
    db.session.refresh(comment)
    return comment


def set_official(staff_user, comment_id: int, official: bool = True) -> Comment:
    policy.require(staff_user, "comment.answer_officially")
    comment = get_comment(comment_id)
    if comment.parent_id is not None and official:
        raise InvalidInput("Only a top-level comment can be the official response.")
    if comment.deleted_at is not None and official:
        raise Conflict("A removed comment cannot be the official response.")
    idea = db.session.get_one(Idea, comment.idea_id)
    if official:
        idea.official_comment_id = comment.id
        comment_notices.official_answer(staff_user, idea, comment)
        responses.staff_answered(idea.id, staff_user)
        if idea.author_id != staff_user.id:  # once per idea, however often the answer changes
            rewards.award(idea.author_id, "official_answer", f"answer:{idea.id}", idea_id=idea.id)
    elif idea.official_comment_id == comment.id:
        idea.official_comment_id = None
    db.session.commit()
    return comment


Thread = list[tuple[Comment, list[Comment]]]


def thread(idea: Idea) -> tuple[tuple[Comment, list[Comment]] | None, Thread]:
    """The official response and the other top-level comments, each with its replies, in one query. A removed
    comment stays only where replies hang from it (it shows as "Comment removed" above them)."""
    rows = list(db.session.scalars(select(Comment).where(Comment.idea_id == idea.id).order_by(Comment.id)).unique())
    replies: dict[int, list[Comment]] = {}
    for c in rows:
        if c.parent_id and c.deleted_at is None:
            replies.setdefault(c.parent_id, []).append(c)
    official = next((c for c in rows if c.id == idea.official_comment_id), None)
    tops = [
        (c, replies.get(c.id, []))
        for c in rows
        if c.parent_id is None and c is not official and (c.deleted_at is None or c.id in replies)
    ]
    return ((official, replies.get(official.id, [])) if official else None), tops


def page(idea_id: int, limit: int = 50, cursor: str | None = None) -> pagination.Page:
    idea = lookup.row(Idea, idea_id)
    if idea is None:
        raise NotFound("There is no idea with that number.")
    stmt = select(Comment).where(Comment.idea_id == idea.id)
    return pagination.keyset(stmt, Comment.id, cursor=cursor, limit=limit, descending=False)
