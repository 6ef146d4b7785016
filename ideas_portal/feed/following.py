"""Members follow ideas and read what the ideas they follow told them."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from ..forms import ActionForm
from ..services import follows, notifications
from . import bp


@bp.route("/ideas/<int:idea_id>/follow", methods=["POST"])
@login_required
def follow(idea_id: int):
    if not ActionForm().validate_on_submit():
        abort(400)
    on = request.form.get("follow", "1") == "1"
    follows.set_following(current_user, idea_id, on)
    flash(
        "You follow this idea: we'll tell you when its status changes." if on else "You no longer follow this idea.",
        "info",
    )
    return redirect(url_for("ideas.show", idea_id=idea_id))


@bp.route("/notifications")
@login_required
def notification_centre():
    page = notifications.page(current_user, cursor=request.args.get("cursor") or None)
    return render_template("feed/notifications.html", page=page, action_form=ActionForm())


@bp.route("/notifications/read", methods=["POST"])
@login_required
def mark_read():
    if not ActionForm().validate_on_submit():
        abort(400)
    notifications.mark_all_read(current_user)
    return redirect(url_for("feed.notification_centre"))
