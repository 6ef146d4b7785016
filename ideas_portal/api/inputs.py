"""What the API accepts: one schema per request body or query string, loaded and documented by flask-smorest.

The schemas check each field's type and range; the services check what must hold however the input came
(lengths of cleaned text, known slugs, windows in order), for the HTML forms alike.
"""

from __future__ import annotations

from datetime import datetime, timezone

from flask_smorest.fields import Upload
from marshmallow import EXCLUDE, Schema, ValidationError, fields, validate
from werkzeug.datastructures import FileStorage

from ..models import WINNER_METHODS
from ..services import moderation, pagination
from ..services.exceptions import InvalidInput
from ..services.ideas import SORTS


class Input(Schema):
    class Meta:
        unknown = EXCLUDE  # extra fields are ignored, as they always were


def Int(**kwargs):
    """JSON integers only: not 1.0, not "1", not true."""
    return fields.Integer(strict=True, **kwargs)


class Bool(fields.Boolean):
    """JSON true or false only: not "yes", not 1 (which equals True in a set of truthy values)."""

    def _deserialize(self, value, attr, data, **kwargs):
        if type(value) is not bool:
            raise self.make_error("invalid", input=value)
        return value


class Limit(fields.Integer):
    """ASCII digits within 1..MAX_LIMIT, read by the one limit parser every listing uses."""

    def __init__(self, **kwargs):
        super().__init__(validate=validate.Range(1, pagination.MAX_LIMIT), **kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        return pagination.parse_limit(value)


class Photo(Upload):
    """A file part of the multipart body; a text field of the same name is not a photo."""

    def _deserialize(self, value, attr, data, **kwargs):
        if not isinstance(value, FileStorage):
            raise ValidationError("must be a file.")
        return value


class When(fields.DateTime):
    """ISO 8601 ('Z' or an offset); a time without a zone is taken as UTC, the server's clock."""

    def _deserialize(self, value, attr, data, **kwargs):
        try:
            if not isinstance(value, str):
                raise ValueError
            moment = datetime.fromisoformat(value.strip().replace("Z", "+00:00").replace("z", "+00:00"))
        except ValueError:
            raise InvalidInput(f"{attr} must be an ISO 8601 date and time, e.g. 2026-12-01T09:00:00Z.") from None
        return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


def Cursor():
    return fields.String(
        metadata={"pattern": "^[A-Za-z0-9_-]*$", "description": "next_cursor of the previous page, as given"}
    )


class PageQuery(Input):
    limit = Limit()
    cursor = Cursor()


class IdeaQuery(PageQuery):
    sort = fields.String(load_default="hot", metadata={"enum": list(SORTS)})
    status = fields.String()
    category = fields.String()
    q = fields.String()


class SimilarQuery(Input):
    q = fields.String(load_default="")
    limit = Limit()


class FeedQuery(PageQuery):
    kind = fields.String(metadata={"enum": ["status_change", "post", "contest_result"]})
    status = fields.String()
    category = fields.String()


class GalleryQuery(PageQuery):
    sort = fields.String(load_default="new", metadata={"enum": ["new", "votes"]})


class TokenRequest(Input):
    email = fields.String(required=True)
    password = fields.String(required=True)


class IdeaInput(Input):
    title = fields.String(required=True, metadata={"minLength": 5, "maxLength": 120})
    body = fields.String(required=True, metadata={"minLength": 1, "maxLength": 10000})
    category = fields.String(
        allow_none=True, load_default=None, error_messages={"invalid": "Unknown category: send a category slug."}
    )


class VoteInput(Input):
    value = Int(
        required=True,
        validate=validate.OneOf([1, -1]),
        metadata={"description": "1 (up) or -1 (down); the other value switches"},
    )


class CommentInput(Input):
    body = fields.String(required=True, metadata={"minLength": 1, "maxLength": 5000})
    parent_id = Int(allow_none=True, load_default=None, validate=validate.Range(min=1))


class StatusChangeInput(Input):
    status = fields.String(required=True, metadata={"description": "a status slug, see GET /statuses"})
    note = fields.String(allow_none=True, load_default=None, metadata={"maxLength": 5000})


class MergeInput(Input):
    into = Int(
        required=True, validate=validate.Range(min=1), metadata={"description": "the number of the idea to merge into"}
    )


class FlagInput(Input):
    reason = fields.String(required=True, metadata={"minLength": 1, "maxLength": moderation.REASON_MAX})


class ContestInput(Input):
    title = fields.String(required=True, metadata={"minLength": 3, "maxLength": 120})
    rules = fields.String(required=True, metadata={"minLength": 1, "maxLength": 20000})
    prize = fields.String(allow_none=True, metadata={"maxLength": 300})
    opens_at = When(required=True)
    entries_close_at = When(required=True)
    closes_at = When(required=True)
    max_entries_per_member = Int(validate=validate.Range(1, 100))
    daily_vote_allowance = Int(allow_none=True, validate=validate.Range(1, 10_000))
    moderated = Bool()
    winner_count = Int(validate=validate.Range(1, 100))
    winner_method = fields.String(validate=validate.OneOf(WINNER_METHODS))
    judge_weight = Int(validate=validate.Range(0, 100))


class ContestChange(ContestInput):
    """Only the fields to change (loaded with partial=True)."""


class ReviewInput(Input):
    decision = fields.String(required=True, validate=validate.OneOf(["approve", "reject"]))
    reason = fields.String(allow_none=True, load_default=None, metadata={"maxLength": 500})


class ScoreInput(Input):
    score = Int(required=True, validate=validate.Range(1, 10))


class EntryUpload(Input):
    """multipart/form-data: the photo file and the entrant's text fields."""

    photo = Photo(required=True, metadata={"description": "JPEG, PNG or WebP"})
    caption = fields.String(load_default="", metadata={"maxLength": 300})
    full_name = fields.String(load_default="", metadata={"maxLength": 120})
    phone = fields.String(load_default="", metadata={"maxLength": 40})
    postal_address = fields.String(load_default="", metadata={"maxLength": 500})
    marketing_consent = fields.String(load_default="false", metadata={"enum": ["true", "false"]})
