"""API for ideas: browsing, submitting, votes, comments, statuses and categories."""

from __future__ import annotations

from flask import g

from .. import policy
from ..extensions import anonymous_cache, limiter
from ..services import comments, ideas, moderation, status_catalog, voting
from . import answers, bp, inputs, require_user
from .schemas import CategorySchema, CommentSchema, IdeaSchema, Shown, StatusSchema, page_of

IdeaPage = page_of(IdeaSchema)
_LOOK_IT_UP = object()


def shown_idea(idea, my_vote=_LOOK_IT_UP) -> Shown:
    """The idea with the caller's own vote, which IdeaSchema dumps as my_vote."""
    if my_vote is _LOOK_IT_UP:
        user = g.get("api_user")
        my_vote = ideas.my_votes(user, [idea]).get(idea.id) if user else None
    return Shown(idea, my_vote=my_vote)


@bp.route("/ideas")
@anonymous_cache
@bp.arguments(inputs.IdeaQuery, location="query", as_kwargs=True)
@bp.response(200, IdeaPage)
@answers()
def list_ideas(sort, status=None, category=None, q=None, limit=20, cursor=None):
    """Browse ideas (keyset pagination)"""
    page = ideas.browse(
        sort=sort, status=status or None, category=category or None, q=q or None, limit=limit, cursor=cursor or None
    )
    votes = ideas.my_votes(g.get("api_user"), page.items)
    return {"items": [Shown(i, my_vote=votes.get(i.id)) for i in page.items], "next_cursor": page.next_cursor}


@bp.route("/ideas", methods=["POST"])
@require_user()
@limiter.limit("20 per hour")
@bp.arguments(inputs.IdeaInput)
@bp.response(201, IdeaSchema)
def create_idea(data):
    """Submit an idea"""
    return shown_idea(ideas.create_idea(g.api_user, data["title"], data["body"], data["category"]))


@bp.route("/ideas/similar")
@bp.arguments(inputs.SimilarQuery, location="query", as_kwargs=True)
@bp.response(200, page_of(IdeaSchema, cursor=False))
@answers()
def similar_ideas(q, limit=5):
    """Likely duplicates of a draft title"""
    return {"items": [Shown(i) for i in ideas.similar(q, limit=min(limit, 10))]}


@bp.route("/ideas/<int:id>")
@bp.response(200, IdeaSchema)
@answers(404)
def get_idea(id: int):
    """One idea"""
    return shown_idea(moderation.visible_idea(id, g.get("api_user")))


@bp.route("/ideas/<int:id>/vote", methods=["PUT"])
@require_user()
@limiter.limit("120 per minute")
@bp.arguments(inputs.VoteInput)
@bp.response(200, IdeaSchema)
@answers(404, 409)
def put_vote(data, id: int):
    """Vote up (1) or down (-1); the other value switches"""
    return shown_idea(voting.cast_vote(g.api_user, id, data["value"]), my_vote=data["value"])


@bp.route("/ideas/<int:id>/vote", methods=["DELETE"])
@require_user()
@limiter.limit("120 per minute")
@bp.response(200, IdeaSchema)
@answers(404, 409)
def delete_vote(id: int):
    """Withdraw your vote"""
    return shown_idea(voting.withdraw_vote(g.api_user, id), my_vote=None)


@bp.route("/ideas/<int:id>/comments")
@bp.arguments(inputs.PageQuery, location="query", as_kwargs=True)
@bp.response(200, page_of(CommentSchema))
@answers(404)
def list_comments(id: int, limit=50, cursor=None):
    """Comments, oldest first"""
    viewer = g.get("api_user")
    official_id = moderation.visible_idea(id, viewer).official_comment_id
    page = comments.page(id, limit=limit, cursor=cursor or None)
    staff = policy.allows(viewer, "moderation.see_hidden")
    items = [
        Shown(c, is_official=c.id == official_id, masked=c.hidden_at is not None and not staff) for c in page.items
    ]  # hidden pending review: the text for staff only
    return {"items": items, "next_cursor": page.next_cursor}


@bp.route("/ideas/<int:id>/comments", methods=["POST"])
@require_user()
@limiter.limit("30 per hour")
@bp.arguments(inputs.CommentInput)
@bp.response(201, CommentSchema)
@answers(404, 409)
def create_comment(data, id: int):
    """Comment (parent_id for a reply)"""
    created = comments.add_comment(g.api_user, id, data["body"], data["parent_id"])
    return Shown(created, is_official=False)


@bp.route("/statuses")
@bp.response(200, page_of(StatusSchema, cursor=False))
@answers()
def list_statuses():
    """The idea workflow statuses"""
    return {"items": status_catalog.statuses()}


@bp.route("/categories")
@bp.response(200, page_of(CategorySchema, cursor=False))
@answers()
def list_categories():
    """Idea categories"""
    return {"items": ideas.categories()}
