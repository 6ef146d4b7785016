"""Flags over the API: the same service as the Flag form on the idea page."""

from __future__ import annotations

from flask import g

from ..extensions import limiter
from ..services import moderation
from . import answers, bp, inputs, require_user
from .schemas import FlagSchema


def _flag(target_type: str, target_id: int, data: dict):
    return moderation.flag(g.api_user, target_type, target_id, data["reason"])


@bp.route("/ideas/<int:id>/flags", methods=["POST"])
@require_user()
@limiter.limit("30 per hour")
@bp.arguments(inputs.FlagInput)
@bp.response(201, FlagSchema)
@answers(404, 409)
def flag_idea(data, id: int):
    """Flag an idea for the moderators (one flag per member; enough flags hide it until staff decide)"""
    return _flag("idea", id, data)


@bp.route("/comments/<int:id>/flags", methods=["POST"])
@require_user()
@limiter.limit("30 per hour")
@bp.arguments(inputs.FlagInput)
@bp.response(201, FlagSchema)
@answers(404, 409)
def flag_comment(data, id: int):
    """Flag a comment for the moderators (one flag per member; enough flags hide it until staff decide)"""
    return _flag("comment", id, data)
