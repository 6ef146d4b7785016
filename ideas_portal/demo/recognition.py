"""Demo recognition: the points the demo's history earned (its rows were written directly, not by the services),
the days its members took part, a star member, and every badge rule run once, so leaderboards and profiles show
something on the first visit."""

from __future__ import annotations

from collections import Counter
from dataclasses import replace
from datetime import timedelta

from sqlalchemy import select, update

from ..extensions import db
from ..models import ActiveDay, BadgeAward, Comment, Idea, Notification, PointEntry, User, Vote
from ..models.types import utcnow
from ..services import badges, rewards
from ..services.dialect import insert
from ..services.polls import answers, polls
from ..services.polls.polls import PollInput

STAR_NOTE = "Thank you for the many thoughtful ideas and the kind welcome you give newcomers."


def _points() -> int:
    """Ideas and counted up-votes from other members, at the time they happened, the daily cap kept."""
    written = 0
    for idea_id, author_id, created_at in db.session.execute(
        select(Idea.id, Idea.author_id, Idea.created_at).where(Idea.withdrawn_at.is_(None)).order_by(Idea.id)
    ):
        written += rewards.award(author_id, "idea", f"idea:{idea_id}", idea_id=idea_id, at=created_at)
    per_day: Counter[tuple[int, object]] = Counter()
    rows = db.session.execute(
        select(Vote.idea_id, Vote.user_id, Vote.created_at, Idea.author_id)
        .join(Idea, Idea.id == Vote.idea_id)
        .where(Vote.value == 1, Vote.held.is_(False), Vote.user_id != Idea.author_id)
        .order_by(Vote.created_at, Vote.id)
    )
    for idea_id, voter_id, at, author_id in rows:
        day = (author_id, at.date())
        if per_day[day] >= rewards.UPVOTE_DAILY_CAP:
            continue
        if rewards.toggle(
            author_id, "upvote", f"vote:{idea_id}:{voter_id}", on=True, idea_id=idea_id, actor_id=voter_id, at=at
        ):
            per_day[day] += 1
            written += 1
    return written


def _active_days() -> None:
    days = {
        (user_id, at.date())
        for model in (Idea, Comment, Vote)
        for user_id, at in db.session.execute(
            select(model.author_id if model is not Vote else model.user_id, model.created_at)
        )
    }
    if days:
        db.session.execute(
            insert(ActiveDay.__table__)
            .values([{"user_id": user_id, "day": day} for user_id, day in sorted(days)])
            .on_conflict_do_nothing(index_elements=["user_id", "day"])
        )


POLL = PollInput(
    question="Which should we try first next spring?",
    options=["Oat milk at no extra cost", "A reusable cup deposit", "Longer opening hours on Sundays"],
    results_shown="after_vote",
)


def _poll(staff: User, now) -> int:
    """An open, featured poll on the home page and in Ideas in Action, already answered by part of the community."""
    poll = polls.create(staff, replace(POLL, closes_at=now + timedelta(days=10)))
    options = [option.id for option in poll.options]
    members = db.session.scalars(
        select(User).where(User.role == "member", User.email_verified_at.is_not(None)).order_by(User.id)
    ).all()
    for n, member in enumerate(members[1::2]):  # Maya (the demo login) is left to answer it herself
        answers.answer(member, poll.id, [options[(n * 7) % 5 % 3]])
    return len(members[1::2])


def seed() -> list[str]:
    """Idempotent: a database whose demo already earned its points is left alone."""
    member = db.session.scalar(select(User).where(User.email == "member@example.com"))
    staff = db.session.scalar(select(User).where(User.email == "staff@example.com"))
    if member is None or staff is None:
        return []
    if db.session.scalar(select(PointEntry.id).where(PointEntry.reason == "idea").limit(1)) is not None:
        return []
    lines = _points()
    _active_days()
    starred = badges.grant(member.id, "star-member", note=STAR_NOTE, granted_by_id=staff.id)
    db.session.commit()
    awarded = int(starred)
    for user_id in db.session.scalars(select(User.id).where(User.deleted_at.is_(None)).order_by(User.id)).all():
        awarded += len(badges.check_member(user_id))
    # Awarded as the story's last step: an hour ago, so no demo page reads "just now".
    earlier = utcnow() - timedelta(hours=1)
    db.session.execute(update(BadgeAward).values(awarded_at=earlier))
    db.session.execute(update(Notification).where(Notification.kind == "badge").values(created_at=earlier))
    db.session.commit()
    answered = _poll(staff, utcnow())
    return [
        f"recognition: {lines} ledger line(s) for the demo's history, {awarded} badge(s) awarded, "
        f"a poll answered by {answered} members"
    ]
