"""Where a form or sign-in may send the browser next: only back to this site, never elsewhere."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import request, url_for


def safe_next(target: str | None) -> str:
    """Only paths on this site: no scheme, no host, no protocol-relative or backslash tricks."""
    if not target or "\\" in target or any(ord(ch) < 32 for ch in target):
        return url_for("ideas.home")
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return url_for("ideas.home")
    return target


def safe_back(default: str) -> str:
    """Where a form button returns to: its `next` field when that stays on this site, else the default."""
    target = request.form.get("next")
    return safe_next(target) if target else default
