"""One place that turns errors into HTML pages or JSON {"error": ...} with the right status."""

from __future__ import annotations

import time

from flask import current_app, jsonify, make_response, render_template, request
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from .extensions import limiter
from .services.exceptions import DomainError

MESSAGES = {
    400: "The request could not be understood.",
    401: "Please sign in first.",
    403: "You are not allowed to do that.",
    404: "We could not find that page.",
    405: "That method is not allowed here.",
    409: "That clashes with the current state of things.",
    429: "Too many requests. Please slow down and try again later.",
}


# Site paths (not under /api/) that only ever answer JSON: their errors are JSON whatever Accept says.
JSON_ENDPOINTS = frozenset({"ideas.suggest_members"})


def wants_json() -> bool:
    if request.path.startswith("/api/") or request.endpoint in JSON_ENDPOINTS:
        return True
    best = request.accept_mimetypes.best_match(["text/html", "application/json"])
    return best == "application/json" and request.accept_mimetypes[best] > request.accept_mimetypes["text/html"]


def error_response(status: int, message: str, headers=None):
    if wants_json():
        response = jsonify(error=message)
        response.status_code = status
    else:
        response = make_response(render_template("errors/error.html", status=status, message=message), status)
    if headers:
        for key, value in headers:
            if key.lower() in ("allow", "retry-after", "www-authenticate") or key.lower().startswith("x-ratelimit"):
                response.headers[key] = value
    if status == 401 and request.path.startswith("/api/") and "WWW-Authenticate" not in response.headers:
        response.headers["WWW-Authenticate"] = 'Bearer realm="api"'  # the scheme the API takes (RFC 9110)
    return response


def too_large() -> str:
    """413, naming the limit the request broke (MAX_CONTENT_LENGTH)."""
    limit = current_app.config.get("MAX_CONTENT_LENGTH") or 0
    size = f"{limit // 2**20} MB" if limit >= 2**20 else f"{max(1, limit // 1024)} KB"
    return f"That request is too large: at most {size} is accepted."


def _wait(seconds: int) -> str:
    if seconds < 90:
        return f"{seconds} second{'' if seconds == 1 else 's'}"
    minutes = -(-seconds // 60)
    return f"{minutes} minutes" if minutes < 120 else f"{-(-minutes // 60)} hours"


def too_many_requests(limit: str | None) -> str:
    """The wait it names is the one Retry-After gives: both come from the breached limit's window."""
    current = limiter.current_limit
    try:
        reset_at = current.reset_at if current else None
    except Exception:  # noqa: BLE001 — the limit storage went away since the check: the plain text will do
        reset_at = None
    if reset_at is None:
        return MESSAGES[429]
    seconds = max(1, int(reset_at - time.time()))
    return f"Too many requests. Please slow down and try again in {_wait(seconds)} (limit: {limit})."


def init_app(app) -> None:
    @app.errorhandler(DomainError)
    def _domain(exc: DomainError):
        return error_response(exc.status_code, exc.message)

    @app.errorhandler(CSRFError)
    def _csrf(exc: CSRFError):
        return error_response(
            400, "Your form expired or was sent from elsewhere. Please reload the page and try again."
        )

    @app.errorhandler(HTTPException)
    def _http(exc: HTTPException):
        status = exc.code or 500
        message = MESSAGES.get(status) or exc.description or exc.name
        if status == 429:
            message = too_many_requests(exc.description)
        elif status == 413:
            message = too_large()
        elif status == 400 and exc.description and exc.description != exc.__class__.description:
            message = exc.description
        return error_response(status, message, exc.get_headers())

    @app.errorhandler(Exception)
    def _unexpected(exc: Exception):
        app.logger.error("unhandled error", exc_info=exc)
        return error_response(500, "Something went wrong on our side. It has been logged; please try again.")
