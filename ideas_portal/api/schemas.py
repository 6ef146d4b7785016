"""How domain objects look in the JSON API (see shared/CONTRACT.md): each schema dumps and documents one shape."""

from __future__ import annotations

from datetime import datetime, timezone

from flask import g
from marshmallow import Schema, fields, post_dump, validate

from ..hosts import absolute_url
from ..models import ENTRY_STATES, THUMBNAIL_SIZES
from ..services.contests import contests
from ..storage import media_url

NULL_STRING = {"type": ["string", "null"]}


def iso(value: datetime | None) -> str | None:
    if value is None:
        return None
    return value.astimezone(timezone.utc).isoformat().replace("+00:00", "Z")


class Time(fields.DateTime):
    """ISO 8601 in UTC with a 'Z', as every time in the API is written."""

    def _serialize(self, value, attr, obj, **kwargs):
        return iso(value)


class Shown:
    """A row with what depends on the caller (my_vote, voted, winners…), so one schema dumps every view of it."""

    def __init__(self, row, **extra):
        self._row = row
        self.__dict__.update(extra)

    def __getattr__(self, name):
        return getattr(self._row, name)


class Out(Schema):
    """A row's shape. Attributes are read straight off the row, a Shown's extras first: marshmallow's generic
    lookup (items, then attributes) doubled the cost of a list page."""

    def get_attribute(self, obj, attr, default):
        if type(obj) is Shown:
            if attr in obj.__dict__:
                return obj.__dict__[attr]
            obj = obj._row
        if "." not in attr:
            return getattr(obj, attr, default)
        for part in attr.split("."):
            obj = getattr(obj, part, None)
            if obj is None:
                return default
        return obj


def _vote_held(my_vote: int | None) -> bool | None:
    """A member's votes are held exactly while their address is unconfirmed (confirming releases them all)."""
    if my_vote is None:
        return None
    user = g.get("api_user")
    return user is not None and not user.is_verified


def _link(endpoint: str, key: str):
    return fields.Function(lambda row: absolute_url(endpoint, **{key: row.id}), metadata={"type": "string"})


def _flag(test):
    return fields.Function(test, metadata={"type": "boolean"})


def page_of(item: type[Schema], cursor: bool = True, **extra) -> type[Schema]:
    """{"items": [...], "next_cursor"}: the one list shape, named after its items."""
    attrs = {"items": fields.List(fields.Nested(item), required=True), **extra}
    if cursor:
        attrs["next_cursor"] = fields.String(required=True, allow_none=True)
    name = item.__name__.removesuffix("Schema") + ("Page" if cursor else "List")
    return Schema.from_dict(attrs, name=name)


class UserRefSchema(Out):
    id = fields.Integer(required=True)
    name = fields.String(required=True)
    role = fields.String()


class IdeaSchema(Out):
    id = fields.Integer(required=True)
    title = fields.String(required=True)
    body = fields.String(required=True)
    body_html = fields.String()
    category = fields.String(required=True, attribute="category.slug", allow_none=True, dump_default=None)
    status = fields.String(required=True, attribute="status.slug")
    status_name = fields.String(attribute="status.name")
    author = fields.Nested(UserRefSchema, required=True)
    upvotes = fields.Integer(required=True)
    downvotes = fields.Integer(required=True)
    score = fields.Integer(required=True)
    comment_count = fields.Integer(required=True)
    created_at = Time(required=True)
    updated_at = Time()
    withdrawn = _flag(lambda idea: idea.withdrawn_at is not None)
    url = _link("ideas.show", "idea_id")
    my_vote = fields.Integer(
        required=True,
        allow_none=True,
        dump_default=None,
        validate=validate.OneOf([1, -1]),
        metadata={"description": "the caller's vote: 1, -1 or null"},
    )
    my_vote_held = fields.Function(
        lambda idea: _vote_held(getattr(idea, "my_vote", None)),
        allow_none=True,
        metadata={
            "type": "boolean",
            "description": "the caller's vote waits for their address to be confirmed before it counts; "
            "null without a vote",
        },
    )


class CommentSchema(Out):
    id = fields.Integer(required=True)
    idea_id = fields.Integer()
    parent_id = fields.Integer(allow_none=True)
    body = fields.Function(
        lambda c: "" if getattr(c, "masked", False) else c.body, required=True, metadata={"type": "string"}
    )
    body_html = fields.Function(
        lambda c: "" if getattr(c, "masked", False) else c.body_html, metadata={"type": "string"}
    )
    hidden = _flag(lambda c: c.hidden_at is not None)
    author = fields.Nested(UserRefSchema, required=True)
    is_official = fields.Boolean(required=True, dump_default=False)
    created_at = Time(required=True)
    edited = _flag(lambda c: c.edited_at is not None)
    edited_at = Time(allow_none=True, metadata={"description": "when its author last edited it, else null"})
    removed = _flag(lambda c: c.deleted_at is not None)  # its text is gone; replies keep their place under it


