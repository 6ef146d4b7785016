"""A comment after it is posted, over the API: the same services as the idea page's Edit and Remove."""

from __future__ import annotations

from flask import g
from marshmallow import fields

from ..extensions import db, limiter
from ..models import Idea
from ..services import comments
from . import answers, bp, require_user
from .inputs import Input
from .schemas import CommentSchema, Shown


class CommentEditInput(Input):
    body = fields.String(required=True, metadata={"minLength": 1, "maxLength": comments.BODY_MAX})


def shown_comment(comment) -> Shown:
    official_id = db.session.get_one(Idea, comment.idea_id).official_comment_id
    return Shown(comment, is_official=comment.id == official_id)


@bp.route("/comments/<int:id>", methods=["PATCH"])
@require_user()
@limiter.limit("60 per hour")
@bp.arguments(CommentEditInput)
@bp.response(200, CommentSchema)
@answers(404, 409)
def edit_comment(data, id: int):
    """Edit your own comment while the edit window is open (COMMENT_EDIT_MINUTES); it shows as edited"""
    return shown_comment(comments.edit_comment(g.api_user, id, data["body"]))


@bp.route("/comments/<int:id>", methods=["DELETE"])
@require_user()
@bp.response(204)
@answers(404, 409)
def delete_comment(id: int):
    """Remove a comment (its author or staff): the text goes, its replies stay under "Comment removed\""""
    comments.delete_comment(g.api_user, id)
