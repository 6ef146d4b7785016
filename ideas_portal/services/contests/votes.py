"""Votes on contest entries and judges' scores: the database decides, counters move in the same transaction."""

from __future__ import annotations

from sqlalchemy import delete, false, func, select, update

from ... import policy
from ...extensions import db
from ...models import Contest, ContestEntrant, ContestEntry, ContestVote, DailyVoteUse, JudgeScore
from ...models.types import utcnow
from .. import voting
from ..dialect import insert
from ..exceptions import Conflict, InvalidInput, VotingClosed
from . import entries

ENTRIES, VOTES, DAILY = ContestEntry.__table__, ContestVote.__table__, DailyVoteUse.__table__


def _votable(user, entry_id) -> ContestEntry:
    policy.require(user, "community.take_part")
    entry = entries.get_visible(entry_id, user)
    policy.require(user, "entry.vote", entry)
    contest, now = entry.contest, utcnow()
    if contest.announced_at or not contest.opens_at <= now < contest.closes_at:
        raise VotingClosed(
            "Voting is closed for this contest." if now >= contest.opens_at else "Voting has not started yet."
        )
    if entry.state != "approved":
        raise Conflict("This entry is not in the gallery, so it takes no votes.")
    return entry


def _use_allowance(entry: ContestEntry, user_id: int, day) -> bool:
    allowance = entry.contest.daily_vote_allowance
    db.session.execute(
        insert(DAILY)
        .values(contest_id=entry.contest_id, user_id=user_id, day=day, used=0)
        .on_conflict_do_nothing(index_elements=["contest_id", "user_id", "day"])
    )
    return (
        db.session.execute(
            update(DAILY)
            .where(
                DAILY.c.contest_id == entry.contest_id,
                DAILY.c.user_id == user_id,
                DAILY.c.day == day,
                DAILY.c.used < allowance,
            )
            .values(used=DAILY.c.used + 1)
            .returning(DAILY.c.used)
        ).first()
        is not None
    )


def vote(user, entry_id) -> ContestEntry:
    """An unverified member's vote is held: it uses the day's allowance (abuse control) but counts only once
    they verify, and only while the contest still takes votes."""
    entry = _votable(user, entry_id)
    now = utcnow()
    held = voting.votes_held(user)
    inserted = db.session.execute(
        insert(VOTES)
        .values(
            entry_id=entry.id, contest_id=entry.contest_id, user_id=user.id, day=now.date(), created_at=now, held=held
        )
        .on_conflict_do_nothing(index_elements=["entry_id", "user_id"])
        .returning(VOTES.c.id)
    ).first()
    if inserted:
        if entry.contest.daily_vote_allowance and not _use_allowance(entry, user.id, now.date()):
            db.session.rollback()
            allowance = entry.contest.daily_vote_allowance
            raise Conflict(
                f"You have used today's {allowance} vote{'s' if allowance != 1 else ''} in this contest."
                " More tomorrow (UTC)."
            )
        if not held:
            db.session.execute(update(ENTRIES).where(ENTRIES.c.id == entry.id).values(votes=ENTRIES.c.votes + 1))
    db.session.commit()
    db.session.refresh(entry)
    return entry


def unvote(user, entry_id) -> ContestEntry:
    """Withdrawing a vote cast today gives today's allowance back."""
    entry = _votable(user, entry_id)
    removed = db.session.execute(
        delete(VOTES)
        .where(VOTES.c.entry_id == entry.id, VOTES.c.user_id == user.id)
        .returning(VOTES.c.day, VOTES.c.held)
    ).first()
    if removed:
        if not removed.held:
            db.session.execute(
                update(ENTRIES).where(ENTRIES.c.id == entry.id, ENTRIES.c.votes > 0).values(votes=ENTRIES.c.votes - 1)
            )
        if entry.contest.daily_vote_allowance and removed[0] == utcnow().date():
            db.session.execute(
                update(DAILY)
                .where(
                    DAILY.c.contest_id == entry.contest_id,
                    DAILY.c.user_id == user.id,
                    DAILY.c.day == removed[0],
                    DAILY.c.used > 0,
                )
                .values(used=DAILY.c.used - 1)
            )
    db.session.commit()
    db.session.refresh(entry)
    return entry


