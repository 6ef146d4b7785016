"""Comments, one level of replies, and the staff's official response."""

from __future__ import annotations

from sqlalchemy import select, update

from .. import policy
from ..extensions import db
from ..models import Comment, Idea
from . import follows, lookup, markdown, pagination, text
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


def add_comment(author, idea_id: int, body: str, parent_id: int | None = None) -> Comment:
    policy.require(author, "community.take_part")
    body = text.plain(body, "comment").strip()
    if not body:
        raise InvalidInput("Write something before posting a comment.")
    if len(body) > BODY_MAX:
        raise InvalidInput(f"Comments are limited to {BODY_MAX:,} characters.")
    idea = _commentable(idea_id)
    if parent_id is not None:
        parent = lookup.row(Comment, parent_id)
        if parent is None or parent.idea_id != idea.id:
            raise InvalidInput("You can only reply to a comment on the same idea.")
        parent_id = parent.parent_id or parent.id
    comment = Comment(
        idea_id=idea.id, author_id=author.id, parent_id=parent_id, body=body, body_html=markdown.render(body)
    )
    db.session.add(comment)
    db.session.execute(update(Idea).where(Idea.id == idea.id).values(comment_count=Idea.comment_count + 1))
    follows.follow(author.id, idea.id)
    db.session.commit()
    return comment


def get_comment(comment_id: int) -> Comment:
    return lookup.found(Comment, comment_id, "There is no comment with that number.")


def set_official(staff_user, comment_id: int, official: bool = True) -> Comment:
    policy.require(staff_user, "comment.answer_officially")
    comment = get_comment(comment_id)
    if comment.parent_id is not None and official:
        raise InvalidInput("Only a top-level comment can be the official response.")
    idea = db.session.get_one(Idea, comment.idea_id)
    if official:
        idea.official_comment_id = comment.id
    elif idea.official_comment_id == comment.id:
        idea.official_comment_id = None
    db.session.commit()
    return comment


Thread = list[tuple[Comment, list[Comment]]]


def thread(idea: Idea) -> tuple[tuple[Comment, list[Comment]] | None, Thread]:
    """The official response and the other top-level comments, each with its replies, in one query."""
    rows = list(db.session.scalars(select(Comment).where(Comment.idea_id == idea.id).order_by(Comment.id)).unique())
    replies: dict[int, list[Comment]] = {}
    for c in rows:
        if c.parent_id:
            replies.setdefault(c.parent_id, []).append(c)
    official = next((c for c in rows if c.id == idea.official_comment_id), None)
    tops = [(c, replies.get(c.id, [])) for c in rows if c.parent_id is None and c is not official]
    return ((official, replies.get(official.id, [])) if official else None), tops


def page(idea_id: int, limit: int = 50, cursor: str | None = None) -> pagination.Page:
    idea = lookup.row(Idea, idea_id)
    if idea is None:
        raise NotFound("There is no idea with that number.")
    stmt = select(Comment).where(Comment.idea_id == idea.id)
    return pagination.keyset(stmt, Comment.id, cursor=cursor, limit=limit, descending=False)
