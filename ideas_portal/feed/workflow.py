"""Staff workflow on an idea (status, merge) and members' follows and notifications."""
from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from ..ideas.forms import ActionForm
from ..services import follows, ideas, merges, notifications, status
from . import bp
from .forms import MergeForm, StatusForm


@bp.route("/ideas/<int:idea_id>/status", methods=["POST"])
@login_required
def change_status(idea_id: int):
    form = StatusForm()
    if not form.validate_on_submit():
        abort(400, "Choose a status; the note is limited to 5,000 characters.")
    idea = status.change_status(current_user, idea_id, form.status.data, form.note.data or "")
    flash(f"Status changed to “{idea.status.name}”. Followers are being told.", "success")
    return redirect(url_for("ideas.show", idea_id=idea_id))


@bp.get("/ideas/<int:idea_id>/merge")
@login_required
def merge_search(idea_id: int):
    """Staff find the idea to merge into by searching; each result has its own "Merge into this" button."""
    source = ideas.get_idea(idea_id)
    q = " ".join((request.args.get("q") or "").split()) or source.title
    return render_template("ideas/merge.html", idea=source, q=q,
                           found=merges.candidates(current_user, source.id, q))


@bp.route("/ideas/<int:idea_id>/merge", methods=["POST"])
@login_required
def merge(idea_id: int):
    form = MergeForm()
    if not form.validate_on_submit():
        abort(400, "Choose the idea to merge into.")
    target = merges.merge(current_user, idea_id, form.into.data)
    flash(f"Merged into #{target.id}. Votes, comments and followers moved.", "success")
    return redirect(url_for("ideas.show", idea_id=target.id))


@bp.route("/ideas/<int:idea_id>/unmerge", methods=["POST"])
@login_required
def unmerge(idea_id: int):
    if not ActionForm().validate_on_submit():
        abort(400)
    merges.undo(current_user, idea_id)
    flash("Merge undone.", "success")
    return redirect(url_for("ideas.show", idea_id=idea_id))


@bp.route("/ideas/<int:idea_id>/follow", methods=["POST"])
@login_required
def follow(idea_id: int):
    if not ActionForm().validate_on_submit():
        abort(400)
    on = request.form.get("follow", "1") == "1"
    follows.set_following(current_user, idea_id, on)
    flash("You follow this idea: we'll tell you when its status changes." if on else "You no longer follow this idea.",
          "info")
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
