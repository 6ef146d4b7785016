"""Bearer tokens: exchanged for email and password, listed and revoked by their owner."""

from __future__ import annotations

from flask import g

from ..extensions import limiter
from ..rate_limits import signin_failures_per_account
from ..services import accounts, api_tokens
from . import answers, bp, inputs, require_user
from .schemas import IssuedTokenSchema, Shown, TokenSchema, page_of


@bp.route("/tokens", methods=["POST"])
@limiter.limit("10 per minute")
@signin_failures_per_account
@bp.arguments(inputs.TokenRequest)
@bp.response(201, IssuedTokenSchema)
@answers()
def create_token(data):
    """Exchange email and password for a bearer token"""
    user = accounts.authenticate(data["email"], data["password"])
    return {"token": api_tokens.issue(user), "user": user}


@bp.route("/tokens")
@require_user()
@bp.response(200, page_of(TokenSchema, cursor=False))
def list_tokens():
    """Your own API tokens"""
    return {"items": [Shown(t, current=t.id == g.api_token_id) for t in api_tokens.tokens_of(g.api_user)]}


@bp.route("/tokens/<int:id>", methods=["DELETE"])
@require_user()
@bp.response(204)
@answers(404)
def revoke_token(id: int):
    """Revoke one of your tokens; it answers 401 from then on"""
    api_tokens.revoke(g.api_user, id)
