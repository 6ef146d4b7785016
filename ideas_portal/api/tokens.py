"""Bearer tokens: exchanged for email and password, listed and revoked by their owner."""
from __future__ import annotations

from flask import g, jsonify

from ..extensions import limiter, signin_failures_per_account
from ..services import accounts, api_tokens
from . import bp, json_body, openapi, require_user, schemas
from .openapi import AUTH_ERRORS, COMMON_ERRORS, ERROR, ID, SECURE, json_response, list_of


def token_info(token, current_id: int | None) -> dict:
    return {"id": token.id, "created_at": schemas.iso(token.created_at), "last_used_at": schemas.iso(token.last_used_at),
            "current": token.id == current_id}


@bp.post("/tokens")
@limiter.limit("10 per minute")
@signin_failures_per_account
def create_token():
    data = json_body()
    user = accounts.authenticate(schemas.string_field(data, "email"), schemas.string_field(data, "password"))
    token = api_tokens.issue(user)
    return jsonify(token=token, user=schemas.user_ref(user)), 201


@bp.get("/tokens")
@require_user()
def list_tokens():
    return jsonify(items=[token_info(t, g.api_token_id) for t in api_tokens.tokens_of(g.api_user)])


@bp.delete("/tokens/<int:token_id>")
@require_user()
def revoke_token(token_id: int):
    api_tokens.revoke(g.api_user, token_id)
    return "", 204


openapi.SCHEMAS["ApiToken"] = {
    "type": "object", "required": ["id", "created_at", "last_used_at", "current"], "properties": {
        "id": {"type": "integer"}, "created_at": {"type": "string", "format": "date-time"},
        "last_used_at": {"type": ["string", "null"], "format": "date-time",
                         "description": "updated at most once a minute"},
        "current": {"type": "boolean", "description": "the token this request was sent with"}}}
openapi.PATHS["/tokens"]["get"] = {
    "summary": "Your own API tokens", "operationId": "listTokens", "security": SECURE,
    "responses": {"200": json_response(list_of("ApiToken", cursor=False)), **AUTH_ERRORS, "429": ERROR}}
openapi.PATHS["/tokens/{id}"] = {"delete": {
    "summary": "Revoke one of your tokens; it answers 401 from then on", "operationId": "revokeToken",
    "security": SECURE, "parameters": [ID],
    "responses": {"204": {"description": "Revoked"}, "404": ERROR, **COMMON_ERRORS, **AUTH_ERRORS}}}
