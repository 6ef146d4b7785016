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


# What the page says the link stops, addressed to the member (preferences.LABELS speak in the member's voice).
ABOUT = {
    links.ALL: "any kind of notice",
    "status_change": "status changes of ideas you follow",
    "reply": "replies to your comments",
    "mention": "mentions of your name",
    "contest_result": "results of contests you entered",
    "official_answer": "staff answers on your ideas",
    "badge": "news of badges you earn",
    "digest": "the weekly digest",
}
assert set(ABOUT) == {links.ALL, *preferences.LABELS}


def _label(kind: str) -> str:
    return ABOUT[kind]


@bp.get("/unsubscribe/<token>")
def unsubscribe_page(token: str):
    try:
        user, kind = links.read(token)
    except DeadLink as exc:
        return _dead(exc)
    return render_template(
        "account/unsubscribe.html",
        form=ActionForm(),
        what=_label(kind),
        done=False,
        error=None,
        everything=kind == links.ALL,
    )


@bp.post("/unsubscribe/<token>")
@csrf.exempt
def unsubscribe(token: str):
    try:
        user, kind = links.apply(token)
    except DeadLink as exc:
        return _dead(exc)
    return render_template(
        "account/unsubscribe.html", form=None, what=_label(kind), done=True, error=None, everything=kind == links.ALL
    )
