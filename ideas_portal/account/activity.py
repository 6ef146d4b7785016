"""The member's own lists under /settings: what they voted for, and their contest entries with review state."""

from __future__ import annotations

from flask import render_template, request
from flask_login import current_user, login_required

from ..models import THUMBNAIL_SIZES
from ..services import activity
from . import bp


@bp.get("/settings/votes")
@login_required
def my_votes():
    page = activity.my_votes(current_user, cursor=request.args.get("cursor") or None)
    return render_template("account/votes.html", page=page)


@bp.get("/settings/entries")
@login_required
def my_entries():
    page = activity.my_entries(current_user, cursor=request.args.get("cursor") or None)
    return render_template("account/entries.html", page=page, sizes=THUMBNAIL_SIZES)
