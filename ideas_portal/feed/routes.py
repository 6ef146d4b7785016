"""Ideas in Action: the public feed page, Atom feeds and staff posts."""

from __future__ import annotations

from flask import Response, abort, render_template, request, url_for
from flask_login import current_user

from ..policy import requires
from ..services import feed, ideas, lookup, status_catalog
from ..services.contests import results
from ..services.polls import answers as poll_answers
from ..models.types import is_id
from ..services.exceptions import DomainError
from ..services.text import whole_number
from ..forms import handle
from ..hosts import absolute_url
from . import bp
from .forms import PostForm

ATOM = "application/atom+xml; charset=utf-8"


def _item_url(item) -> str:
    if item.poll_id:
        return absolute_url("polls.show", poll_id=item.poll_id)
    if item.idea_id:
        return absolute_url("ideas.show", idea_id=item.idea_id, _anchor=f"update-{item.id}")
    if item.contest_id:
        return absolute_url("contests.show", contest_id=item.contest_id)
    return absolute_url("feed.index", _anchor=f"item-{item.id}")


@bp.route("/ideas-in-action")
def index():
    args = {"status": request.args.get("status") or None, "category": request.args.get("category") or None}
    page = feed.page(**args, cursor=request.args.get("cursor") or None)
    posts = feed.linked_ideas([i.post_id for i in page.items if i.post_id])
    winners = results.first_places([i.contest_id for i in page.items if i.contest_id])
    return render_template(
        "feed/index.html",
        page=page,
        args=args,
        posts=posts,
        winners=winners,
        statuses=status_catalog.statuses(),
        categories=ideas.categories(),
        poll=poll_answers.featured(current_user) if not request.args.get("cursor") else None,
    )


@bp.route("/feed.atom")
def atom():
    page = feed.page(limit=50)
    body = feed.atom(
        page.items,
        title="Ideas in Action",
        site_url=absolute_url("feed.index"),
        self_url=absolute_url("feed.atom"),
        item_url=_item_url,
    )
    return Response(body, content_type=ATOM)


@bp.route("/ideas/<int:idea_id>/feed.atom")
def idea_atom(idea_id: int):
    idea = lookup.idea(idea_id)
    if idea.hidden_at:
        abort(404)
    page = feed.page(idea_id=idea.id, limit=50)
    body = feed.atom(
        page.items,
        title=f"Updates on “{idea.title}”",
        site_url=absolute_url("ideas.show", idea_id=idea.id),
        self_url=absolute_url("feed.idea_atom", idea_id=idea.id),
        item_url=_item_url,
    )
    return Response(body, content_type=ATOM)


@bp.route("/ideas-in-action/new", methods=["GET", "POST"])
@requires("feed.post")
def new_post():
    form = PostForm()

    def publish():
        ids = [whole_number(p.strip()) for p in (form.idea_ids.data or "").split(",") if p.strip()]
        if not all(is_id(i) for i in ids):
            raise DomainError("Linked ideas are idea numbers (digits 0-9) separated by commas.")
        return feed.create_post(current_user, form.title.data, form.body.data, form.photo.data or None, ids)

    return handle(
        form,
        publish,
        success="Your post is live in Ideas in Action.",
        next_url=url_for("feed.index"),
        render=lambda: render_template("feed/new_post.html", form=form),
    )
