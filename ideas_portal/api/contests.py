"""API for photo contests: contests, entries (multipart upload), review, votes, closing."""

from __future__ import annotations

from dataclasses import fields

from flask import g

from flask_limiter.util import get_remote_address

from ..extensions import contest_votes_per_address, limiter
from ..services.contests import contests, entries, results, reviewing, uploads, votes
from . import answers, bp, inputs, require_user
from .schemas import ContestSchema, EntrySchema, Shown, page_of


def shown_contest(contest, winners=None) -> Shown:
    return Shown(contest, winners=results.winners(contest) if winners is None else winners)


def shown_entry(entry) -> Shown:
    user = g.get("api_user")
    return Shown(entry, voted=entry.id in votes.voted_ids(user, [entry.id]) if user else None)


def _contest_input(data: dict, current=None) -> contests.ContestInput:
    known = [f.name for f in fields(contests.ContestInput)]
    base = {name: getattr(current, name) for name in known} if current is not None else {}
    return contests.ContestInput(**{**base, **data})


@bp.route("/contests")
@bp.response(200, page_of(ContestSchema, cursor=False))
@answers()
def list_contests():
    """All photo contests"""
    groups = contests.listing()
    every = [c for state in contests.STATES for c in groups[state]]
    winners = results.winners_of(every)
    return {"items": [shown_contest(c, winners.get(c.id, [])) for c in every]}


@bp.route("/contests", methods=["POST"])
@require_user("contest.manage")
@bp.arguments(inputs.ContestInput)
@bp.response(201, ContestSchema)
def create_contest(data):
    """Create a photo contest (staff)"""
    return shown_contest(contests.create(g.api_user, _contest_input(data)))


@bp.route("/contests/<int:id>")
@bp.response(200, ContestSchema)
@answers(404)
def get_contest(id: int):
    """One contest, with its winners once announced"""
    return shown_contest(contests.get(id))


@bp.route("/contests/<int:id>", methods=["PATCH"])
@require_user("contest.manage")
@bp.arguments(inputs.ContestChange(partial=True))
@bp.response(200, ContestSchema)
@answers(404)
def update_contest(data, id: int):
    """Change a contest (staff); send only the fields to change"""
    current = contests.get(id)
    return shown_contest(contests.update_contest(g.api_user, id, _contest_input(data, current)))


@bp.route("/contests/<int:id>/close", methods=["POST"])
@require_user("contest.manage")
@bp.response(202, ContestSchema)
@answers(404)
def close_contest(id: int):
    """Close now (staff); the worker picks and announces the winners once. Idempotent."""
    return shown_contest(contests.close_now(g.api_user, id))


@bp.route("/contests/<int:id>/entries", methods=["POST"])
@require_user()
@limiter.limit("30 per hour")
@bp.arguments(inputs.EntryUpload, location="files")
@bp.response(202, EntrySchema)
@answers(404, 409, 413)
def create_entry(form, id: int):
    """Enter a photo (JPEG, PNG or WebP); posting accepts the contest rules"""
    details = uploads.EntrantDetails(
        accepted_rules=True,  # posting an entry through the API accepts the rules
        full_name=form["full_name"],
        phone=form["phone"],
        postal_address=form["postal_address"],
        # "true" gives consent; anything else leaves it as it is (withdrawing is PATCH /me or the settings page)
        marketing_consent=True if form["marketing_consent"].strip().lower() in ("1", "true", "yes", "on") else None,
    )
    return shown_entry(uploads.submit(g.api_user, id, form["photo"].stream, form["caption"], details))


@bp.route("/contests/<int:id>/entries")
@bp.arguments(inputs.GalleryQuery, location="query", as_kwargs=True)
@bp.response(200, page_of(EntrySchema))
@answers(404)
def list_entries(id: int, sort, limit=20, cursor=None):
    """The gallery: approved entries"""
    contest = contests.get(id)
    page = entries.gallery(contest.id, sort=sort, limit=limit, cursor=cursor or None)
    user = g.get("api_user")
    voted = votes.voted_ids(user, [e.id for e in page.items])
    return {
        "items": [Shown(e, voted=(e.id in voted) if user else None) for e in page.items],
        "next_cursor": page.next_cursor,
    }


@bp.route("/entries/<int:id>")
@bp.response(200, EntrySchema)
@answers(404)
def get_entry(id: int):
    """One entry (before approval: its author and staff only)"""
    return shown_entry(entries.get_visible(id, g.get("api_user")))


@bp.route("/entries/<int:id>/review", methods=["POST"])
@require_user("contest.review_entries")
@bp.arguments(inputs.ReviewInput)
@bp.response(200, EntrySchema)
@answers(404, 409)
def review_entry(data, id: int):
    """Approve or reject an entry (staff)"""
    return shown_entry(reviewing.review(g.api_user, id, data["decision"], data["reason"] or ""))


@bp.route("/entries/<int:id>/vote", methods=["PUT"])
@require_user()
@limiter.limit("120 per minute")
@limiter.limit(contest_votes_per_address, key_func=get_remote_address)
@bp.response(200, EntrySchema)
@answers(404, 409)
def vote_entry(id: int):
    """Vote for an entry (once; not your own)"""
    return shown_entry(votes.vote(g.api_user, id))


@bp.route("/entries/<int:id>/vote", methods=["DELETE"])
@require_user()
@limiter.limit("120 per minute")
@bp.response(200, EntrySchema)
@answers(404, 409)
def unvote_entry(id: int):
    """Withdraw your vote"""
    return shown_entry(votes.unvote(g.api_user, id))


@bp.route("/entries/<int:id>/score", methods=["PUT"])
@require_user("contest.judge")
@bp.arguments(inputs.ScoreInput)
@bp.response(200, EntrySchema)
@answers(404, 409)
def score_entry(data, id: int):
    """A judge's score from 1 to 10 (staff, judged contests)"""
    return shown_entry(votes.score(g.api_user, id, data["score"]))
