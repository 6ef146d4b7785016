"""Photo contests: the contest, its entrants (rules accepted, contact details), entries, votes and judges' scores."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Integer,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
    false,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import Model
from .types import UTCDateTime, utcnow
from .users import User

WINNER_METHODS = ("votes", "judges", "sweepstakes")
ENTRY_STATES = ("processing", "pending_review", "approved", "rejected", "failed")
THUMBNAIL_SIZES = {"small": 320, "medium": 800, "large": 1600}


class Contest(Model):
    __tablename__ = "contests"
    __table_args__ = (
        CheckConstraint("opens_at <= entries_close_at AND entries_close_at <= closes_at", name="window"),
        CheckConstraint("winner_method IN ('votes', 'judges', 'sweepstakes')", name="winner_method"),
        CheckConstraint("max_entries_per_member >= 1", name="max_entries"),
        CheckConstraint("winner_count >= 1", name="winner_count"),
        CheckConstraint("judge_weight BETWEEN 0 AND 100", name="judge_weight"),
        Index("ix_contests_announced_at_closes_at", "announced_at", "closes_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(120))
    rules: Mapped[str] = mapped_column(Text)
    rules_html: Mapped[str] = mapped_column(Text)
    prize: Mapped[str] = mapped_column(String(300), default="")
    opens_at: Mapped[datetime] = mapped_column(UTCDateTime)
    entries_close_at: Mapped[datetime] = mapped_column(UTCDateTime)
    closes_at: Mapped[datetime] = mapped_column(UTCDateTime)
    max_entries_per_member: Mapped[int] = mapped_column(Integer, default=1)
    daily_vote_allowance: Mapped[int | None] = mapped_column(Integer)  # None: one vote per entry, no daily cap
    moderated: Mapped[bool] = mapped_column(Boolean, default=True)
    winner_count: Mapped[int] = mapped_column(Integer, default=1)
    winner_method: Mapped[str] = mapped_column(String(12), default="votes")
    judge_weight: Mapped[int] = mapped_column(SmallInteger, default=50)  # percent of the blend the judges decide
    # Drawn when the contest is created; only its SHA-256 is shown until the draw, then the seed itself.
    draw_seed: Mapped[str] = mapped_column(String(64))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    announced_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    notified_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # entrants told; the sweeper retries


class ContestEntrant(Model):
    """One row per member who accepted a contest's rules; holds the race-safe count of their entries."""

    __tablename__ = "contest_entrants"
    __table_args__ = (CheckConstraint("entries >= 0", name="entries"),)

    contest_id: Mapped[int] = mapped_column(ForeignKey("contests.id", ondelete="CASCADE"), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    accepted_rules_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    entries: Mapped[int] = mapped_column(Integer, default=0)
    full_name: Mapped[str] = mapped_column(String(120), default="")
    phone: Mapped[str] = mapped_column(String(40), default="")
    postal_address: Mapped[str] = mapped_column(String(500), default="")
    marketing_consent: Mapped[bool] = mapped_column(Boolean, default=False)
    marketing_consent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class ContestEntry(Model):
    __tablename__ = "contest_entries"
    __table_args__ = (
        CheckConstraint("state IN ('processing', 'pending_review', 'approved', 'rejected', 'failed')", name="state"),
        CheckConstraint("votes >= 0", name="votes"),
        UniqueConstraint("contest_id", "photo_hash"),  # the same photo twice in one contest
        UniqueConstraint("contest_id", "winner_rank"),
        Index("ix_contest_entries_gallery_new", "contest_id", "state", "id"),
        Index("ix_contest_entries_gallery_votes", "contest_id", "state", "votes", "id"),
        Index("ix_contest_entries_state_created_at", "state", "created_at"),
        Index("ix_contest_entries_created_at", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    contest_id: Mapped[int] = mapped_column(ForeignKey("contests.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    caption: Mapped[str] = mapped_column(String(300), default="")
    state: Mapped[str] = mapped_column(String(16), default="processing")
    error: Mapped[str | None] = mapped_column(String(500))
    original_key: Mapped[str] = mapped_column(String(200))
    width: Mapped[int] = mapped_column(Integer)
    height: Mapped[int] = mapped_column(Integer)
    photo_hash: Mapped[str | None] = mapped_column(String(140))  # images.photo_hash(); NULL once failed
    thumbnails_ready: Mapped[bool] = mapped_column(Boolean, default=False)
    votes: Mapped[int] = mapped_column(Integer, default=0)
    winner_rank: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    processed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    reviewed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    reviewed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    author: Mapped[User] = relationship(foreign_keys=[user_id], lazy="joined", innerjoin=True)
    contest: Mapped[Contest] = relationship(lazy="joined", innerjoin=True)

    def thumbnail_key(self, size: str) -> str:
        """Derived from the random original name: deterministic, so a retried job rewrites the same files."""
        return self.original_key.rsplit(".", 1)[0] + f"-{size}.webp"

    def thumbnail_width(self, size: str) -> int:
        side = THUMBNAIL_SIZES[size]
        scale = min(1.0, side / max(self.width, self.height))
        return max(1, round(self.width * scale))


class ContestVote(Model):
    __tablename__ = "contest_votes"
    __table_args__ = (
        UniqueConstraint("entry_id", "user_id"),
        Index("ix_contest_votes_contest_id_user_id", "contest_id", "user_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    entry_id: Mapped[int] = mapped_column(ForeignKey("contest_entries.id", ondelete="CASCADE"))
    contest_id: Mapped[int] = mapped_column(ForeignKey("contests.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    day: Mapped[date] = mapped_column(Date)  # server UTC day, for the daily allowance
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    held: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())  # as Vote.held


class DailyVoteUse(Model):
    """Votes a member has used in a contest on one UTC day; a conditional UPDATE keeps it under the allowance."""

    __tablename__ = "contest_daily_votes"
    __table_args__ = (CheckConstraint("used >= 0", name="used"),)

    contest_id: Mapped[int] = mapped_column(ForeignKey("contests.id", ondelete="CASCADE"), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    used: Mapped[int] = mapped_column(Integer, default=0)


class PhotoHashBand(Model):
    """A slice of an entry's photo hash. Two copies of one photo differ in few bits, so they share at least one
    slice exactly: an indexed lookup finds the candidates instead of comparing with every entry."""

    __tablename__ = "contest_photo_bands"

    contest_id: Mapped[int] = mapped_column(ForeignKey("contests.id", ondelete="CASCADE"), primary_key=True)
    band: Mapped[int] = mapped_column(SmallInteger, primary_key=True)
    value: Mapped[int] = mapped_column(Integer, primary_key=True)
    entry_id: Mapped[int] = mapped_column(
        ForeignKey("contest_entries.id", ondelete="CASCADE"), primary_key=True, index=True
    )


class JudgeScore(Model):
    __tablename__ = "contest_judge_scores"
    __table_args__ = (CheckConstraint("score BETWEEN 1 AND 10", name="score"),)

    entry_id: Mapped[int] = mapped_column(ForeignKey("contest_entries.id", ondelete="CASCADE"), primary_key=True)
    judge_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    contest_id: Mapped[int] = mapped_column(ForeignKey("contests.id", ondelete="CASCADE"), index=True)
    score: Mapped[int] = mapped_column(SmallInteger)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
