"""Answers to polls: one per member (UNIQUE), a second replaces the first; counters move in the same transaction.

Every change to a poll's counts first takes the poll's row with a conditional UPDATE that only passes while the
poll is open. That row lock orders answers, releases and the closing: once the results are claimed nothing moves
them, and an answer that lost the race to the closing gets a 409 instead of changing posted figures.
Lock order everywhere: the member's row (votes_held), then polls by id, then their options by id.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, false, func, select, update

from ... import policy
from ...extensions import db
from ...models import Poll, PollAnswer, PollChoice, PollOption
from ...models.types import is_id, utcnow
from .. import rewards, voting
from ..dialect import insert
from ..exceptions import Conflict, InvalidInput
from . import polls

POLLS, OPTIONS, ANSWERS, CHOICES = (m.__table__ for m in (Poll, PollOption, PollAnswer, PollChoice))
CLOSED = "This poll is closed."


def _take_open(poll_id: int, now: datetime) -> bool:
    """Locks the poll's row if it is open (a conditional UPDATE that changes nothing); False if it is not."""
    return (
        db.session.execute(
            update(POLLS)
            .where(POLLS.c.id == poll_id, polls.open_condition(POLLS, now))
            .values(total_answers=POLLS.c.total_answers)
            .returning(POLLS.c.id)
        ).first()
        is not None
    )


def _chosen(poll, option_ids) -> list[int]:
    """Ids of this poll's options, each once; a single-choice poll takes exactly one."""
    if not isinstance(option_ids, list) or not option_ids:
        raise InvalidInput("options must be a non-empty list of option ids.")
    if not all(is_id(o) for o in option_ids):
        raise InvalidInput("options must be option ids (whole numbers).")
    if len(set(option_ids)) != len(option_ids):
        raise InvalidInput("Each option can be chosen only once.")
    if not poll.multiple and len(option_ids) != 1:
        raise InvalidInput("This poll takes exactly one option.")
    mine = {o.id for o in poll.options}
    if not set(option_ids) <= mine:
        raise InvalidInput("That is not an option of this poll.")
    return sorted(option_ids)


def _move(poll_id: int, removed: set[int], added: set[int], d_total: int) -> None:
    """Option counters in id order (two answers never lock them crosswise), then the poll's total."""
    for option_id in sorted(removed | added):
        delta = (option_id in added) - (option_id in removed)
        if delta:
            db.session.execute(update(OPTIONS).where(OPTIONS.c.id == option_id).values(votes=OPTIONS.c.votes + delta))
    if d_total:
        db.session.execute(
            update(POLLS).where(POLLS.c.id == poll_id).values(total_answers=POLLS.c.total_answers + d_total)
        )


def _points(user_id: int, poll_id: int) -> None:
    """The first counted answer to a poll earns once (the ledger's source is unique); replacing it earns nothing."""
    rewards.award(user_id, "poll", f"poll:{poll_id}:{user_id}")


def answer(user, poll_id, option_ids) -> Poll:
    """PUT semantics: the member's answer becomes these options. An unverified member's answer is held (kept,
    outside the counts) until they verify. Commits; Conflict once the poll is not open."""
    policy.require(user, "community.take_part")
    poll = polls.get(poll_id)
    chosen = _chosen(poll, option_ids)
    now = utcnow()
    if not polls.is_open(poll, now):
        raise Conflict(CLOSED if polls.has_ended(poll, now) else "This poll is not open yet.")
    held = voting.votes_held(user)  # the member's row first, as a verification takes it
    if not _take_open(poll.id, now):
        db.session.rollback()
        raise Conflict(CLOSED)
    inserted = db.session.execute(
        insert(ANSWERS)
        .values(poll_id=poll.id, user_id=user.id, held=held, created_at=now, updated_at=now)
        .on_conflict_do_nothing(index_elements=["poll_id", "user_id"])
        .returning(ANSWERS.c.id)
    ).first()
    if inserted is not None:
        answer_id, was_held, before = inserted.id, held, set()
    else:
        # Their earlier answer, locked by the UPDATE: a second answer from them at the same moment waits here.
        row = db.session.execute(
            update(ANSWERS)
            .where(ANSWERS.c.poll_id == poll.id, ANSWERS.c.user_id == user.id)
            .values(updated_at=now)
            .returning(ANSWERS.c.id, ANSWERS.c.held)
        ).one()
        answer_id, was_held = row.id, row.held  # a replaced answer keeps its own held flag
        before = set(
            db.session.scalars(
                delete(CHOICES).where(CHOICES.c.answer_id == answer_id).returning(CHOICES.c.option_id)
            ).all()
        )
    db.session.execute(insert(CHOICES), [{"answer_id": answer_id, "option_id": o} for o in chosen])
    if not was_held:
        _move(poll.id, before - set(chosen), set(chosen) - before, int(inserted is not None))
        if inserted is not None:
            _points(user.id, poll.id)
    rewards.mark_active(user.id)
    db.session.commit()
    db.session.expire(poll)
    return poll


