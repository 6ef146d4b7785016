"""Polls staff put to members: options with counted answers, one answer per member."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, CheckConstraint, ForeignKey, Index, Integer, String, UniqueConstraint, false, true
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import Model
from .types import UTCDateTime, utcnow
from .users import User

RESULTS_SHOWN = ("after_vote", "after_close")


class Poll(Model):
    __tablename__ = "polls"
    __table_args__ = (
        CheckConstraint("results_shown IN ('after_vote', 'after_close')", name="results_shown"),
        CheckConstraint("closes_at IS NULL OR opens_at < closes_at", name="window"),
        Index("ix_polls_closes_at", "closes_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    question: Mapped[str] = mapped_column(String(300))
    multiple: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    results_shown: Mapped[str] = mapped_column(String(12), default="after_vote", server_default="after_vote")
    opens_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    closes_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # None: open until staff close it
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # staff closed it early
    results_posted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # its results are in Ideas in Action
    featured: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())  # home page, feed
    total_answers: Mapped[int] = mapped_column(Integer, default=0, server_default="0")  # counted answers
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    author: Mapped[User] = relationship(lazy="joined", innerjoin=True)
    options: Mapped[list[PollOption]] = relationship(
        order_by="PollOption.position", lazy="selectin", cascade="all, delete-orphan"
    )


class PollOption(Model):
    __tablename__ = "poll_options"
    __table_args__ = (UniqueConstraint("poll_id", "position"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    poll_id: Mapped[int] = mapped_column(ForeignKey("polls.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(Integer)
    text: Mapped[str] = mapped_column(String(200))
    votes: Mapped[int] = mapped_column(Integer, default=0, server_default="0")  # counted (not held) answers


class PollAnswer(Model):
    """A member's one answer to a poll (UNIQUE); answering again replaces its choices."""

    __tablename__ = "poll_answers"
    __table_args__ = (UniqueConstraint("poll_id", "user_id"), Index("ix_poll_answers_user_id", "user_id"))

    id: Mapped[int] = mapped_column(primary_key=True)
    poll_id: Mapped[int] = mapped_column(ForeignKey("polls.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    # An unverified member's answer: kept, but outside the counts until they verify their address.
    held: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class PollChoice(Model):
    """One option an answer chose."""

    __tablename__ = "poll_choices"
    __table_args__ = (Index("ix_poll_choices_option_id", "option_id"),)

    answer_id: Mapped[int] = mapped_column(ForeignKey("poll_answers.id", ondelete="CASCADE"), primary_key=True)
    option_id: Mapped[int] = mapped_column(ForeignKey("poll_options.id", ondelete="CASCADE"), primary_key=True)
