from __future__ import annotations

from flask import abort, flash, jsonify, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from ..redirects import safe_back
from ..errors import wants_json
from ..forms import ActionForm, handle
from ..extensions import anonymous_cache, limiter
from ..feed.forms import StatusForm
from ..policy import allows, requires
from ..services import (
    comments,
    follows,
    ideas,
    leaderboards,
    lookup,
    moderation,
    status_catalog,
    status_changes,
    voting,
)
from ..services.polls import answers as poll_answers
from . import bp
from .forms import CommentForm, IdeaForm, VoteForm

SORT_LABELS = {"hot": "Hot", "top": "Top", "new": "New", "discussed": "Most discussed"}


def _browse_args() -> dict:
    return {
        "sort": request.args.get("sort") or "hot",
        "status": request.args.get("status") or None,
        "category": request.args.get("category") or None,
        "q": (request.args.get("q") or "").strip() or None,
    }


@bp.route("/")
@anonymous_cache
def home():
    hot = ideas.browse(sort="hot", limit=8)
    new = ideas.browse(sort="new", limit=8)
    votes = ideas.my_votes(current_user, hot.items + new.items)
    return render_template(
        "ideas/home.html",
        hot=hot,
        new=new,
        votes=votes,
        statuses=status_catalog.statuses(),
        leaders=leaderboards.board("week", 5),
        poll=poll_answers.featured(current_user),
    )


@bp.route("/ideas")
@anonymous_cache
def browse():
    args = _browse_args()
    page = ideas.browse(**args, limit=20, cursor=request.args.get("cursor") or None)
    return render_template(
        "ideas/browse.html",
        page=page,
        args=args,
        sorts=SORT_LABELS,
        statuses=status_catalog.statuses(),
        categories=ideas.categories(),
        votes=ideas.my_votes(current_user, page.items),
    )


@bp.route("/ideas/new", methods=["GET", "POST"])
@login_required
@limiter.limit("20 per hour", methods=["POST"])
def submit():
    form = IdeaForm()
    return handle(
        form,
        lambda: ideas.create_idea(current_user, form.title.data, form.body.data, form.category.data or None),
        success="Thanks! Your idea is live, with your own vote on it.",
        next_url=lambda idea: url_for("ideas.show", idea_id=idea.id),
        render=lambda: render_template("ideas/submit.html", form=form),
    )


@bp.route("/ideas/<int:idea_id>")
def show(idea_id: int):
    idea = lookup.idea(idea_id)
    if idea.hidden_at and not allows(current_user, "moderation.see_hidden"):
        return render_template("moderation/hidden_idea.html", idea=idea, pending=moderation.is_pending("idea", idea.id))
    official, thread = comments.thread(idea)
    return render_template(
        "ideas/show.html",
        idea=idea,
        official=official,
        thread=thread,
        my_vote=ideas.my_votes(current_user, [idea]).get(idea.id),
        can_edit=ideas.can_edit(idea, current_user),
        comment_form=CommentForm(),
        vote_form=VoteForm(),
        action_form=ActionForm(),
        timeline=status_changes.timeline(idea),
        progress=status_changes.progress(idea),
        following=follows.is_following(current_user, idea.id),
        status_form=StatusForm(status=idea.status.slug) if allows(current_user, "idea.change_status") else None,
    )


@bp.route("/ideas/<int:idea_id>/edit", methods=["GET", "POST"])
@requires("idea.edit", load=lookup.idea)
def edit(idea_id: int):
    idea = lookup.idea(idea_id)
    form = IdeaForm(obj=None if request.method == "POST" else idea)
    if request.method == "GET":
        form.category.data = idea.category.slug if idea.category else ""
    return handle(
        form,
        lambda: ideas.edit_idea(current_user, idea_id, form.title.data, form.body.data, form.category.data or None),
        success="Your changes are saved.",
        next_url=url_for("ideas.show", idea_id=idea_id),
        render=lambda: render_template("ideas/submit.html", form=form, idea=idea),
    )


@bp.route("/ideas/<int:idea_id>/withdraw", methods=["POST"])
@requires("idea.withdraw", load=lookup.idea)
def withdraw(idea_id: int):
    if not ActionForm().validate_on_submit():
        abort(400)
    ideas.withdraw_idea(current_user, idea_id)
    flash("Your idea is withdrawn. It no longer shows in the lists.", "info")
    return redirect(url_for("ideas.show", idea_id=idea_id))


@bp.route("/ideas/<int:idea_id>/vote", methods=["POST"])
@login_required
@limiter.limit("120 per minute")
def vote(idea_id: int):
    form = VoteForm()
    if not form.validate_on_submit():
        abort(400, "A vote is 1 (up) or -1 (down).")
    idea = voting.toggle_vote(current_user, idea_id, form.value.data)
    if wants_json():
        return jsonify(
            score=idea.score,
            upvotes=idea.upvotes,
            downvotes=idea.downvotes,
            my_vote=ideas.my_votes(current_user, [idea]).get(idea.id),
        )
    return redirect(safe_back(url_for("ideas.show", idea_id=idea_id)))


@bp.route("/ideas/<int:idea_id>/comments", methods=["POST"])
@login_required
@limiter.limit("30 per hour")
def comment(idea_id: int):
    form = CommentForm()
    valid = form.validate_on_submit()
    if form.parent_id.errors:
        abort(400, "A reply names the comment it answers by its number.")
    if not valid:
        flash("A comment needs some text (at most 5,000 characters).", "error")
        return redirect(url_for("ideas.show", idea_id=idea_id))
    created = comments.add_comment(current_user, idea_id, form.body.data, form.parent_id.data)
    flash("Your comment is posted.", "success")
    return redirect(url_for("ideas.show", idea_id=idea_id, _anchor=f"comment-{created.id}"))


@bp.route("/comments/<int:comment_id>/official", methods=["POST"])
@requires("comment.answer_officially")
def official(comment_id: int):
    if not ActionForm().validate_on_submit():
        abort(400)
    mark = request.form.get("official", "1") == "1"
    comment = comments.set_official(current_user, comment_id, mark)
    flash("Official response updated.", "success")
    return redirect(url_for("ideas.show", idea_id=comment.idea_id))
