"""One-click unsubscribe: GET shows what the link does (mail scanners fetch links), POST does it.
The POST takes no CSRF token: mail clients send it bare (RFC 8058), and the signed link is the proof."""

from __future__ import annotations

from flask import render_template

from ..extensions import csrf
from ..forms import ActionForm
from ..services import preferences
from ..services import unsubscribe as links
from ..services.exceptions import DeadLink
from . import bp


def _dead(exc: DeadLink):
    return render_template("account/unsubscribe.html", error=exc.message, form=None), exc.status_code


def _label(kind: str) -> str:
    return "all notice emails" if kind == links.ALL else preferences.LABELS[kind].lower()


@bp.get("/unsubscribe/<token>")
def unsubscribe_page(token: str):
    try:
        user, kind = links.read(token)
    except DeadLink as exc:
        return _dead(exc)
    return render_template("account/unsubscribe.html", form=ActionForm(), what=_label(kind), done=False, error=None)


@bp.post("/unsubscribe/<token>")
@csrf.exempt
def unsubscribe(token: str):
    try:
        user, kind = links.apply(token)
    except DeadLink as exc:
        return _dead(exc)
    return render_template("account/unsubscribe.html", form=None, what=_label(kind), done=True, error=None)
