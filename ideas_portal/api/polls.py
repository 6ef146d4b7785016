"""API for polls: staff ask, members answer (one answer each, a second replaces the first), anyone reads."""

from __future__ import annotations

from flask import g
from marshmallow import fields, validate

from ..models.polls import RESULTS_SHOWN
from ..models.types import MAX_ID
from ..services.polls import answers, polls, results
from . import answers as documents, bp, require_user
from .inputs import Bool, Input, Int, PageQuery, When
from .schemas import Out, Time, _link, page_of


class PollOptionSchema(Out):
    id = fields.Integer(required=True)
    text = fields.String(required=True)
    votes = fields.Integer(
        required=True, allow_none=True, metadata={"description": "counted answers; null while results are hidden"}
    )
    share = fields.Float(
        allow_none=True, metadata={"description": "percent of the counted answers that chose it; null while hidden"}
    )


class PollSchema(Out):
    id = fields.Integer(required=True)
    question = fields.String(required=True)
    options = fields.List(fields.Nested(PollOptionSchema), required=True)
    multiple = fields.Boolean(required=True)
    opens_at = Time()
    closes_at = Time(required=True, allow_none=True, metadata={"description": "null: open until staff close it"})
    closed_at = Time(allow_none=True, metadata={"description": "when staff closed it early, else null"})
    state = fields.String(required=True, validate=validate.OneOf(polls.STATES))
    my_answer = fields.List(
        fields.Integer(),
        required=True,
        allow_none=True,
        metadata={"description": "the caller's chosen option ids; null if they have not answered (or no token)"},
    )
    my_answer_held = fields.Boolean(
        allow_none=True,
        metadata={"description": "the caller's answer waits for their address to be confirmed before it counts"},
    )
    total_answers = fields.Integer(required=True, metadata={"description": "members whose answer counts"})
    results_shown = fields.String(validate=validate.OneOf(RESULTS_SHOWN))
    results_visible = fields.Boolean(metadata={"description": "whether votes are shown to the caller"})
    featured = fields.Boolean()
    created_at = Time()
    url = _link("polls.show", "poll_id")


class PollCreateInput(Input):
    question = fields.String(required=True, metadata={"minLength": 3, "maxLength": polls.QUESTION_MAX})
    options = fields.List(
        fields.String(metadata={"minLength": 1, "maxLength": polls.OPTION_MAX}),
        required=True,
        metadata={
            "minItems": polls.MIN_OPTIONS,
            "maxItems": polls.MAX_OPTIONS,
            "description": "the options' texts, in order, each different",
        },
    )
    multiple = Bool(load_default=False, metadata={"description": "members may choose several options"})
    opens_at = When(allow_none=True, load_default=None, metadata={"description": "default: now"})
    closes_at = When(allow_none=True, load_default=None, metadata={"description": "in the future; null: no end"})
    results_shown = fields.String(load_default="after_vote", validate=validate.OneOf(RESULTS_SHOWN))
    featured = Bool(load_default=True, metadata={"description": "on the home page and in Ideas in Action"})


class AnswerInput(Input):
    options = fields.List(
        Int(validate=validate.Range(1, MAX_ID)),
        required=True,
        validate=validate.Length(min=1),
        metadata={"description": "option ids of this poll; exactly one unless the poll is multiple choice"},
    )


class PollQuery(PageQuery):
    state = fields.String(load_default="open", metadata={"enum": list(polls.STATES)})


@bp.route("/polls")
@bp.arguments(PollQuery, location="query", as_kwargs=True)
@bp.response(200, page_of(PollSchema))
@documents()
def list_polls(state="open", limit=20, cursor=None):
    """Open or closed polls, newest first"""
    page = polls.listing(state, limit=limit, cursor=cursor or None)
    return {"items": answers.views(page.items, g.get("api_user")), "next_cursor": page.next_cursor}


@bp.route("/polls", methods=["POST"])
@require_user("polls.manage")
@bp.arguments(PollCreateInput)
@bp.response(201, PollSchema)
def create_poll(data):
    """Ask members a question (staff)"""
    poll = polls.create(g.api_user, polls.PollInput(**data))
    return answers.view(poll, g.api_user)


@bp.route("/polls/<int:id>")
@bp.response(200, PollSchema)
@documents(404)
def get_poll(id: int):
    """One poll; votes are null while its results are hidden from the caller"""
    return answers.view(polls.get(id), g.get("api_user"))


@bp.route("/polls/<int:id>/answer", methods=["PUT"])
@require_user()
@bp.arguments(AnswerInput)
@bp.response(200, PollSchema)
@documents(404, 409)
def answer_poll(data, id: int):
    """Answer a poll; answering again replaces your answer. Closed: 409"""
    return answers.view(answers.answer(g.api_user, id, data["options"]), g.api_user)


@bp.route("/polls/<int:id>/close", methods=["POST"])
@require_user("polls.manage")
@bp.response(200, PollSchema)
@documents(404)
def close_poll(id: int):
    """Close a poll now (staff); its results are posted to Ideas in Action. Idempotent"""
    return answers.view(results.close_now(g.api_user, id), g.api_user)
