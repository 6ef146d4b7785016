"""API for Ideas in Action: status changes, merges, the feed, follows and notifications."""

from __future__ import annotations

from flask import g
from marshmallow import Schema, fields

from ..services import feed, follows, merges, notifications, status_changes
from . import answers, bp, inputs, require_user
from .routes import shown_idea
from .schemas import FeedItemSchema, IdeaSchema, NotificationSchema, page_of

Following = Schema.from_dict({"following": fields.Boolean(required=True)}, name="Following")


@bp.route("/ideas/<int:id>/status", methods=["POST"])
@require_user("idea.change_status")
@bp.arguments(inputs.StatusChangeInput)
@bp.response(200, IdeaSchema)
@answers(404, 409)
def change_status(data, id: int):
    """Change an idea's status with a public note (staff)"""
    return shown_idea(status_changes.change_status(g.api_user, id, data["status"], data["note"]))


@bp.route("/ideas/<int:id>/merge", methods=["POST"])
@require_user("idea.merge")
@bp.arguments(inputs.MergeInput)
@bp.response(200, IdeaSchema)
@answers(404, 409)
def merge(data, id: int):
    """Merge this idea into another (staff); answers the target idea"""
    return shown_idea(merges.merge(g.api_user, id, data["into"]))


@bp.route("/ideas/<int:id>/unmerge", methods=["POST"])
@require_user("idea.unmerge")
@bp.response(200, IdeaSchema)
@answers(404, 409)
def unmerge(id: int):
    """Undo a merge (staff)"""
    return shown_idea(merges.undo(g.api_user, id))


@bp.route("/ideas/<int:id>/follow", methods=["PUT"])
@require_user()
@bp.response(200, Following)
@answers(404)
def follow(id: int):
    """Follow an idea"""
    follows.set_following(g.api_user, id, True)
    return {"following": True}


@bp.route("/ideas/<int:id>/follow", methods=["DELETE"])
@require_user()
@bp.response(200, Following)
@answers(404)
def unfollow(id: int):
    """Stop following"""
    follows.set_following(g.api_user, id, False)
    return {"following": False}


@bp.route("/feed")
@bp.arguments(inputs.FeedQuery, location="query", as_kwargs=True)
@bp.response(200, page_of(FeedItemSchema))
@answers()
def list_feed(kind=None, status=None, category=None, limit=20, cursor=None):
    """Ideas in Action: status changes, staff posts, contest results"""
    page = feed.page(
        kind=kind or None, status=status or None, category=category or None, limit=limit, cursor=cursor or None
    )
    return {"items": page.items, "next_cursor": page.next_cursor}


@bp.route("/notifications")
@require_user()
@bp.arguments(inputs.PageQuery, location="query", as_kwargs=True)
@bp.response(200, page_of(NotificationSchema, unread=fields.Integer(required=True)))
def list_notifications(limit=20, cursor=None):
    """Your notifications, newest first"""
    page = notifications.page(g.api_user, limit=limit, cursor=cursor or None)
    return {"items": page.items, "next_cursor": page.next_cursor, "unread": notifications.unread_count(g.api_user)}


@bp.route("/notifications/read", methods=["POST"])
@require_user()
@bp.response(200, Schema.from_dict({"marked": fields.Integer(required=True)}, name="Marked"))
def read_notifications():
    """Mark all your notifications read"""
    return {"marked": notifications.mark_all_read(g.api_user)}
