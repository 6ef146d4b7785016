"""Recognition: the points ledger and its period totals, badges awarded, and the days a member was active."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import CheckConstraint, Date, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import Model
from .types import UTCDateTime, utcnow

POINT_REASONS = ("idea", "upvote", "status", "entry", "contest_win", "poll", "official_answer")
PERIODS = ("week", "month")


class PointEntry(Model):
    """One line of the append-only ledger. `subject` names what earns (an idea, a vote, an entry); `source` is the
    n-th event of that subject ("vote:12:7#0" earned, "#1" took it back, "#2" earned again) and is UNIQUE: an event
    handled twice, or by two workers at once, counts once."""

    __tablename__ = "point_entries"
    __table_args__ = (
        CheckConstraint(
            "reason IN ('idea', 'upvote', 'status', 'entry', 'contest_win', 'poll', 'official_answer')",
            name="reason",
        ),
        UniqueConstraint("source"),
        Index("ix_point_entries_user_id_id", "user_id", "id"),
        Index("ix_point_entries_user_id_reason_created_at", "user_id", "reason", "created_at"),
        Index("ix_point_entries_subject", "subject"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    reason: Mapped[str] = mapped_column(String(20))
    amount: Mapped[int] = mapped_column(Integer)
    subject: Mapped[str] = mapped_column(String(100))
    source: Mapped[str] = mapped_column(String(110))
    # What it is about and who caused it (the voter of an up-vote), when there is one.
    idea_id: Mapped[int | None] = mapped_column(ForeignKey("ideas.id", ondelete="SET NULL"))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class PointTotal(Model):
    """A member's points in one ISO week or calendar month (UTC), kept with each ledger line in its transaction, so
    a leaderboard reads one index and never the ledger."""

    __tablename__ = "point_totals"
    __table_args__ = (
        CheckConstraint("period IN ('week', 'month')", name="period"),
        Index("ix_point_totals_period_starts_on_points", "period", "starts_on", "points"),
    )

    period: Mapped[str] = mapped_column(String(5), primary_key=True)
    starts_on: Mapped[date] = mapped_column(Date, primary_key=True)  # the Monday, or the 1st of the month
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    points: Mapped[int] = mapped_column(Integer, default=0)


class BadgeAward(Model):
    """A badge a member holds: once each (UNIQUE), with why it was earned, or staff's note for a granted one."""

    __tablename__ = "badge_awards"
    __table_args__ = (UniqueConstraint("user_id", "slug"), Index("ix_badge_awards_slug", "slug"))

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    slug: Mapped[str] = mapped_column(String(40))
    reason: Mapped[str] = mapped_column(String(300), default="")
    note: Mapped[str] = mapped_column(String(500), default="")  # staff's words when they granted it
    granted_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    awarded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class ActiveDay(Model):
    """A UTC day on which a member took part (an idea, a comment, a vote, an entry, a poll answer): streaks."""

    __tablename__ = "active_days"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True)
