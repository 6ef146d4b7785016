"""Poll pages. They work without JavaScript: radio buttons or checkboxes in a form that posts, then a redirect."""

from __future__ import annotations

from datetime import timezone

from flask import abort, flash, make_response, redirect, render_template, request, url_for
from flask_login import current_user

from ..forms import ActionForm, handle
from ..policy import requires
from ..redirects import safe_back
from ..services.exceptions import DomainError, InvalidInput
from ..services.polls import answers, polls, results
from ..services.text import whole_number
from . import bp
from .forms import PollForm


def _page(poll, status: int = 200):
    return make_response(
        render_template("polls/show.html", poll=answers.view(poll, current_user), form=ActionForm()), status
    )


@bp.route("/polls")
def index():
    cursor = request.args.get("cursor") or None
    open_now = polls.listing("open", limit=50) if not cursor else None
    closed = polls.listing("closed", limit=20, cursor=cursor)
    return render_template(
        "polls/index.html",
        open_polls=answers.views(open_now.items, current_user) if open_now else [],
        closed=closed,
        closed_polls=answers.views(closed.items, current_user),
    )


@bp.route("/polls/<int:poll_id>")
def show(poll_id: int):
    return _page(polls.get(poll_id))


@bp.post("/polls/<int:poll_id>/answer")
@requires()
def answer(poll_id: int):
    if not ActionForm().validate_on_submit():
        abort(400)
    poll = polls.get(poll_id)
    had_answered = poll.id in answers.mine(current_user, [poll.id])
    try:
        chosen = [whole_number(raw) for raw in request.form.getlist("options")]
        if not chosen:
            raise InvalidInput("Choose an option first." if not poll.multiple else "Choose at least one option.")
        if None in chosen:
            raise InvalidInput("Options are option numbers (digits 0-9).")
        answers.answer(current_user, poll.id, chosen)
    except DomainError as exc:
        flash(exc.message, "error")
        return _page(poll, exc.status_code)
    flash("Your answer is changed." if had_answered else "Thanks, your answer is in.", "success")
    return redirect(safe_back(url_for("polls.show", poll_id=poll.id)))


@bp.route("/polls/new", methods=["GET", "POST"])
@requires("polls.manage")
def new():
    form = PollForm()

    def create():
        when = {
            name: getattr(form, name).data.replace(tzinfo=timezone.utc) if getattr(form, name).data else None
            for name in ("opens_at", "closes_at")
        }
        return polls.create(
            current_user,
            polls.PollInput(
                question=form.question.data,
                options=[line.strip() for line in (form.options.data or "").splitlines() if line.strip()],
                multiple=form.multiple.data,
                results_shown=form.results_shown.data,
                featured=form.featured.data,
                **when,
            ),
        )

    return handle(
        form,
        create,
        success="The poll is up.",
        next_url=lambda poll: url_for("polls.show", poll_id=poll.id),
        render=lambda: render_template("polls/form.html", form=form),
    )


@bp.post("/polls/<int:poll_id>/close")
@requires("polls.manage")
def close(poll_id: int):
    if not ActionForm().validate_on_submit():
        abort(400)
    poll = polls.get(poll_id)
    already = polls.has_ended(poll)
    results.close_now(current_user, poll.id)
    flash("This poll had already closed." if already else "The poll is closed and its results are posted.", "success")
    return redirect(url_for("polls.show", poll_id=poll.id))
