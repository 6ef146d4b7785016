"""Race-safe votes: the UNIQUE constraint decides, counters move in the same transaction."""

from __future__ import annotations

from flask import current_app
from sqlalchemy import Row, case, delete, false, func, select, true, update
from sqlalchemy.orm.attributes import set_committed_value

from .. import policy
from ..extensions import db
from ..models import Comment, Idea, User, Vote
from ..models.types import is_id, utcnow
from . import follows, lookup, rewards, status_changes
from .dialect import insert
from .exceptions import Conflict, InvalidInput, NotFound, VotingClosed
from .ranking import hot_score, wilson_lower_bound

# The hot path speaks Core to the tables: no ORM bookkeeping for rows nobody holds as objects.
IDEAS, VOTES = Idea.__table__, Vote.__table__


COUNTED = ("upvotes", "downvotes", "score", "wilson", "hot")  # what _apply moves, as it hands them back


def _apply(idea_id: int, d_up: int, d_down: int) -> Row:
    """Counters and the stored scores in one statement, the scores computed in SQL from the new counts
    (ideas_wilson, ideas_hot: migration 0010 on PostgreSQL, extensions.configure_sqlite on SQLite). It takes the
    idea's row lock, so callers run it last, just before their commit. Returns the new values (COUNTED)."""
    up, down = IDEAS.c.upvotes + d_up, IDEAS.c.downvotes + d_down
    return db.session.execute(
        update(IDEAS)
        .where(IDEAS.c.id == idea_id)
        .values(
            upvotes=up,
            downvotes=down,
            score=IDEAS.c.score + d_up - d_down,
            wilson=func.ideas_wilson(up, down),
            hot=func.ideas_hot(up, down, IDEAS.c.created_at),
        )
        .returning(*(IDEAS.c[name] for name in COUNTED))
    ).one()


def _upvote_points(author_id: int, idea_id: int, voter_id: int, counts: bool) -> None:
    """A counted up-vote from another member earns its author a point (up to the daily cap) and gives it back when
    it stops counting. The caller holds the vote's row (inserted, switched or deleted just before), which orders
    that vote's events; the author's row, taken here, orders their daily cap."""
    if author_id == voter_id:
        return
    rewards.lock_earners([author_id])
    rewards.toggle(
        author_id,
        "upvote",
        f"vote:{idea_id}:{voter_id}",
        on=counts,
        daily_cap=rewards.UPVOTE_DAILY_CAP,
        idea_id=idea_id,
        actor_id=voter_id,
    )


def _counted(author_id: int, idea_id: int, voter_id: int, d_up: int, d_down: int) -> Row:
    """A vote starts or stops counting: the author's point first, then the idea's counters, the hottest row, last.
    Returns the idea's new values (COUNTED)."""
    if d_up:
        _upvote_points(author_id, idea_id, voter_id, counts=d_up > 0)
    return _apply(idea_id, d_up, d_down)


def votes_held(user) -> bool:
    """Whether this member's votes are held (address not verified yet). Read under the member's row lock, so a
    verification committing meanwhile either waits for this vote or is seen by it: no vote stays held by mistake.
    Ideas, contest entries (and polls) all ask here."""
    if user.email_verified_at is not None:  # verification is never undone: no lock on the common path
        return False
    verified_at = db.session.execute(
        select(User.email_verified_at).where(User.id == user.id).with_for_update()
    ).scalar_one()
    return verified_at is None


def record_vote(user_id: int, idea_id: int, author_id: int, value: int, held: bool = False) -> Row | None:
    """Inserts or switches one vote; returns the idea's new values when the counters moved, else None (a held vote
    never moves them). A switched vote keeps its own held flag. Caller commits."""
    inserted = db.session.execute(
        insert(VOTES)
        .values(idea_id=idea_id, user_id=user_id, value=value, held=held, created_at=utcnow())
        .on_conflict_do_nothing(index_elements=["idea_id", "user_id"])
        .returning(VOTES.c.id)
    ).first()
    if inserted:
        follows.follow(user_id, idea_id)  # voters hear what becomes of the idea
        if held:
            return None
        return _counted(author_id, idea_id, user_id, int(value == 1), int(value == -1))
    switched = db.session.execute(
        update(VOTES)
        .where(VOTES.c.idea_id == idea_id, VOTES.c.user_id == user_id, VOTES.c.value == -value)
        .values(value=value)
        .returning(VOTES.c.held)
    ).first()
    if switched and not switched.held:
        return _counted(author_id, idea_id, user_id, value, -value)
    return None


def first_vote(author, idea_id: int) -> None:
    """A new idea starts with its author's up-vote; held, it still gets the rankings its age earns. Caller commits."""
    held = votes_held(author)
    record_vote(author.id, idea_id, author.id, 1, held=held)
    if held:
        _apply(idea_id, 0, 0)


def release_held(user_id: int) -> int:
    """A member just verified: their held votes count from now, with any promotion they earn. Returns how many.
    Caller commits, in the transaction that verified them."""
    released = db.session.execute(
        update(VOTES)
        .where(VOTES.c.user_id == user_id, VOTES.c.held)
        .values(held=False)
        .returning(VOTES.c.idea_id, VOTES.c.value)
    ).all()
    if not released:
        return 0
    authors = dict(
        db.session.execute(select(Idea.id, Idea.author_id).where(Idea.id.in_([r[0] for r in released]))).all()
    )
    # The authors who earn a point, all before any idea (rewards.lock_earners), then the ideas in id order, so two
    # verifications never deadlock.
    rewards.lock_earners([authors[idea_id] for idea_id, value in released if value == 1])
    for idea_id, value in sorted(released):
        _counted(authors[idea_id], idea_id, user_id, int(value == 1), int(value == -1))
        status_changes.promote_if_popular(idea_id)
    return len(released)