class StatusSchema(Out):
    slug = fields.String(required=True)
    name = fields.String(required=True)
    is_closed = fields.Boolean(required=True)
    colour = fields.String()


class CategorySchema(Out):
    slug = fields.String(required=True)
    name = fields.String(required=True)


class TokenSchema(Out):
    id = fields.Integer(required=True)
    created_at = Time(required=True)
    last_used_at = Time(required=True, allow_none=True, metadata={"description": "updated at most once a minute"})
    current = fields.Boolean(
        required=True, dump_default=False, metadata={"description": "the token this request was sent with"}
    )


class IssuedTokenSchema(Schema):
    token = fields.String(required=True)
    user = fields.Nested(UserRefSchema, required=True)


class FlagSchema(Out):
    id = fields.Integer(required=True)
    target_type = fields.String(required=True, validate=validate.OneOf(["idea", "comment"]))
    target_id = fields.Integer(required=True)
    reason = fields.String(required=True)
    created_at = Time(required=True)


FEED_KINDS = ["status_change", "post", "contest_result"]


class _DropsAbsentLinks(Out):
    OPTIONAL = ("idea_id", "contest_id", "comment_id", "status", "post_id", "poll_id", "url")

    @post_dump
    def _drop_absent(self, data, **kwargs):
        return {key: value for key, value in data.items() if value is not None or key not in self.OPTIONAL}


def _item_url(item) -> str | None:
    if item.poll_id:
        return absolute_url("polls.show", poll_id=item.poll_id)
    if item.contest_id:
        return absolute_url("contests.show", contest_id=item.contest_id)
    return absolute_url("ideas.show", idea_id=item.idea_id) if item.idea_id else None


class FeedItemSchema(_DropsAbsentLinks):
    id = fields.Integer()
    kind = fields.String(required=True, validate=validate.OneOf(FEED_KINDS))
    idea_id = fields.Integer()
    contest_id = fields.Integer()
    status = fields.String(attribute="status.slug")
    title = fields.String()
    body = fields.String(required=True)
    body_html = fields.String()
    url = fields.Function(_item_url, metadata={"type": "string"})
    post_id = fields.Integer()
    poll_id = fields.Integer(metadata={"description": "a closed poll's results: the poll they are of"})
    created_at = Time(required=True)


class NotificationSchema(_DropsAbsentLinks):
    id = fields.Integer()
    kind = fields.String(required=True)
    body = fields.String(required=True)
    created_at = Time(required=True)
    read = _flag(lambda n: n.read_at is not None)
    idea_id = fields.Integer()
    contest_id = fields.Integer()
    comment_id = fields.Integer(metadata={"description": "the comment a reply, mention or official answer is about"})


def _thumbnails(entry) -> dict:
    ready = entry.thumbnails_ready
    return {size: (media_url(entry.thumbnail_key(size), external=True) if ready else None) for size in THUMBNAIL_SIZES}


class EntrySchema(Out):
    id = fields.Integer(required=True)
    contest_id = fields.Integer(required=True)
    author = fields.Nested(UserRefSchema, required=True)
    caption = fields.String(required=True)
    state = fields.String(required=True, validate=validate.OneOf(ENTRY_STATES))
    error = fields.String(required=True, allow_none=True)
    image_url = fields.Function(
        lambda e: media_url(e.original_key, external=True) if e.state != "failed" else None,
        required=True,
        metadata={"type": ["string", "null"]},
    )
    thumbnails = fields.Function(
        _thumbnails,
        required=True,
        metadata={
            "type": "object",
            "required": list(THUMBNAIL_SIZES),
            "properties": {size: NULL_STRING for size in THUMBNAIL_SIZES},
        },
    )
    votes = fields.Integer(required=True)
    winner_rank = fields.Integer(allow_none=True)
    created_at = Time()
    url = _link("contests.entry", "entry_id")
    voted = fields.Boolean(
        allow_none=True,
        dump_default=None,
        metadata={"description": "whether the caller voted for it; null without a token"},
    )


class ContestSchema(Out):
    id = fields.Integer(required=True)
    title = fields.String(required=True)
    rules = fields.String(required=True)
    rules_html = fields.String()
    prize = fields.String(required=True)
    opens_at = Time(required=True)
    entries_close_at = Time(required=True)
    closes_at = Time(required=True)
    state = fields.Function(contests.state, required=True, metadata={"enum": list(contests.STATES)})
    max_entries_per_member = fields.Integer()
    daily_vote_allowance = fields.Integer(allow_none=True)
    moderated = fields.Boolean()
    winner_count = fields.Integer()
    winner_method = fields.String()
    judge_weight = fields.Integer()
    draw_seed_sha256 = fields.Function(contests.seed_commitment, metadata={"type": "string"})
    draw_seed = fields.Function(
        lambda c: c.draw_seed if c.announced_at is not None else None, metadata={"type": ["string", "null"]}
    )
    winners = fields.List(fields.Nested(EntrySchema), required=True)
    announced_at = Time(required=True, allow_none=True)
    url = _link("contests.show", "contest_id")
