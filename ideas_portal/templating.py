"""Template globals and filters, and the security headers every page carries."""
from __future__ import annotations

from datetime import datetime, timezone

from flask import request

CSP = (
    "default-src 'self'; img-src 'self' data:; style-src 'self'; style-src-attr 'unsafe-inline'; "
    "script-src 'self'; connect-src 'self'; frame-ancestors 'none'; form-action 'self'; base-uri 'self'; "
    "object-src 'none'"
)


def timeago(value: datetime | None) -> str:
    if value is None:
        return ""
    seconds = int((datetime.now(timezone.utc) - value).total_seconds())
    for unit, size in (("year", 31536000), ("month", 2592000), ("week", 604800), ("day", 86400),
                       ("hour", 3600), ("minute", 60)):
        if seconds >= size:
            n = seconds // size
            return f"{n} {unit}{'s' if n != 1 else ''} ago"
    return "just now"


def plural(n: int, word: str) -> str:
    return f"{n:,} {word}{'' if n == 1 else 's'}"


def init_app(app) -> None:
    app.jinja_env.filters["timeago"] = timeago
    app.jinja_env.filters["iso"] = lambda v: v.astimezone(timezone.utc).isoformat(timespec="seconds") if v else ""
    app.jinja_env.globals["plural"] = plural
    from .services.markdown import to_text

    app.jinja_env.filters["markdown_text"] = to_text  # notices stored before they were kept as plain text
    from .storage import media_url

    app.jinja_env.globals["media_url"] = media_url
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True

    @app.context_processor
    def _site():
        from flask_login import current_user

        from .services.notifications import unread_count

        return {"site_name": app.config["SITE_NAME"], "unread_notifications": lambda: unread_count(current_user)}

    @app.after_request
    def _security_headers(response):
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "strict-origin-when-cross-origin")
        response.headers.setdefault("X-Frame-Options", "DENY")
        if not request.path.startswith("/api/"):
            response.headers.setdefault("Content-Security-Policy", CSP)
        return response
