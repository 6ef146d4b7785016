"""API for Ideas in Action: status changes, merges, the feed, follows and notifications."""
from __future__ import annotations

from flask import g, jsonify, request

from ..hosts import absolute_url
from ..services import feed, follows, merges, notifications, pagination, status_changes
from ..services.exceptions import InvalidInput
from . import bp, json_body, openapi, require_user, schemas
from .openapi import AUTH_ERRORS, COMMON_ERRORS, ERROR, ID, PAGING, SECURE, body, json_response, list_of, param, ref
from .routes import idea_response


def feed_item(item) -> dict:
    data = {"id": item.id, "kind": item.kind, "title": item.title, "body": item.body, "body_html": item.body_html,
            "created_at": schemas.iso(item.created_at)}
    if item.idea_id:
        data["idea_id"] = item.idea_id
        data["url"] = absolute_url("ideas.show", idea_id=item.idea_id)
    if item.contest_id:
        data["contest_id"] = item.contest_id
        data["url"] = absolute_url("contests.show", contest_id=item.contest_id)
    if item.status:
        data["status"] = item.status.slug
    if item.post_id:
        data["post_id"] = item.post_id
    return data


def notification(item) -> dict:
    data = {"id": item.id, "kind": item.kind, "body": item.body, "created_at": schemas.iso(item.created_at),
            "read": item.read_at is not None}
    if item.idea_id:
        data["idea_id"] = item.idea_id
    if item.contest_id:
        data["contest_id"] = item.contest_id
    return data


@bp.post("/ideas/<int:idea_id>/status")
@require_user()
def change_status(idea_id: int):
    data = json_body()
    return idea_response(status_changes.change_status(g.api_user, idea_id, schemas.string_field(data, "status"),
                                               data.get("note")))


@bp.post("/ideas/<int:idea_id>/merge")
@require_user()
def merge(idea_id: int):
    data = json_body()
    if "into" not in data:
        raise InvalidInput("'into' is required: the number of the idea to merge into.")
    return idea_response(merges.merge(g.api_user, idea_id, data["into"]))


@bp.post("/ideas/<int:idea_id>/unmerge")
@require_user()
def unmerge(idea_id: int):
    return idea_response(merges.undo(g.api_user, idea_id))


@bp.put("/ideas/<int:idea_id>/follow")
@require_user()
def follow(idea_id: int):
    follows.set_following(g.api_user, idea_id, True)
    return jsonify(following=True)


@bp.delete("/ideas/<int:idea_id>/follow")
@require_user()
def unfollow(idea_id: int):
    follows.set_following(g.api_user, idea_id, False)
    return jsonify(following=False)


@bp.get("/feed")
def list_feed():
    args = request.args
    page = feed.page(kind=args.get("kind") or None, status=args.get("status") or None,
                     category=args.get("category") or None, limit=pagination.parse_limit(args.get("limit")),
                     cursor=args.get("cursor") or None)
    return jsonify(items=[feed_item(i) for i in page.items], next_cursor=page.next_cursor)


@bp.get("/notifications")
@require_user()
def list_notifications():
    page = notifications.page(g.api_user, limit=pagination.parse_limit(request.args.get("limit")),
                              cursor=request.args.get("cursor") or None)
    return jsonify(items=[notification(n) for n in page.items], next_cursor=page.next_cursor,
                   unread=notifications.unread_count(g.api_user))


@bp.post("/notifications/read")
@require_user()
def read_notifications():
    return jsonify(marked=notifications.mark_all_read(g.api_user))


openapi.SCHEMAS.update({
    "FeedItem": {"type": "object", "required": ["kind", "body", "created_at"], "properties": {
        "id": {"type": "integer"}, "kind": {"enum": ["status_change", "post", "contest_result"]},
        "idea_id": {"type": "integer"}, "contest_id": {"type": "integer"}, "status": {"type": "string"},
        "title": {"type": "string"}, "body": {"type": "string"}, "body_html": {"type": "string"},
        "url": {"type": "string"}, "post_id": {"type": "integer"},
        "created_at": {"type": "string", "format": "date-time"}}},
    "Notification": {"type": "object", "required": ["kind", "body", "created_at", "read"], "properties": {
        "id": {"type": "integer"}, "kind": {"type": "string"}, "body": {"type": "string"},
        "created_at": {"type": "string", "format": "date-time"}, "read": {"type": "boolean"},
        "idea_id": {"type": "integer"}, "contest_id": {"type": "integer"}}},
})
_IDEA_OR_ERRORS = {"200": json_response(ref("Idea")), "404": ERROR, "409": ERROR, **COMMON_ERRORS, **AUTH_ERRORS}
_FOLLOW = {"200": json_response({"type": "object", "properties": {"following": {"type": "boolean"}}}),
           "404": ERROR, **COMMON_ERRORS, **AUTH_ERRORS}
openapi.PATHS.update({
    "/ideas/{id}/status": {"post": {
        "summary": "Change an idea's status with a public note (staff)", "operationId": "changeStatus",
        "security": SECURE, "parameters": [ID],
        "requestBody": body({"type": "object", "required": ["status"], "properties": {
            "status": {"type": "string"}, "note": {"type": ["string", "null"], "maxLength": 5000}}}),
        "responses": _IDEA_OR_ERRORS}},
    "/ideas/{id}/merge": {"post": {
        "summary": "Merge this idea into another (staff); answers the target idea", "operationId": "mergeIdea",
        "security": SECURE, "parameters": [ID],
        "requestBody": body({"type": "object", "required": ["into"], "properties": {
            "into": {"type": "integer", "minimum": 1}}}),
        "responses": _IDEA_OR_ERRORS}},
    "/ideas/{id}/unmerge": {"post": {"summary": "Undo a merge (staff)", "operationId": "unmergeIdea",
                                     "security": SECURE, "parameters": [ID], "responses": _IDEA_OR_ERRORS}},
    "/ideas/{id}/follow": {
        "put": {"summary": "Follow an idea", "operationId": "followIdea", "security": SECURE, "parameters": [ID],
                "responses": _FOLLOW},
        "delete": {"summary": "Stop following", "operationId": "unfollowIdea", "security": SECURE,
                   "parameters": [ID], "responses": _FOLLOW}},
    "/feed": {"get": {
        "summary": "Ideas in Action: status changes, staff posts, contest results", "operationId": "listFeed",
        "parameters": [param("kind", schema={"enum": ["status_change", "post", "contest_result"]}),
                       param("status"), param("category"), *PAGING],
        "responses": {"200": json_response(list_of("FeedItem")), **COMMON_ERRORS, "401": ERROR}}},
    "/notifications": {"get": {
        "summary": "Your notifications, newest first", "operationId": "listNotifications", "security": SECURE,
        "parameters": PAGING,
        "responses": {"200": json_response(list_of("Notification")), **COMMON_ERRORS, **AUTH_ERRORS}}},
    "/notifications/read": {"post": {
        "summary": "Mark all your notifications read", "operationId": "readNotifications", "security": SECURE,
        "responses": {"200": json_response({"type": "object", "properties": {"marked": {"type": "integer"}}}),
                      **COMMON_ERRORS, **AUTH_ERRORS}}},
})
