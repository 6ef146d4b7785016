"""Members, staff and admins, their API tokens and password-reset links."""

from __future__ import annotations

import secrets
from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import Boolean, CheckConstraint, ForeignKey, Index, Integer, String, false
from sqlalchemy.orm import Mapped, mapped_column
from werkzeug.security import check_password_hash, generate_password_hash

from ..extensions import Model
from .types import UTCDateTime, utcnow

ROLES = ("member", "staff", "admin")


def new_session_token() -> str:
    return secrets.token_hex(16)


class User(UserMixin, Model):
    __tablename__ = "users"
    __table_args__ = (
        CheckConstraint("role IN ('member', 'staff', 'admin')", name="role"),
        Index("ix_users_created_at", "created_at"),
        Index("ix_users_points", "points"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(60))
    password_hash: Mapped[str] = mapped_column(String(255), deferred=True)  # lists of authors never need it
    role: Mapped[str] = mapped_column(String(10), default="member")
    # Part of the login id: rotating it signs out every session and remember cookie.
    session_token: Mapped[str] = mapped_column(String(32), default=new_session_token)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    banned_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    ban_reason: Mapped[str | None] = mapped_column(String(500))
    bio: Mapped[str] = mapped_column(String(500), default="", server_default="")
    avatar_key: Mapped[str | None] = mapped_column(String(200))  # re-encoded at upload; a thumbnail job follows
    avatar_ready: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    # Unverified members may read, submit and comment; their votes are held until this is set.
    email_verified_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    marketing_consent: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    points: Mapped[int] = mapped_column(Integer, default=0, server_default="0")  # cached balance of the ledger
    # The badges held, cached in display order ("star-member first-idea"), so a name shows them with no query.
    badge_slugs: Mapped[str] = mapped_column(String(400), default="", server_default="")
    # Set once the member deleted their account: the row stays as an anonymous author, with no personal data.
    deleted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    def set_password(self, password: str) -> None:
        self.password_hash = generate_password_hash(password)

    def check_password(self, password: str) -> bool:
        return check_password_hash(self.password_hash, password)

    def get_id(self) -> str:
        return f"{self.id}:{self.session_token}"

    @property
    def is_staff(self) -> bool:
        return self.role in ("staff", "admin")

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"

    @property
    def is_verified(self) -> bool:
        return self.email_verified_at is not None

    @property
    def is_deleted(self) -> bool:
        return self.deleted_at is not None

    @property
    def is_banned(self) -> bool:
        return self.banned_at is not None


class ApiToken(Model):
    """Only the SHA-256 of a token is stored, so a database leak does not leak logins."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Touched at most once a minute, so the hot path of every API call rarely writes.
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class PasswordReset(Model):
    """One mailed reset link: only its SHA-256 is kept; `used_at` is set once, by a conditional UPDATE."""

    __tablename__ = "password_resets"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


NOTIFICATION_KINDS = ("status_change", "reply", "mention", "contest_result", "official_answer", "badge", "digest")


class NotificationPreference(Model):
    """A member's choice for one kind of notice; a missing row means the kind's default (preferences.DEFAULTS)."""

    __tablename__ = "notification_preferences"
    __table_args__ = (
        CheckConstraint(
            "kind IN ('status_change', 'reply', 'mention', 'contest_result', 'official_answer', 'badge', 'digest')",
            name="kind",
        ),
    )

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    kind: Mapped[str] = mapped_column(String(30), primary_key=True)
    in_app: Mapped[bool] = mapped_column(Boolean)
    email: Mapped[bool] = mapped_column(Boolean)


class ConsentEvent(Model):
    """Marketing consent given or withdrawn, append-only, so staff can show when consent was given."""

    __tablename__ = "consent_events"
    __table_args__ = (Index("ix_consent_events_user_id_id", "user_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    given: Mapped[bool] = mapped_column(Boolean)
    source: Mapped[str] = mapped_column(String(40))  # "settings", "api", "contest 12"
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


EMAIL_PURPOSES = ("verify", "change_email")


class EmailConfirmation(Model):
    """A mailed link that proves an address: sign-up verification or a change of address. Only its SHA-256
    is kept; `used_at` is set once, by a conditional UPDATE."""

    __tablename__ = "email_confirmations"
    __table_args__ = (CheckConstraint("purpose IN ('verify', 'change_email')", name="purpose"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    purpose: Mapped[str] = mapped_column(String(20))
    email: Mapped[str] = mapped_column(String(254))  # the address being proved
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
