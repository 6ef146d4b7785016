"""Flags over the API: the same service as the Flag form on the idea page."""
from __future__ import annotations

from flask import g, jsonify

from ..extensions import limiter
from ..services import moderation
from . import bp, json_body, openapi, require_user, schemas
from .openapi import AUTH_ERRORS, COMMON_ERRORS, ERROR, ID, SECURE, body, json_response, ref


def _flag(target_type: str, target_id: int):
    data = json_body()
    created = moderation.flag(g.api_user, target_type, target_id, schemas.string_field(data, "reason"))
    return jsonify(schemas.flag(created)), 201


@bp.post("/ideas/<int:idea_id>/flags")
@require_user()
@limiter.limit("30 per hour")
def flag_idea(idea_id: int):
    return _flag("idea", idea_id)


@bp.post("/comments/<int:comment_id>/flags")
@require_user()
@limiter.limit("30 per hour")
def flag_comment(comment_id: int):
    return _flag("comment", comment_id)


openapi.SCHEMAS["Flag"] = {"type": "object", "required": ["id", "target_type", "target_id", "reason", "created_at"],
                           "properties": {
                               "id": {"type": "integer"}, "target_type": {"enum": ["idea", "comment"]},
                               "target_id": {"type": "integer"}, "reason": {"type": "string"},
                               "created_at": {"type": "string", "format": "date-time"}}}
openapi.SCHEMAS["Comment"]["properties"]["hidden"] = {
    "type": "boolean", "description": "hidden pending review; body is empty unless the caller is staff"}


def _flag_operation(what: str, operation_id: str) -> dict:
    return {"post": {
        "summary": f"Flag {what} for the moderators (one flag per member; enough flags hide it until staff decide)",
        "operationId": operation_id, "security": SECURE, "parameters": [ID],
        "requestBody": body({"type": "object", "required": ["reason"], "properties": {
            "reason": {"type": "string", "minLength": 1, "maxLength": moderation.REASON_MAX}}}),
        "responses": {"201": json_response(ref("Flag"), "Created"), "404": ERROR,
                      "409": json_response(ref("Error"), "Already flagged by you"), **COMMON_ERRORS,
                      **AUTH_ERRORS}}}


openapi.PATHS["/ideas/{id}/flags"] = _flag_operation("an idea", "flagIdea")
openapi.PATHS["/comments/{id}/flags"] = _flag_operation("a comment", "flagComment")
