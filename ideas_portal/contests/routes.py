"""Public contest pages: the list, a contest with its gallery, entering, an entry, voting."""

from __future__ import annotations

from flask import abort, redirect, render_template, request, url_for
from flask_limiter.util import get_remote_address
from flask_login import current_user, login_required

from ..extensions import contest_votes_per_address, limiter

from ..forms import ActionForm, handle
from ..models import THUMBNAIL_SIZES
from ..policy import allows
from ..services.contests import contests, entries, results, uploads, votes
from ..redirects import safe_back
from . import bp
from .forms import EntryForm, ReviewForm, ScoreForm


@bp.route("/contests")
def index():
    groups = contests.listing()
    covers = entries.covers([c.id for group in groups.values() for c in group])
    return render_template(
        "contests/index.html", groups=groups, state=contests.state, covers=covers, sizes=THUMBNAIL_SIZES
    )


@bp.route("/contests/<int:contest_id>")
def show(contest_id: int):
    contest = contests.get(contest_id)
    sort = request.args.get("sort", "new")
    if sort not in ("new", "votes"):
        sort = "new"
    page = entries.gallery(contest.id, sort=sort, cursor=request.args.get("cursor") or None)
    count, vote_total = contests.counts(contest.id)
    return render_template(
        "contests/show.html",
        contest=contest,
        state=contests.state(contest),
        page=page,
        sort=sort,
        voted=votes.voted_ids(current_user, [e.id for e in page.items]),
        winners=results.winners(contest),
        mine=entries.mine(current_user, contest.id),
        entrant=entries.entrant(current_user, contest.id),
        count=count,
        votes=vote_total,
        commitment=contests.seed_commitment(contest),
        sizes=THUMBNAIL_SIZES,
        action_form=ActionForm(),
    )


@bp.route("/contests/<int:contest_id>/enter", methods=["GET", "POST"])
@login_required
@limiter.limit("30 per hour", methods=["POST"])
def enter(contest_id: int):
    contest = contests.get(contest_id)
    form = EntryForm()
    if request.method == "GET":
        known = entries.entrant(current_user, contest.id)
        if known:
            form.full_name.data, form.phone.data, form.postal_address.data = (
                known.full_name,
                known.phone,
                known.postal_address,
            )
        form.marketing_consent.data = current_user.marketing_consent  # the member's consent as it stands now

    def submit():
        details = uploads.EntrantDetails(
            accepted_rules=bool(form.accept_rules.data),
            full_name=form.full_name.data or "",
            phone=form.phone.data or "",
            postal_address=form.postal_address.data or "",
            marketing_consent=bool(form.marketing_consent.data),
        )
        return uploads.submit(current_user, contest.id, form.photo.data.stream, form.caption.data or "", details)

    return handle(
        form,
        submit,
        success="Thank you! Your photo is uploaded and being processed.",
        next_url=lambda entry: url_for("contests.entry", entry_id=entry.id),
        render=lambda: render_template(
            "contests/enter.html",
            contest=contest,
            form=form,
            state=contests.state(contest),
            entrant=entries.entrant(current_user, contest.id),
        ),
    )


@bp.route("/entries/<int:entry_id>")
def entry(entry_id: int):
    item = entries.get_visible(entry_id, current_user)
    reviewer, judge = allows(current_user, "contest.review_entries"), allows(current_user, "contest.judge")
    return render_template(
        "contests/entry.html",
        entry=item,
        contest=item.contest,
        state=contests.state(item.contest),
        voted=item.id in votes.voted_ids(current_user, [item.id]),
        sizes=THUMBNAIL_SIZES,
        action_form=ActionForm(),
        review_form=ReviewForm() if reviewer else None,
        score_form=ScoreForm() if judge and item.contest.winner_method == "judges" else None,
        my_score=votes.my_scores(current_user, item.contest_id).get(item.id) if judge else None,
    )


@bp.post("/entries/<int:entry_id>/vote")
@login_required
@limiter.limit("120 per minute")
@limiter.limit(contest_votes_per_address, key_func=get_remote_address)
def vote(entry_id: int):
    if not ActionForm().validate_on_submit():
        abort(400)
    if request.form.get("action") == "unvote":
        votes.unvote(current_user, entry_id)
    else:
        votes.vote(current_user, entry_id)
    return redirect(safe_back(url_for("contests.entry", entry_id=entry_id)))
