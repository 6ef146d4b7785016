"""JSON API v1: bearer tokens only, so cookies (and CSRF) play no part."""
from __future__ import annotations

from functools import wraps

from flask import Blueprint, g, request

from ..services import api_tokens
from ..services.exceptions import AuthenticationFailed, InvalidInput, NotAllowed
from . import body

bp = Blueprint("api", __name__)


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


def require_user(staff: bool = False):
    def decorator(view):
        @wraps(view)
        def wrapper(*args, **kwargs):
            user = g.get("api_user")
            if user is None:
                raise AuthenticationFailed("Sign in first: POST /api/v1/tokens, then send 'Authorization: Bearer <token>'.")
            if staff and not user.is_staff:
                raise NotAllowed("Only staff can do this.")
            return view(*args, **kwargs)

        return wrapper

    return decorator


def json_body() -> dict:
    data = body.parse(request.get_data(cache=True)) if request.is_json else None
    if not isinstance(data, dict):
        raise InvalidInput("Send a JSON object as the request body (Content-Type: application/json).")
    return data


from . import contests, feed, moderation, openapi, routes, tokens  # noqa: E402,F401
