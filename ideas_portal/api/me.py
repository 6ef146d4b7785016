"""The caller's own account (/me: read, change, download, delete) and members' public profiles (/users/{id})."""

from __future__ import annotations

from flask import g
from marshmallow import RAISE, Schema, fields, pre_load

from ..extensions import limiter
from ..hosts import absolute_url
from ..models import NOTIFICATION_KINDS
from ..services import account_deletion, member_data, preferences
from ..services.exceptions import InvalidInput
from . import answers, bp, require_user
from .badges import BadgeSchema, of_member
from .inputs import Bool, Input
from .schemas import Out, Shown, Time

EMAIL_CHANGE = (
    "'email' cannot be changed through the API: a new address must be confirmed from a link we send to it. "
    "Change it on your account page, /settings."
)
KINDS = {"enum": list(NOTIFICATION_KINDS)}


def by_kind(schema: str, **also) -> dict:
    """The OpenAPI of a {kind: channels} object: only the known kinds (a Dict's keys are not described)."""
    ref = {"$ref": f"#/components/schemas/{schema}", **also}
    return {"properties": {kind: ref for kind in NOTIFICATION_KINDS}, "additionalProperties": False}


class ChannelsSchema(Schema):
    in_app = fields.Boolean(required=True)
    email = fields.Boolean(required=True)


class MeSchema(Out):
    id = fields.Integer(required=True)
    name = fields.String(required=True)
    email = fields.String(required=True)
    bio = fields.String(required=True)
    email_verified = fields.Function(
        lambda u: u.email_verified_at is not None, required=True, metadata={"type": "boolean"}
    )
    points = fields.Integer(required=True)
    notification_settings = fields.Dict(
        keys=fields.String(metadata=KINDS),
        values=fields.Nested(ChannelsSchema),
        required=True,
        metadata={**by_kind("Channels"), "required": list(NOTIFICATION_KINDS)},
    )
    marketing_consent = fields.Boolean(required=True)
    role = fields.String()
    avatar_url = fields.Function(member_data.avatar_url, metadata={"type": ["string", "null"]})
    created_at = Time()
    profile_url = fields.Function(lambda u: absolute_url("members.profile", user_id=u.id), metadata={"type": "string"})


class ChannelsInput(Input):
    class Meta:
        unknown = RAISE  # a misspelt channel must not read as "no change"

    in_app = Bool()
    email = Bool()


class MeChange(Input):
    """Only the fields to change; unknown fields are ignored as everywhere in the API, except an email."""

    name = fields.String(metadata={"minLength": 2, "maxLength": 60})
    bio = fields.String(metadata={"maxLength": 500})
    notification_settings = fields.Dict(
        keys=fields.String(metadata=KINDS),
        values=fields.Nested(ChannelsInput),
        metadata={
            "description": 'per kind, {"in_app": bool, "email": bool}; the channels left out stay as they are',
            **by_kind("ChannelsInput", minProperties=1),  # {} names no channel: refused
        },
    )
    marketing_consent = Bool(metadata={"description": "given or withdrawn; each change is kept with its time"})

    @pre_load
    def _no_email(self, data, **kwargs):
        if isinstance(data, dict) and "email" in data:
            raise InvalidInput(EMAIL_CHANGE)
        return data


class DeleteMe(Input):
    password = fields.String(
        required=True, metadata={"description": "your current password, to prove it is you", "minLength": 1}
    )


_LISTS = (
    "ideas comments votes entries contest_votes poll_answers notifications points badges consent_history "
    "api_tokens contest_entrant_details follows flags email_confirmations"
).split()
ExportSchema = Schema.from_dict(
    {
        "format": fields.Integer(required=True),
        "exported_at": fields.String(required=True),
        "profile": fields.Dict(required=True),
        "notification_settings": fields.Dict(required=True),
        **{key: fields.List(fields.Dict(), required=True) for key in _LISTS},
    },
    name="Export",
)


class MemberSchema(Out):
    id = fields.Integer(required=True)
    name = fields.String(required=True)
    points = fields.Integer(required=True)
    badges = fields.List(fields.Nested(BadgeSchema), required=True, dump_default=list)
    ideas_count = fields.Integer(required=True)
    entries_count = fields.Integer(required=True)
    bio = fields.String()
    avatar_url = fields.Function(member_data.avatar_url, metadata={"type": ["string", "null"]})
    joined = Time(attribute="created_at")
    url = fields.Function(lambda u: absolute_url("members.profile", user_id=u.id), metadata={"type": "string"})


def _me() -> Shown:
    user = g.api_user
    return Shown(user, notification_settings=preferences.settings_of(user.id))


@bp.route("/me")
@require_user()
@bp.response(200, MeSchema)
def get_me():
    """Your own account"""
    return _me()


@bp.route("/me", methods=["PATCH"])
@require_user()
@limiter.limit("60 per hour")
@bp.arguments(MeChange)
@bp.response(200, MeSchema)
def update_me(data):
    """Change your name, bio, notification choices or marketing consent"""
    member_data.change(g.api_user, **data, source="api")
    return _me()


@bp.route("/me/export")
@require_user()
@limiter.limit("10 per hour")
@bp.response(200, ExportSchema)
def export_me():
    """Download everything held about you"""
    return member_data.export(g.api_user)


@bp.route("/me", methods=["DELETE"])
@require_user()
@limiter.limit("10 per hour")
@bp.arguments(DeleteMe)
@bp.response(204)
@answers(409)
def delete_me(data):
    """Delete your account: 403 for a wrong password, 409 for the only admin.
    Your ideas, comments and entries stay under "Deleted member"; every token is revoked."""
    account_deletion.delete_account(g.api_user, data["password"])


@bp.route("/users/<int:id>")
@bp.response(200, MemberSchema)
@answers(404)
def get_member(id: int):
    """A member's public profile; a deleted member is not found"""
    found = member_data.public_profile(id)
    return Shown(
        found.user,
        ideas_count=found.ideas_count,
        entries_count=found.entries_count,
        badges=of_member(found.user.id),
    )
