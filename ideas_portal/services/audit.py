"""The audit log: written in the same transaction as each moderation action, read by admins only."""

from __future__ import annotations

from sqlalchemy import select

from .. import policy
from ..extensions import db
from ..models import AuditEntry, Comment, Idea, User
from ..models.types import utcnow
from . import pagination

ACTIONS = {
    "auto_hide": "Hidden by flags",
    "hide": "Hidden",
    "approve": "Approved",
    "delete": "Deleted",
    "ban": "Suspended",
    "unban": "Unsuspended",
    "edit_page": "Edited page",
}


def record(actor, action: str, target_type: str, target_id: int, reason: str = "") -> None:
    """Adds the entry to the caller's transaction; actor None means the site did it by itself."""
    db.session.add(
        AuditEntry(
            actor_id=actor.id if actor else None,
            action=action,
            target_type=target_type,
            target_id=target_id,
            reason=reason or "",
            created_at=utcnow(),
        )
    )


def entries(viewer, limit: int = 30, cursor: str | None = None) -> pagination.Page:
    """Newest first."""
    policy.require(viewer, "audit.read")
    return pagination.keyset(
        select(AuditEntry),
        AuditEntry.id,
        cursor=cursor,
        limit=limit,
        sort_column=AuditEntry.created_at,
        as_datetime=True,
    )


def targets(rows: list[AuditEntry]) -> dict[tuple[str, int], dict]:
    """A label for each entry's target, and the idea to link to, in three queries at most."""
    wanted: dict[str, set[int]] = {}
    for e in rows:
        wanted.setdefault(e.target_type, set()).add(e.target_id)
    found: dict[tuple[str, int], dict] = {}
    if wanted.get("comment"):
        for cid, idea_id, title in db.session.execute(
            select(Comment.id, Comment.idea_id, Idea.title)
            .join(Idea, Idea.id == Comment.idea_id)
            .where(Comment.id.in_(wanted["comment"]))
        ):
            found[("comment", cid)] = {"label": f"#{cid} on “{title}”", "idea_id": idea_id, "anchor": f"comment-{cid}"}
    if wanted.get("idea"):
        for iid, title in db.session.execute(select(Idea.id, Idea.title).where(Idea.id.in_(wanted["idea"]))):
            found[("idea", iid)] = {"label": title, "idea_id": iid, "anchor": None}
    if wanted.get("user"):
        for uid, name in db.session.execute(select(User.id, User.name).where(User.id.in_(wanted["user"]))):
            found[("user", uid)] = {"label": name}
    return found
