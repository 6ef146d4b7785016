"""Who may do what: one table of permissions, asked by services (require), views (@requires) and templates (can)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from functools import wraps
from typing import Any, Callable

from flask import current_app, g, request
from flask_login import current_user

from .extensions import login_manager
from .models.types import utcnow
from .services.exceptions import AuthenticationFailed, Banned, NotAllowed

SIGN_IN = "Please sign in first."
API_SIGN_IN = "Sign in first: POST /api/v1/tokens, then send 'Authorization: Bearer <token>'."


def _staff(user, obj) -> bool:
    return bool(user.is_staff)


def _admin(user, obj) -> bool:
    return bool(user.is_admin)


def _author_id(obj) -> int | None:
    """Ideas and comments name their author `author_id`; contest entries name their entrant `user_id`."""
    return getattr(obj, "author_id", getattr(obj, "user_id", None))


def _author(user, obj) -> bool:
    return obj is not None and _author_id(obj) == user.id


def _author_or_staff(user, obj) -> bool:
    return _author(user, obj) or _staff(user, obj)


def _not_author(user, obj) -> bool:
    return not _author(user, obj)


def _edit_window_open(user, comment) -> bool:
    """Its author, while COMMENT_EDIT_MINUTES have not passed since it was posted."""
    window = timedelta(minutes=current_app.config["COMMENT_EDIT_MINUTES"])
    return _author(user, comment) and comment.created_at > utcnow() - window


def _edit_refusal(user) -> NotAllowed:
    minutes = current_app.config["COMMENT_EDIT_MINUTES"]
    return NotAllowed(
        f"You can edit only your own comment, within {minutes} minutes of posting it: "
        "nobody, staff included, edits another member's words."
    )


def _not_suspended(user, obj) -> bool:
    return getattr(user, "banned_at", None) is None


@dataclass(frozen=True)
class Rule:
    test: Callable[[Any, Any], bool]  # (signed-in user, object or None) -> allowed
    action: str  # completes "You are not allowed to …"
    who: str = ""  # completes "only … can"; empty when the action already says why
    refusal: Callable[[Any], NotAllowed] | None = None  # a refusal of its own instead of the sentence

    def refuse(self, user) -> NotAllowed:
        if self.refusal is not None:
            return self.refusal(user)
        return NotAllowed(
            f"You are not allowed to {self.action}: only {self.who} can."
            if self.who
            else f"You are not allowed to {self.action}."
        )


STAFF, ADMINS = "staff", "admins"
PERMISSIONS: dict[str, Rule] = {
    # Members: a suspended member may read but not post, comment, vote or flag.
    "community.take_part": Rule(_not_suspended, "take part", refusal=lambda user: Banned(user.ban_reason)),
    "idea.edit": Rule(_author, "edit this idea", "its author"),
    "idea.withdraw": Rule(_author, "withdraw this idea", "its author"),
    "entry.vote": Rule(_not_author, "vote for your own entry"),
    "comment.edit": Rule(_edit_window_open, "edit this comment", refusal=_edit_refusal),
    "comment.delete": Rule(_author_or_staff, "remove this comment", "its author and staff"),
    "entry.see_unapproved": Rule(_author_or_staff, "see this entry before it is approved", "its entrant and staff"),
    # Staff.
    "staff.area": Rule(_staff, "open the staff pages", STAFF),
    "idea.change_status": Rule(_staff, "change an idea's status", STAFF),
    "idea.merge": Rule(_staff, "merge ideas", STAFF),
    "idea.unmerge": Rule(_staff, "undo a merge", STAFF),
    "comment.answer_officially": Rule(_staff, "choose the official response", STAFF),
    "categories.manage": Rule(_staff, "manage categories", STAFF),
    "pages.edit": Rule(_staff, "edit this page", STAFF),
    "feed.post": Rule(_staff, "publish in Ideas in Action", STAFF),
    "moderation.review": Rule(_staff, "moderate", STAFF),
    "moderation.see_hidden": Rule(_staff, "see hidden items", STAFF),
    "contest.manage": Rule(_staff, "run contests", STAFF),
    "contest.review_entries": Rule(_staff, "review entries", STAFF),
    "contest.judge": Rule(_staff, "score entries", "staff judges"),
    "contest.export_entrants": Rule(_staff, "export entrants", STAFF),
    "badges.grant": Rule(_staff, "name star members", STAFF),
    "polls.manage": Rule(_staff, "run polls", STAFF),
    # Admins.
    "statuses.manage": Rule(_admin, "change the workflow statuses", ADMINS),
    "webhooks.manage": Rule(_admin, "manage webhooks", ADMINS),
    "audit.read": Rule(_admin, "read the audit log", ADMINS),
}


def _signed_in(user) -> bool:
    return bool(user is not None and getattr(user, "is_authenticated", False))


def allows(user, permission: str, obj=None) -> bool:
    """May `user` (None or a visitor: never) do `permission` (to `obj`)? An unknown name is a KeyError, not a no."""
    rule = PERMISSIONS[permission]
    return _signed_in(user) and rule.test(user, obj)


def require(user, permission: str, obj=None) -> None:
    """The services' one check: 401 for a visitor, else the rule's 403 (a suspension names its reason)."""
    rule = PERMISSIONS[permission]
    if not _signed_in(user):
        raise AuthenticationFailed(SIGN_IN)
    if not rule.test(user, obj):
        raise rule.refuse(user)


def actor():
    """Who is asking: the bearer token's member on the API (which sets g.api_user), else the session's."""
    if "api_user" in g:
        return g.api_user
    return current_user._get_current_object() if current_user.is_authenticated else None


def requires(permission: str | None = None, load: Callable[..., Any] | None = None):
    """The views' one declaration: visitors sign in first (a redirect, or 401 on the API), then the rule's 403.

    `load` receives the view's URL arguments and returns the object the rule is about (an idea to edit).
    Without a permission it only asks for a signed-in user, as login_required does.
    """
    if permission is not None:
        PERMISSIONS[permission]  # a misspelt name fails at import, not at the first request

    def decorator(view):
        @wraps(view)
        def wrapper(*args, **kwargs):
            if request.method != "OPTIONS":
                user = actor()
                if user is None:
                    if "api_user" in g:
                        raise AuthenticationFailed(API_SIGN_IN)
                    return login_manager.unauthorized()
                if permission is not None:
                    require(user, permission, load(**kwargs) if load else None)
            return view(*args, **kwargs)

        wrapper.permission = permission  # type: ignore[attr-defined]
        return wrapper

    return decorator


def can(permission: str, obj=None) -> bool:
    """allows() for whoever is asking; templates show a link or a form only where it will be let through."""
    return allows(actor(), permission, obj)
