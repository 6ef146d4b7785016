"""Merging duplicate ideas, recorded so that staff can undo a merge exactly."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, SmallInteger, String
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import Model
from .types import UTCDateTime, utcnow


class IdeaMerge(Model):
    __tablename__ = "idea_merges"

    id: Mapped[int] = mapped_column(primary_key=True)
    source_id: Mapped[int] = mapped_column(ForeignKey("ideas.id", ondelete="CASCADE"), index=True)
    target_id: Mapped[int] = mapped_column(ForeignKey("ideas.id", ondelete="CASCADE"), index=True)
    source_status_id: Mapped[int] = mapped_column(ForeignKey("statuses.id"))
    actor_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    undone_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class MergedRow(Model):
    """What a merge moved or dropped: votes, comments and follows, so undo can put each back."""

    __tablename__ = "merged_rows"
    __table_args__ = (
        CheckConstraint("what IN ('vote', 'vote_dropped', 'comment', 'follow', 'follow_dropped')", name="what"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    merge_id: Mapped[int] = mapped_column(ForeignKey("idea_merges.id", ondelete="CASCADE"), index=True)
    what: Mapped[str] = mapped_column(String(20))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    comment_id: Mapped[int | None] = mapped_column(ForeignKey("comments.id", ondelete="CASCADE"))
    value: Mapped[int | None] = mapped_column(SmallInteger)
