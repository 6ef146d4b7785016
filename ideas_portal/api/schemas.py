"""How domain objects look in the JSON API (see shared/CONTRACT.md)."""
from __future__ import annotations

from datetime import datetime, timezone

from ..hosts import absolute_url
from ..services.exceptions import InvalidInput


def iso(value: datetime | None) -> str | None:
    if value is None:
        return None
    return value.astimezone(timezone.utc).isoformat().replace("+00:00", "Z")


def user_ref(user) -> dict:
    return {"id": user.id, "name": user.name, "role": user.role}


def idea(item, my_vote: int | None = None) -> dict:
    return {
        "id": item.id,
        "title": item.title,
        "body": item.body,
        "body_html": item.body_html,
        "category": item.category.slug if item.category else None,
        "status": item.status.slug,
        "status_name": item.status.name,
        "author": user_ref(item.author),
        "upvotes": item.upvotes,
        "downvotes": item.downvotes,
        "score": item.score,
        "comment_count": item.comment_count,
        "created_at": iso(item.created_at),
        "updated_at": iso(item.updated_at),
        "withdrawn": item.withdrawn_at is not None,
        "url": absolute_url("ideas.show", idea_id=item.id),
        "my_vote": my_vote,
    }


def comment(item, official_id: int | None, show_hidden: bool = True) -> dict:
    masked = item.hidden_at is not None and not show_hidden  # hidden pending review: text for staff only
    return {
        "id": item.id,
        "idea_id": item.idea_id,
        "parent_id": item.parent_id,
        "body": "" if masked else item.body,
        "body_html": "" if masked else item.body_html,
        "hidden": item.hidden_at is not None,
        "author": user_ref(item.author),
        "is_official": item.id == official_id,
        "created_at": iso(item.created_at),
    }


def status(item) -> dict:
    return {"slug": item.slug, "name": item.name, "is_closed": item.is_closed, "colour": item.colour}


def string_field(data: dict, name: str, *, required: bool = True) -> str | None:
    value = data.get(name)
    if value is None and not required:
        return None
    if not isinstance(value, str):
        raise InvalidInput(f"'{name}' must be a string." if name in data else f"'{name}' is required.")
    return value


def optional_int(data: dict, name: str) -> int | None:
    value = data.get(name)
    if value is None:
        return None
    if not isinstance(value, int) or isinstance(value, bool):
        raise InvalidInput(f"'{name}' must be a whole number.")
    return value


def flag(item) -> dict:
    return {"id": item.id, "target_type": item.target_type, "target_id": item.target_id, "reason": item.reason,
            "created_at": iso(item.created_at)}