def release_held(user_id: int) -> int:
    """A member just verified: their held answers count, in polls still open (one that has closed keeps its
    figures). Returns how many. Caller commits, in the transaction that verified them."""
    now = utcnow()
    waiting = db.session.execute(
        select(ANSWERS.c.id, ANSWERS.c.poll_id)
        .where(ANSWERS.c.user_id == user_id, ANSWERS.c.held)
        .order_by(ANSWERS.c.poll_id)
    ).all()
    released = 0
    for answer_id, poll_id in waiting:  # polls locked in id order, so two verifications never deadlock
        if not _take_open(poll_id, now):
            continue
        if db.session.execute(
            update(ANSWERS).where(ANSWERS.c.id == answer_id, ANSWERS.c.held).values(held=False).returning(ANSWERS.c.id)
        ).first():
            chosen = set(db.session.scalars(select(CHOICES.c.option_id).where(CHOICES.c.answer_id == answer_id)))
            _move(poll_id, set(), chosen, 1)
            _points(user_id, poll_id)
            released += 1
    return released


def mine(user, poll_ids: list[int]) -> dict[int, tuple[list[int], bool]]:
    """The caller's answers to these polls: poll id -> (option ids, held)."""
    if not poll_ids or user is None or not getattr(user, "is_authenticated", False):
        return {}
    rows = db.session.execute(
        select(ANSWERS.c.poll_id, ANSWERS.c.held, CHOICES.c.option_id)
        .join(CHOICES, CHOICES.c.answer_id == ANSWERS.c.id)
        .where(ANSWERS.c.user_id == user.id, ANSWERS.c.poll_id.in_(poll_ids))
        .order_by(ANSWERS.c.poll_id, CHOICES.c.option_id)
    ).all()
    found: dict[int, tuple[list[int], bool]] = {}
    for poll_id, held, option_id in rows:
        found.setdefault(poll_id, ([], bool(held)))[0].append(option_id)
    return found


def view(poll: Poll, user) -> polls.PollView:
    return polls.view(poll, user, mine(user, [poll.id]).get(poll.id))


def views(rows: list[Poll], user) -> list[polls.PollView]:
    answered = mine(user, [p.id for p in rows])
    return [polls.view(p, user, answered.get(p.id)) for p in rows]


def featured(user) -> polls.PollView | None:
    """The newest featured open poll as this caller sees it: the box on the home page and in Ideas in Action."""
    newest = polls.open_polls(1)
    return view(newest[0], user) if newest else None


def export(user_id: int) -> list[dict]:
    """The member's answers for their data download: the question and the texts they chose."""
    rows = db.session.execute(
        select(PollAnswer, Poll.question, PollOption.text)
        .join(Poll, Poll.id == PollAnswer.poll_id)
        .join(PollChoice, PollChoice.answer_id == PollAnswer.id)
        .join(PollOption, PollOption.id == PollChoice.option_id)
        .where(PollAnswer.user_id == user_id)
        .order_by(PollAnswer.id, PollOption.position)
    ).all()
    found: dict[int, dict] = {}
    for answer_row, question, option_text in rows:
        item = found.setdefault(
            answer_row.id,
            {
                "poll_id": answer_row.poll_id,
                "question": question,
                "options": [],
                "held": answer_row.held,
                "created_at": answer_row.created_at,
                "updated_at": answer_row.updated_at,
            },
        )
        item["options"].append(option_text)
    return list(found.values())


def recount() -> list[str]:
    """Option votes and each poll's total_answers, proven from counted (not held) answers; returns what it
    corrected."""
    corrections = []
    counted = ANSWERS.c.held == false()
    real_votes = (
        select(CHOICES.c.option_id, func.count().label("n"))
        .join(ANSWERS, ANSWERS.c.id == CHOICES.c.answer_id)
        .where(counted)
        .group_by(CHOICES.c.option_id)
        .subquery()
    )
    real = func.coalesce(real_votes.c.n, 0)
    for option_id, poll_id, stored, n in db.session.execute(
        select(OPTIONS.c.id, OPTIONS.c.poll_id, OPTIONS.c.votes, real)
        .outerjoin(real_votes, real_votes.c.option_id == OPTIONS.c.id)
        .where(OPTIONS.c.votes != real)
        .order_by(OPTIONS.c.id)
    ).all():
        corrections.append(f"poll {poll_id} option {option_id}: votes {stored}→{n}")
        db.session.execute(update(OPTIONS).where(OPTIONS.c.id == option_id).values(votes=n))
    real_answers = (
        select(ANSWERS.c.poll_id, func.count().label("n")).where(counted).group_by(ANSWERS.c.poll_id).subquery()
    )
    real = func.coalesce(real_answers.c.n, 0)
    for poll_id, stored, n in db.session.execute(
        select(POLLS.c.id, POLLS.c.total_answers, real)
        .outerjoin(real_answers, real_answers.c.poll_id == POLLS.c.id)
        .where(POLLS.c.total_answers != real)
        .order_by(POLLS.c.id)
    ).all():
        corrections.append(f"poll {poll_id}: total_answers {stored}→{n}")
        db.session.execute(update(POLLS).where(POLLS.c.id == poll_id).values(total_answers=n))
    db.session.commit()
    return corrections
