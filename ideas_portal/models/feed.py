"""Ideas in Action: status changes, staff posts, the public feed, follows and notifications."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, CheckConstraint, ForeignKey, Index, String, Text, UniqueConstraint, true
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import Model, db
from .ideas import Idea, Status
from .types import UTCDateTime, utcnow
from .users import User

FEED_KINDS = ("status_change", "post", "contest_result")


class StatusChange(Model):
    """One row per change of an idea's status: the idea's public timeline."""

    __tablename__ = "status_changes"
    __table_args__ = (Index("ix_status_changes_idea_id_id", "idea_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    idea_id: Mapped[int] = mapped_column(ForeignKey("ideas.id", ondelete="CASCADE"))
    from_status_id: Mapped[int | None] = mapped_column(ForeignKey("statuses.id"))
    to_status_id: Mapped[int] = mapped_column(ForeignKey("statuses.id"))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))  # None: the vote threshold moved it
    note: Mapped[str] = mapped_column(Text, default="")
    note_html: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    notified_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    idea: Mapped[Idea] = relationship(lazy="joined", innerjoin=True)
    from_status: Mapped[Status | None] = relationship(foreign_keys=[from_status_id], lazy="joined")
    to_status: Mapped[Status] = relationship(foreign_keys=[to_status_id], lazy="joined", innerjoin=True)
    actor: Mapped[User | None] = relationship(lazy="joined")


class Post(Model):
    """A staff article in the Ideas in Action feed, optionally with a photo and linked ideas."""

    __tablename__ = "posts"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(160))
    body: Mapped[str] = mapped_column(Text)
    body_html: Mapped[str] = mapped_column(Text)
    photo_key: Mapped[str | None] = mapped_column(String(200))
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    author: Mapped[User] = relationship(lazy="joined", innerjoin=True)


post_ideas = db.Table(
    "post_ideas",
    db.Column("post_id", db.ForeignKey("posts.id", ondelete="CASCADE"), primary_key=True),
    db.Column("idea_id", db.ForeignKey("ideas.id", ondelete="CASCADE"), primary_key=True),
)


class FeedItem(Model):
    """The feed is its own table so one indexed, keyset-paged query serves HTML, JSON and Atom."""

    __tablename__ = "feed_items"
    __table_args__ = (
        CheckConstraint("kind IN ('status_change', 'post', 'contest_result')", name="kind"),
        UniqueConstraint("status_change_id"),
        UniqueConstraint("post_id"),
        UniqueConstraint("contest_id", "kind"),
        UniqueConstraint("poll_id"),
        Index("ix_feed_items_created_at_id", "created_at", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))
    idea_id: Mapped[int | None] = mapped_column(ForeignKey("ideas.id", ondelete="CASCADE"), index=True)
    status_id: Mapped[int | None] = mapped_column(ForeignKey("statuses.id"), index=True)
    category_id: Mapped[int | None] = mapped_column(ForeignKey("categories.id", ondelete="SET NULL"), index=True)
    status_change_id: Mapped[int | None] = mapped_column(ForeignKey("status_changes.id", ondelete="CASCADE"))
    post_id: Mapped[int | None] = mapped_column(ForeignKey("posts.id", ondelete="CASCADE"))
    contest_id: Mapped[int | None] = mapped_column(ForeignKey("contests.id", ondelete="CASCADE"))
    # A closed poll's results, posted as a "post" from the team (the feed's kinds stay the three the API names).
    poll_id: Mapped[int | None] = mapped_column(ForeignKey("polls.id", ondelete="CASCADE"))
    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    body_html: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    idea: Mapped[Idea | None] = relationship(lazy="joined")
    status: Mapped[Status | None] = relationship(lazy="joined")
    post: Mapped[Post | None] = relationship(lazy="joined")


class Follow(Model):
    __tablename__ = "follows"
    __table_args__ = (Index("ix_follows_idea_id_user_id", "idea_id", "user_id"),)

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    idea_id: Mapped[int] = mapped_column(ForeignKey("ideas.id", ondelete="CASCADE"), primary_key=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Notification(Model):
    """In-app notices; the UNIQUE key makes a fan-out that runs twice notify once."""

    __tablename__ = "notifications"
    __table_args__ = (
        UniqueConstraint("user_id", "status_change_id", "kind"),
        UniqueConstraint("user_id", "contest_id", "kind"),
        # One notice per member per comment, whatever the reason (reply, mention, official answer).
        UniqueConstraint("user_id", "comment_id"),
        Index("ix_notifications_user_id_id", "user_id", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(30))
    body: Mapped[str] = mapped_column(Text)
    idea_id: Mapped[int | None] = mapped_column(ForeignKey("ideas.id", ondelete="CASCADE"))
    contest_id: Mapped[int | None] = mapped_column(ForeignKey("contests.id", ondelete="CASCADE"))
    status_change_id: Mapped[int | None] = mapped_column(ForeignKey("status_changes.id", ondelete="CASCADE"))
    comment_id: Mapped[int | None] = mapped_column(ForeignKey("comments.id", ondelete="CASCADE"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # False when the member wants this kind by email only: the row still guards "once" and the email claim.
    in_app: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    emailed: Mapped[bool] = mapped_column(Boolean, default=False)