def _votable(idea_id) -> Idea:
    idea = lookup.row(Idea, idea_id)
    if idea is None or idea.withdrawn_at:
        raise NotFound("There is no idea with that number.")
    if idea.hidden_at:
        raise Conflict("This idea is hidden pending review and takes no votes.")
    if idea.status.is_closed:
        raise VotingClosed(f"Voting is closed: this idea is “{idea.status.name}”.")
    return idea


def _commit_keeping(idea: Idea, moved: Row | None) -> None:
    """Commits; the idea keeps its loaded values with the counters the vote's UPDATE handed back, so its answer
    needs no second read of the row. A promotion changed the same loaded idea (status_changes.record), so its
    answer shows the new status too."""
    if moved is not None:
        for name in COUNTED:
            set_committed_value(idea, name, getattr(moved, name))
    session = db.session()
    expiring, session.expire_on_commit = session.expire_on_commit, False
    try:
        session.commit()
    finally:
        session.expire_on_commit = expiring


def cast_vote(user, idea_id: int, value) -> Idea:
    if type(value) is not int or value not in (1, -1):  # 1.0 == 1 and True == 1 in Python; neither is a vote
        raise InvalidInput("value must be the integer 1 (up) or -1 (down).")
    policy.require(user, "community.take_part")
    idea = _votable(idea_id)
    held = votes_held(user)
    rewards.mark_active(user.id)  # the voter's own row: before the shared ones
    moved = record_vote(user.id, idea.id, idea.author_id, value, held=held)
    if moved is not None and moved.score >= current_app.config["SUCCESS_THRESHOLD"]:
        status_changes.promote_if_popular(idea.id)  # commits with the vote, and its fan-out
    _commit_keeping(idea, moved)
    return idea


def withdraw_vote(user, idea_id: int) -> Idea:
    policy.require(user, "community.take_part")
    idea = _votable(idea_id)
    removed = db.session.execute(
        delete(Vote).where(Vote.idea_id == idea.id, Vote.user_id == user.id).returning(Vote.value, Vote.held)
    ).first()
    if removed and not removed.held:
        value = removed.value
        _commit_keeping(idea, _counted(idea.author_id, idea.id, user.id, -int(value == 1), -int(value == -1)))
    else:
        db.session.commit()
    return idea


def toggle_vote(user, idea_id: int, value: int) -> Idea:
    """The HTML button: clicking the vote you already gave withdraws it."""
    if not is_id(idea_id):
        raise NotFound("There is no idea with that number.")
    current = db.session.scalar(select(Vote.value).where(Vote.idea_id == idea_id, Vote.user_id == user.id))
    if current == value:
        return withdraw_vote(user, idea_id)
    return cast_vote(user, idea_id, value)


def recount(idea_ids: list[int] | None = None) -> list[str]:
    """Recomputes denormalised idea counters (all, or those ideas) from counted (not held) votes; returns what
    it corrected."""
    only = (lambda column: column.in_(idea_ids)) if idea_ids is not None else (lambda column: true())
    votes = (
        select(
            Vote.idea_id,
            func.sum(case((Vote.value == 1, 1), else_=0)).label("up"),
            func.sum(case((Vote.value == -1, 1), else_=0)).label("down"),
        )
        .where(only(Vote.idea_id), Vote.held == false())
        .group_by(Vote.idea_id)
        .subquery()
    )
    comments = (
        select(Comment.idea_id, func.count().label("n"))
        .where(only(Comment.idea_id), Comment.deleted_at.is_(None))  # a removed comment is counted out
        .group_by(Comment.idea_id)
        .subquery()
    )
    rows = db.session.execute(
        select(
            Idea.id,
            Idea.upvotes,
            Idea.downvotes,
            Idea.score,
            Idea.comment_count,
            Idea.wilson,
            Idea.hot,
            Idea.created_at,
            func.coalesce(votes.c.up, 0),
            func.coalesce(votes.c.down, 0),
            func.coalesce(comments.c.n, 0),
        )
        .outerjoin(votes, votes.c.idea_id == Idea.id)
        .outerjoin(comments, comments.c.idea_id == Idea.id)
        .where(only(Idea.id))
        .order_by(Idea.id)
    )
    corrections, fixes = [], []
    for idea_id, up, down, score, cc, wilson, hot, created_at, real_up, real_down, real_cc in rows:
        real: dict[str, float] = {
            "upvotes": int(real_up),
            "downvotes": int(real_down),
            "score": int(real_up) - int(real_down),
            "comment_count": int(real_cc),
        }
        stored = {"upvotes": up, "downvotes": down, "score": score, "comment_count": cc}
        changed = [f"{k} {stored[k]}→{real[k]}" for k in real if stored[k] != real[k]]
        real["wilson"] = wilson_lower_bound(int(real_up), int(real_down))
        real["hot"] = hot_score(int(real_up), int(real_down), created_at)
        if abs(wilson - real["wilson"]) > 1e-9 or abs(hot - real["hot"]) > 1e-6:
            changed.append("ranking scores")
        if changed:
            corrections.append(f"idea {idea_id}: " + ", ".join(changed))
            fixes.append({"id": idea_id, **real})
    for fix in fixes:
        db.session.execute(
            update(Idea).where(Idea.id == fix["id"]).values(**{k: v for k, v in fix.items() if k != "id"})
        )
    db.session.commit()
    return corrections
