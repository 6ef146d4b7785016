"""Every model, imported so Alembic and the app see the whole schema."""

from .contests import (
    ENTRY_STATES,
    THUMBNAIL_SIZES,
    WINNER_METHODS,
    Contest,
    ContestEntrant,
    ContestEntry,
    ContestVote,
    DailyVoteUse,
    JudgeScore,
    PhotoHashBand,
)
from .feed import FEED_KINDS, FeedItem, Follow, Notification, Post, StatusChange, post_ideas
from .ideas import Category, Comment, Idea, Status
from .merges import IdeaMerge, MergedRow
from .moderation import FLAG_TARGETS, AuditEntry, Flag, SitePage
from .polls import RESULTS_SHOWN, Poll, PollAnswer, PollChoice, PollOption
from .rewards import PERIODS, POINT_REASONS, ActiveDay, BadgeAward, PointEntry, PointTotal
from .stats import DailyCount, DigestSend
from .outbox import OUTBOX_STATES, OutboundEmail, OutboxJob
from .users import (
    EMAIL_PURPOSES,
    NOTIFICATION_KINDS,
    ROLES,
    ApiToken,
    ConsentEvent,
    EmailConfirmation,
    NotificationPreference,
    PasswordReset,
    User,
)
from .votes import Vote
from .webhooks import Webhook, WebhookDelivery

__all__ = [
    "ActiveDay",
    "BadgeAward",
    "DailyCount",
    "DigestSend",
    "PERIODS",
    "POINT_REASONS",
    "PointEntry",
    "PointTotal",
    "Poll",
    "PollAnswer",
    "PollChoice",
    "PollOption",
    "RESULTS_SHOWN",
    "Contest",
    "ContestEntrant",
    "ContestEntry",
    "ContestVote",
    "DailyVoteUse",
    "ENTRY_STATES",
    "JudgeScore",
    "PhotoHashBand",
    "THUMBNAIL_SIZES",
    "WINNER_METHODS",
    "ApiToken",
    "ConsentEvent",
    "EMAIL_PURPOSES",
    "EmailConfirmation",
    "NOTIFICATION_KINDS",
    "NotificationPreference",
    "AuditEntry",
    "Category",
    "Comment",
    "FEED_KINDS",
    "FLAG_TARGETS",
    "FeedItem",
    "Flag",
    "Follow",
    "Idea",
    "IdeaMerge",
    "MergedRow",
    "Notification",
    "OUTBOX_STATES",
    "OutboundEmail",
    "OutboxJob",
    "PasswordReset",
    "Post",
    "ROLES",
    "SitePage",
    "Status",
    "StatusChange",
    "User",
    "Vote",
    "Webhook",
    "WebhookDelivery",
    "post_ideas",
]
