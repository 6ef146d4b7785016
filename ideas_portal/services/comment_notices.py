"""The notices a comment sends: a reply to the comment answered, mentions, the official answer to the idea's author.

Nobody hears of their own action, and a member hears of one comment once whatever the reasons (notify's
UNIQUE(user, comment)): a reply that also mentions the comment's author is one notice.
"""

from __future__ import annotations

from ..models import Comment, Idea
from . import notifications


def _send(actor, user_id: int, comment: Comment, idea: Idea, *, choice: str, body: str, subject: str) -> bool:
    if user_id == actor.id:
        return False
    return notifications.notify(
        user_id,
        choice=choice,
        kind=choice,
        body=body,
        subject=subject,
        idea_id=idea.id,
        comment_id=comment.id,
    )


def reply(actor, idea: Idea, comment: Comment, replied_to_author_id: int) -> bool:
    return _send(
        actor,
        replied_to_author_id,
        comment,
        idea,
        choice="reply",
        body=f"{actor.name} replied to your comment on “{idea.title}”.",
        subject=f"{actor.name} replied to your comment",
    )


def mentioned(actor, idea: Idea, comment: Comment, user_ids: list[int]) -> int:
    return sum(
        _send(
            actor,
            user_id,
            comment,
            idea,
            choice="mention",
            body=f"{actor.name} mentioned you in a comment on “{idea.title}”.",
            subject=f"{actor.name} mentioned you",
        )
        for user_id in user_ids
    )


def official_answer(actor, idea: Idea, comment: Comment) -> bool:
    return _send(
        actor,
        idea.author_id,
        comment,
        idea,
        choice="official_answer",
        body=f"Staff answered your idea “{idea.title}”: {actor.name}'s comment is now the official response.",
        subject=f"Staff answered “{idea.title}”",
    )
