"""Staff contest tools: create and edit, review entries, judge, close now, export entrants."""

from __future__ import annotations

from dataclasses import fields
from datetime import timedelta, timezone

from flask import Response, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from ..redirects import safe_back
from ..forms import ActionForm, handle
from ..models import THUMBNAIL_SIZES
from ..models.types import utcnow
from ..policy import requires
from ..services.contests import contests, entrants_csv, reviewing, votes
from . import bp
from .forms import ContestForm, ReviewForm, ScoreForm


def _input(form: ContestForm) -> contests.ContestInput:
    values = {f.name: getattr(form, f.name).data for f in fields(contests.ContestInput)}
    for name in ("opens_at", "entries_close_at", "closes_at"):
        values[name] = values[name].replace(tzinfo=timezone.utc)  # the form speaks server UTC
    values["prize"] = values["prize"] or ""
    return contests.ContestInput(**values)


@bp.route("/contests/new", methods=["GET", "POST"])
@requires("contest.manage")
def new():
    form = ContestForm()
    if request.method == "GET":
        start = utcnow().replace(minute=0, second=0, microsecond=0, tzinfo=None) + timedelta(hours=1)
        form.opens_at.data, form.entries_close_at.data = start, start + timedelta(days=14)
        form.closes_at.data = start + timedelta(days=21)
    return handle(
        form,
        lambda: contests.create(current_user, _input(form)),
        success="The contest is set up.",
        next_url=lambda contest: url_for("contests.show", contest_id=contest.id),
        render=lambda: render_template("contests/form.html", form=form, contest=None),
    )


@bp.route("/contests/<int:contest_id>/edit", methods=["GET", "POST"])
@requires("contest.manage")
def edit(contest_id: int):
    contest = contests.get(contest_id)
    form = ContestForm(obj=contest if request.method == "GET" else None)
    if request.method == "GET":
        for name in ("opens_at", "entries_close_at", "closes_at"):
            getattr(form, name).data = getattr(contest, name).astimezone(timezone.utc).replace(tzinfo=None)
    return handle(
        form,
        lambda: contests.update_contest(current_user, contest.id, _input(form)),
        success="Changes saved.",
        next_url=url_for("contests.show", contest_id=contest.id),
        render=lambda: render_template("contests/form.html", form=form, contest=contest),
    )


@bp.route("/contests/review")
@bp.route("/contests/<int:contest_id>/review")
@requires("contest.review_entries")
def review_queue(contest_id: int | None = None):
    contest = contests.get(contest_id) if contest_id else None
    return render_template(
        "contests/review.html",
        contest=contest,
        sizes=THUMBNAIL_SIZES,
        queue=reviewing.review_queue(contest.id if contest else None),
        review_form=ReviewForm(),
    )


@bp.post("/entries/<int:entry_id>/review")
@requires("contest.review_entries")
def review(entry_id: int):
    form = ReviewForm()
    if not form.validate_on_submit():
        abort(400)
    decision = request.form.get("decision", "")
    entry = reviewing.review(current_user, entry_id, decision, form.reason.data or "")
    flash(f"Entry {entry.id} {'approved' if entry.state == 'approved' else 'rejected'}.", "success")
    return redirect(safe_back(url_for("contests.entry", entry_id=entry.id)))


@bp.post("/entries/<int:entry_id>/score")
@requires("contest.judge")
def score(entry_id: int):
    form = ScoreForm()
    if not form.validate_on_submit():
        abort(400)
    votes.score(current_user, entry_id, form.score.data)
    flash("Your score is saved.", "success")
    return redirect(url_for("contests.entry", entry_id=entry_id))


@bp.post("/contests/<int:contest_id>/close")
@requires("contest.manage")
def close(contest_id: int):
    if not ActionForm().validate_on_submit():
        abort(400)
    contest = contests.close_now(current_user, contest_id)
    flash(
        "The contest is closed. Winners are announced as soon as the worker has counted."
        if not contest.announced_at
        else "This contest was already closed and announced.",
        "success",
    )
    return redirect(url_for("contests.show", contest_id=contest_id))


@bp.route("/contests/<int:contest_id>/entrants.csv")
@requires("contest.export_entrants")
def export(contest_id: int):
    lines = entrants_csv.export_csv(current_user, contest_id)  # reads its rows on its own connection
    return Response(
        lines,
        content_type="text/csv; charset=utf-8",
        headers={
            "Content-Disposition": f'attachment; filename="contest-{contest_id}-entrants.csv"',
            "Cache-Control": "no-store",
        },
    )
