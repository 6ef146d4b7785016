"""Staff act on one idea: change its status, merge it into another, undo a merge."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from ..forms import ActionForm
from ..policy import requires
from ..services import lookup, merges, status_changes
from . import bp
from .forms import MergeForm, StatusForm


@bp.route("/ideas/<int:idea_id>/status", methods=["POST"])
@requires("idea.change_status")
def change_status(idea_id: int):
    form = StatusForm()
    if not form.validate_on_submit():
        abort(400, "Choose a status; the note is limited to 5,000 characters.")
    idea = status_changes.change_status(current_user, idea_id, form.status.data, form.note.data or "")
    flash(f"Status changed to “{idea.status.name}”. Followers are being told.", "success")
    return redirect(url_for("ideas.show", idea_id=idea_id))


@bp.get("/ideas/<int:idea_id>/merge")
@requires("idea.merge")
def merge_search(idea_id: int):
    """Staff find the idea to merge into by searching; each result has its own "Merge into this" button."""
    source = lookup.idea(idea_id)
    q = " ".join((request.args.get("q") or "").split()) or source.title
    return render_template("ideas/merge.html", idea=source, q=q, found=merges.candidates(current_user, source.id, q))


@bp.route("/ideas/<int:idea_id>/merge", methods=["POST"])
@requires("idea.merge")
def merge(idea_id: int):
    form = MergeForm()
    if not form.validate_on_submit():
        abort(400, "Choose the idea to merge into.")
    target = merges.merge(current_user, idea_id, form.into.data)
    flash(f"Merged into #{target.id}. Votes, comments and followers moved.", "success")
    return redirect(url_for("ideas.show", idea_id=target.id))


@bp.route("/ideas/<int:idea_id>/unmerge", methods=["POST"])
@requires("idea.unmerge")
def unmerge(idea_id: int):
    if not ActionForm().validate_on_submit():
        abort(400)
    merges.undo(current_user, idea_id)
    flash("Merge undone.", "success")
    return redirect(url_for("ideas.show", idea_id=idea_id))