def release_held(user_id: int) -> int:
    """A member just verified: their held votes count, in contests still taking votes; a held vote in a contest
    that has closed stays out of its results. Returns how many were released. Caller commits."""
    open_contests = select(Contest.id).where(Contest.announced_at.is_(None), Contest.closes_at > utcnow())
    released = db.session.scalars(
        update(VOTES)
        .where(VOTES.c.user_id == user_id, VOTES.c.held, VOTES.c.contest_id.in_(open_contests))
        .values(held=False)
        .returning(VOTES.c.entry_id)
    ).all()
    for entry_id in sorted(released):  # one vote per member per entry; rows locked in id order (no deadlock)
        db.session.execute(update(ENTRIES).where(ENTRIES.c.id == entry_id).values(votes=ENTRIES.c.votes + 1))
    return len(released)


def voted_ids(user, entry_ids: list[int]) -> set[int]:
    if not user or not getattr(user, "is_authenticated", False) or not entry_ids:
        return set()
    return set(
        db.session.scalars(
            select(ContestVote.entry_id).where(ContestVote.user_id == user.id, ContestVote.entry_id.in_(entry_ids))
        )
    )


def score(judge, entry_id, value) -> ContestEntry:
    """A judge's 1–10 for an entry; scoring again replaces the earlier score."""
    policy.require(judge, "contest.judge")
    if not isinstance(value, int) or isinstance(value, bool) or not 1 <= value <= 10:
        raise InvalidInput("score must be a whole number from 1 to 10.")
    entry = entries.get_visible(entry_id, judge)
    if entry.contest.winner_method != "judges":
        raise Conflict("This contest's winners are not chosen by judges.")
    if entry.contest.announced_at:
        raise Conflict("The winners are announced; scores can no longer change.")
    if entry.state != "approved":
        raise Conflict("Only entries in the gallery can be scored.")
    db.session.execute(
        insert(JudgeScore.__table__)
        .values(entry_id=entry.id, judge_id=judge.id, contest_id=entry.contest_id, score=value, created_at=utcnow())
        .on_conflict_do_update(index_elements=["entry_id", "judge_id"], set_={"score": value})
    )
    db.session.commit()
    return entry


def my_scores(judge, contest_id: int) -> dict[int, int]:
    return dict(
        db.session.execute(
            select(JudgeScore.entry_id, JudgeScore.score).where(
                JudgeScore.contest_id == contest_id, JudgeScore.judge_id == judge.id
            )
        ).all()
    )


def recount() -> list[str]:
    """Entry vote counters (counted, not held votes) and entrants' entry counts, proven from rows; returns what
    it corrected."""
    corrections = []
    real_votes = (
        select(ContestVote.entry_id, func.count().label("n"))
        .where(ContestVote.held == false())
        .group_by(ContestVote.entry_id)
        .subquery()
    )
    for entry_id, stored, real in db.session.execute(
        select(ContestEntry.id, ContestEntry.votes, func.coalesce(real_votes.c.n, 0))
        .outerjoin(real_votes, real_votes.c.entry_id == ContestEntry.id)
        .where(ContestEntry.votes != func.coalesce(real_votes.c.n, 0))
    ).all():
        corrections.append(f"contest entry {entry_id}: votes {stored}→{real}")
        db.session.execute(update(ENTRIES).where(ENTRIES.c.id == entry_id).values(votes=real))
    live = (
        select(ContestEntry.contest_id, ContestEntry.user_id, func.count().label("n"))
        .where(ContestEntry.state.not_in(("rejected", "failed")))
        .group_by(ContestEntry.contest_id, ContestEntry.user_id)
        .subquery()
    )
    entrants = ContestEntrant.__table__
    for contest_id, user_id, stored, real in db.session.execute(
        select(entrants.c.contest_id, entrants.c.user_id, entrants.c.entries, func.coalesce(live.c.n, 0))
        .outerjoin(live, (live.c.contest_id == entrants.c.contest_id) & (live.c.user_id == entrants.c.user_id))
        .where(entrants.c.entries != func.coalesce(live.c.n, 0))
    ).all():
        corrections.append(f"contest {contest_id} entrant {user_id}: entries {stored}→{real}")
        db.session.execute(
            update(entrants)
            .where(entrants.c.contest_id == contest_id, entrants.c.user_id == user_id)
            .values(entries=real)
        )
    db.session.commit()
    return corrections
