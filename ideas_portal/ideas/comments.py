"""A comment after it is posted: its author edits it within the window, its author or staff remove it; the @
autocomplete's member list."""

from __future__ import annotations

from flask import abort, flash, jsonify, redirect, render_template, request, url_for
from flask_login import current_user
from wtforms import TextAreaField
from wtforms.validators import DataRequired, Length

from ..extensions import limiter
from ..forms import ActionForm, Form, handle
from ..policy import requires
from ..services import comments, lookup, mentions
from ..services.comments import BODY_MAX
from . import bp


class CommentEditForm(Form):
    body = TextAreaField(
        "Your comment",
        validators=[DataRequired(), Length(max=BODY_MAX)],
        description="Markdown works. Fix what you meant to say; the comment will show that it was edited.",
    )


def _at(comment) -> str:
    return url_for("ideas.show", idea_id=comment.idea_id, _anchor=f"comment-{comment.id}")


@bp.route("/comments/<int:comment_id>/edit", methods=["GET", "POST"])
@requires("comment.edit", load=comments.get_comment)
@limiter.limit("60 per hour", methods=["POST"])
def edit_comment(comment_id: int):
    comment = comments.get_comment(comment_id)
    form = CommentEditForm(data=None if request.method == "POST" else {"body": comment.body})
    return handle(
        form,
        lambda: comments.edit_comment(current_user, comment_id, form.body.data),
        success="Your comment is updated.",
        next_url=_at,
        render=lambda: render_template(
            "ideas/comment_edit.html", form=form, comment=comment, idea=lookup.idea(comment.idea_id)
        ),
    )


@bp.route("/comments/<int:comment_id>/delete", methods=["POST"])
@requires("comment.delete", load=comments.get_comment)
def delete_comment(comment_id: int):
    if not ActionForm().validate_on_submit():
        abort(400)
    comment = comments.delete_comment(current_user, comment_id)
    flash("The comment is removed. Its replies stay.", "success")
    return redirect(_at(comment))


@bp.route("/users/suggest")
@requires()
@limiter.limit("120 per minute")
def suggest_members():
    """Names for the @ autocomplete (static/js/mentions.js): signed-in members only, at most 8."""
    return jsonify(items=mentions.suggest(request.args.get("q", "")))
