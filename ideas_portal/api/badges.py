"""Badges over the API: staff name a star member (and take the star back); profiles list what a member holds."""

from __future__ import annotations

from flask import g
from marshmallow import fields

from ..services import badges
from . import answers, bp, require_user
from .inputs import Input
from .schemas import Out, Shown, Time


class BadgeSchema(Out):
    slug = fields.String(required=True)
    name = fields.String(required=True)
    awarded_at = Time(required=True)
    reason = fields.String(metadata={"description": "what it was earned for"})
    note = fields.String(metadata={"description": "staff's words when they granted it; empty for an earned badge"})


class BadgeGrantInput(Input):
    slug = fields.String(
        required=True, metadata={"enum": [badges.STAR], "description": "only a star member is named by hand"}
    )
    note = fields.String(metadata={"maxLength": badges.NOTE_MAX, "description": "why; shown with the badge"})


def shown(held: badges.Held) -> Shown:
    return Shown(held.award, name=held.badge.name)


def of_member(user_id: int) -> list[Shown]:
    """Every badge held, in display order (the order the profile and the names show them)."""
    return [shown(h) for h in badges.held(user_id)]


@bp.route("/users/<int:id>/badges", methods=["POST"])
@require_user("badges.grant")
@bp.arguments(BadgeGrantInput)
@bp.response(201, BadgeSchema)
@answers(404, 409)
def grant_badge(data, id: int):
    """Name a member a star member, with a note (staff): 409 if they are one already"""
    award = badges.grant_by_hand(g.api_user, id, data["slug"], data.get("note", ""))
    return Shown(award, name=badges.BADGES[award.slug].name)


@bp.route("/users/<int:id>/badges/star-member", methods=["DELETE"])
@require_user("badges.grant")
@bp.response(204)
@answers(404)
def revoke_star(id: int):
    """Take a member's star back (staff): 404 if they hold none"""
    badges.revoke_by_hand(g.api_user, id)
