"""API for photo contests: contests, entries (multipart upload), review, votes, closing."""
from __future__ import annotations

from dataclasses import fields

from flask import g, jsonify, request

from flask_limiter.util import get_remote_address

from ..extensions import contest_votes_per_address, limiter
from ..hosts import absolute_url
from ..models import THUMBNAIL_SIZES
from ..services import pagination
from ..services.contests import contests, entries, results, votes
from ..services.exceptions import InvalidInput
from ..storage import media_url
from . import bp, json_body, require_user, schemas

REQUIRED = ("title", "rules", "opens_at", "entries_close_at", "closes_at")


def contest_json(contest, winners=None) -> dict:
    announced = contest.announced_at is not None
    return {
        "id": contest.id, "title": contest.title, "rules": contest.rules, "rules_html": contest.rules_html,
        "prize": contest.prize, "opens_at": schemas.iso(contest.opens_at),
        "entries_close_at": schemas.iso(contest.entries_close_at), "closes_at": schemas.iso(contest.closes_at),
        "state": contests.state(contest), "max_entries_per_member": contest.max_entries_per_member,
        "daily_vote_allowance": contest.daily_vote_allowance, "moderated": contest.moderated,
        "winner_count": contest.winner_count, "winner_method": contest.winner_method,
        "judge_weight": contest.judge_weight, "draw_seed_sha256": contests.seed_commitment(contest),
        "draw_seed": contest.draw_seed if announced else None,
        "winners": [entry_json(e) for e in (results.winners(contest) if winners is None else winners)],
        "announced_at": schemas.iso(contest.announced_at),
        "url": absolute_url("contests.show", contest_id=contest.id),
    }


def entry_json(entry, voted: bool | None = None) -> dict:
    ready = entry.thumbnails_ready
    return {
        "id": entry.id, "contest_id": entry.contest_id, "author": {"id": entry.author.id, "name": entry.author.name},
        "caption": entry.caption, "state": entry.state, "error": entry.error,
        "image_url": media_url(entry.original_key, external=True) if entry.state != "failed" else None,
        "thumbnails": {size: (media_url(entry.thumbnail_key(size), external=True) if ready else None) for size in THUMBNAIL_SIZES},
        "votes": entry.votes, "winner_rank": entry.winner_rank, "created_at": schemas.iso(entry.created_at),
        "url": absolute_url("contests.entry", entry_id=entry.id), "voted": voted,
    }


def _entry_response(entry, status: int = 200):
    user = g.get("api_user")
    voted = entry.id in votes.voted_ids(user, [entry.id]) if user else None
    return jsonify(entry_json(entry, voted)), status


def _contest_input(data: dict, current=None) -> contests.ContestInput:
    known = {f.name for f in fields(contests.ContestInput)}
    base = {name: getattr(current, name) for name in known} if current is not None else {}
    for name in REQUIRED:
        if name not in data and name not in base:
            raise InvalidInput(f"'{name}' is required.")
    base.update({k: v for k, v in data.items() if k in known})
    for name in ("title", "rules", "prize", "winner_method"):
        if name in base and not isinstance(base[name], str) and not (name == "prize" and base[name] is None):
            raise InvalidInput(f"'{name}' must be a string.")
    return contests.ContestInput(**base)


@bp.get("/contests")
def list_contests():
    groups = contests.listing()
    every = [c for state in contests.STATES for c in groups[state]]
    winners = results.winners_of(every)
    return jsonify(items=[contest_json(c, winners.get(c.id, [])) for c in every])


@bp.post("/contests")
@require_user(staff=True)
def create_contest():
    contest = contests.create(g.api_user, _contest_input(json_body()))
    return jsonify(contest_json(contest)), 201


@bp.get("/contests/<int:contest_id>")
def get_contest(contest_id: int):
    return jsonify(contest_json(contests.get(contest_id)))


@bp.patch("/contests/<int:contest_id>")
@require_user(staff=True)
def update_contest(contest_id: int):
    current = contests.get(contest_id)
    contest = contests.update_contest(g.api_user, contest_id, _contest_input(json_body(), current))
    return jsonify(contest_json(contest))


@bp.post("/contests/<int:contest_id>/close")
@require_user(staff=True)
def close_contest(contest_id: int):
    return jsonify(contest_json(contests.close_now(g.api_user, contest_id))), 202


def _flag(value) -> bool:
    return str(value or "").strip().lower() in ("1", "true", "yes", "on")


@bp.post("/contests/<int:contest_id>/entries")
@require_user()
@limiter.limit("30 per hour")
def create_entry(contest_id: int):
    if not request.mimetype == "multipart/form-data":
        raise InvalidInput("Send multipart/form-data with the photo in a 'photo' field and an optional 'caption'.")
    photo = request.files.get("photo")
    if photo is None:
        raise InvalidInput("Attach the photo as a file in the 'photo' field.")
    form = request.form
    details = entries.EntrantDetails(accepted_rules=True,  # posting an entry through the API accepts the rules
                                     full_name=form.get("full_name", ""), phone=form.get("phone", ""),
                                     postal_address=form.get("postal_address", ""),
                                     marketing_consent=_flag(form.get("marketing_consent")))
    entry = entries.submit(g.api_user, contest_id, photo.stream, form.get("caption", ""), details)
    return _entry_response(entry, 202)


@bp.get("/contests/<int:contest_id>/entries")
def list_entries(contest_id: int):
    contest = contests.get(contest_id)
    page = entries.gallery(contest.id, sort=request.args.get("sort", "new"),
                           limit=pagination.parse_limit(request.args.get("limit")),
                           cursor=request.args.get("cursor") or None)
    voted = votes.voted_ids(g.get("api_user"), [e.id for e in page.items])
    user = g.get("api_user")
    return jsonify(items=[entry_json(e, (e.id in voted) if user else None) for e in page.items],
                   next_cursor=page.next_cursor)


@bp.get("/entries/<int:entry_id>")
def get_entry(entry_id: int):
    return _entry_response(entries.get_visible(entry_id, g.get("api_user")))


@bp.post("/entries/<int:entry_id>/review")
@require_user(staff=True)
def review_entry(entry_id: int):
    data = json_body()
    entry = entries.review(g.api_user, entry_id, schemas.string_field(data, "decision"),
                           schemas.string_field(data, "reason", required=False) or "")
    return _entry_response(entry)


@bp.put("/entries/<int:entry_id>/vote")
@require_user()
@limiter.limit("120 per minute")
@limiter.limit(contest_votes_per_address, key_func=get_remote_address)
def vote_entry(entry_id: int):
    return _entry_response(votes.vote(g.api_user, entry_id))


@bp.delete("/entries/<int:entry_id>/vote")
@require_user()
@limiter.limit("120 per minute")
def unvote_entry(entry_id: int):
    return _entry_response(votes.unvote(g.api_user, entry_id))


@bp.put("/entries/<int:entry_id>/score")
@require_user(staff=True)
def score_entry(entry_id: int):
    data = json_body()
    return _entry_response(votes.score(g.api_user, entry_id, data.get("score")))


from . import contests_openapi  # noqa: E402,F401
