from __future__ import annotations

from flask import g, jsonify, request

from ..extensions import anonymous_cache, limiter
from ..services import comments, ideas, moderation, pagination, voting
from ..services.exceptions import InvalidInput
from . import bp, json_body, require_user, schemas


_LOOK_IT_UP = object()


def idea_response(idea, status: int = 200, my_vote=_LOOK_IT_UP):
    if my_vote is _LOOK_IT_UP:
        user = g.get("api_user")
        my_vote = ideas.my_votes(user, [idea]).get(idea.id) if user else None
    return jsonify(schemas.idea(idea, my_vote)), status


@bp.get("/ideas")
@anonymous_cache
def list_ideas():
    args = request.args
    page = ideas.browse(
        sort=args.get("sort", "hot"),
        status=args.get("status") or None,
        category=args.get("category") or None,
        q=args.get("q") or None,
        limit=pagination.parse_limit(args.get("limit")),
        cursor=args.get("cursor") or None,
    )
    votes = ideas.my_votes(g.get("api_user"), page.items)
    return jsonify(items=[schemas.idea(i, votes.get(i.id)) for i in page.items], next_cursor=page.next_cursor)


@bp.post("/ideas")
@require_user()
@limiter.limit("20 per hour")
def create_idea():
    data = json_body()
    idea = ideas.create_idea(g.api_user, schemas.string_field(data, "title"), schemas.string_field(data, "body"),
                             data.get("category"))
    return idea_response(idea, 201)


@bp.get("/ideas/similar")
def similar_ideas():
    q = request.args.get("q", "")
    limit = pagination.parse_limit(request.args.get("limit"), default=5)
    return jsonify(items=[schemas.idea(i) for i in ideas.similar(q, limit=min(limit, 10))])


@bp.get("/ideas/<int:idea_id>")
def get_idea(idea_id: int):
    return idea_response(moderation.visible_idea(idea_id, g.get("api_user")))


@bp.put("/ideas/<int:idea_id>/vote")
@require_user()
@limiter.limit("120 per minute")
def put_vote(idea_id: int):
    data = json_body()
    if "value" not in data:
        raise InvalidInput("'value' is required: 1 (up) or -1 (down).")
    return idea_response(voting.cast_vote(g.api_user, idea_id, data["value"]), my_vote=data["value"])


@bp.delete("/ideas/<int:idea_id>/vote")
@require_user()
@limiter.limit("120 per minute")
def delete_vote(idea_id: int):
    return idea_response(voting.withdraw_vote(g.api_user, idea_id), my_vote=None)


@bp.get("/ideas/<int:idea_id>/comments")
def list_comments(idea_id: int):
    viewer = g.get("api_user")
    official_id = moderation.visible_idea(idea_id, viewer).official_comment_id
    page = comments.page(idea_id, limit=pagination.parse_limit(request.args.get("limit"), default=50),
                         cursor=request.args.get("cursor") or None)
    staff = moderation.sees_hidden(viewer)
    return jsonify(items=[schemas.comment(c, official_id, staff) for c in page.items], next_cursor=page.next_cursor)


@bp.post("/ideas/<int:idea_id>/comments")
@require_user()
@limiter.limit("30 per hour")
def create_comment(idea_id: int):
    data = json_body()
    created = comments.add_comment(g.api_user, idea_id, schemas.string_field(data, "body"),
                                   schemas.optional_int(data, "parent_id"))
    return jsonify(schemas.comment(created, None)), 201


@bp.get("/statuses")
def list_statuses():
    return jsonify(items=[schemas.status(s) for s in ideas.statuses()])


@bp.get("/categories")
def list_categories():
    return jsonify(items=[{"slug": c.slug, "name": c.name} for c in ideas.categories()])
