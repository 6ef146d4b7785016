"""JSON API v1: bearer tokens only, so cookies (and CSRF) play no part."""

from __future__ import annotations

from flask import current_app, g, jsonify, request

from ..extensions import csrf
from ..hosts import site_root
from ..policy import requires
from ..services import api_tokens
from ..services.exceptions import AuthenticationFailed
from .spec import SECURE, Blueprint, document, make_api

PREFIX = "/api/v1"
bp = Blueprint("api", __name__, description="ideas_portal JSON API v1")


def bearer_token() -> str | None:
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    return token.strip()


@bp.before_request
def _authenticate():
    g.api_user = g.api_token_id = None
    if "Authorization" not in request.headers:
        return
    token = bearer_token()
    bearer = api_tokens.authenticate(token) if token else None
    if bearer is None:
        raise AuthenticationFailed("The Authorization header must be 'Bearer <token>' with a valid token.")
    g.api_user, g.api_token_id = bearer.user, bearer.token_id


@bp.after_request
def _no_store(response):
    response.headers.setdefault("Cache-Control", "no-store")
    return response


def answers(*codes: int):
    """Documents the error statuses a view can give; 400, 401 (a bad token), 413 (a body over MAX_CONTENT_LENGTH)
    and 429 come with every view."""

    def decorator(view):
        for code in sorted({400, 401, 413, 429, *codes}, reverse=True):
            view = bp.alt_response(code, schema="Error", description="Error")(view)
        return view

    return decorator


def require_user(permission: str | None = None):
    """policy.requires (a bearer token, then the permission if one is named), documented as the security."""

    def decorator(view):
        return answers(403)(bp.doc(security=SECURE)(requires(permission)(view)))

    return decorator


@bp.route("/openapi.json")
def openapi_json():
    api = current_app.extensions["flask-smorest"]["apis"][""]["ext_obj"]
    return jsonify(document(api, PREFIX, site_root() + PREFIX))


def init_app(app) -> None:
    api = make_api(app)
    csrf.exempt(bp)  # bearer tokens, never cookies: nothing for CSRF to ride on
    api.register_blueprint(bp, url_prefix=PREFIX)


from . import badges, comments, contests, feed, leaderboard, me, moderation, routes, stats, tokens  # noqa: E402,F401
from . import polls  # noqa: E402,F401
