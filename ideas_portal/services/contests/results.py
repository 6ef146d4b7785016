"""Closing a contest: winners picked deterministically, announced exactly once, entrants told."""

from __future__ import annotations

import hashlib
from fractions import Fraction

from sqlalchemy import and_, func, literal, or_, select, update

from ... import outbox
from ...extensions import db
from ...hosts import absolute_url
from ...models import Contest, ContestEntry, FeedItem, JudgeScore, Notification, User
from ...models.types import UTCDateTime, utcnow
from .. import markdown, notifications, preferences, rewards
from ..dialect import insert

E = ContestEntry


def _approved(contest_id: int):
    return and_(E.contest_id == contest_id, E.state == "approved")


def _distinct_authors(rows, count: int) -> list[int]:
    """One prize per member: walk the ranking and skip authors who already won."""
    winners, seen = [], set()
    for entry_id, user_id in rows:
        if user_id not in seen:
            seen.add(user_id)
            winners.append(entry_id)
            if len(winners) == count:
                break
    return winners


def win_points(position: int) -> int:
    """First place earns the full bonus, second half of it, every other place a quarter."""
    return rewards.POINTS["contest_win"] // {1: 1, 2: 2}.get(position, 4)


def draw_key(seed: str, entry_id: int) -> str:
    """Sweepstakes order: anyone can recompute sha256("<seed>:<entry id>") and sort ascending."""
    return hashlib.sha256(f"{seed}:{entry_id}".encode()).hexdigest()


def rank(contest: Contest) -> list[int]:
    """Winning entry ids in order. Ties go to the earlier entry."""
    k = contest.winner_count
    if contest.winner_method == "votes":
        ranked = db.session.execute(
            select(E.id, E.user_id)
            .where(_approved(contest.id))
            .order_by(E.votes.desc(), E.created_at, E.id)
            .execution_options(yield_per=1000)
        )
        return _distinct_authors(ranked, k)
    if contest.winner_method == "sweepstakes":
        drawn = sorted(
            db.session.execute(select(E.id, E.user_id).where(_approved(contest.id))).all(),
            key=lambda row: draw_key(contest.draw_seed, row[0]),
        )
        return _distinct_authors(drawn, k)
    return _distinct_authors(_blended(contest), k)


def _blended(contest: Contest) -> list[tuple[int, int]]:
    """judge_weight% of the mean judges' score (of 10) plus the rest from votes relative to the top entry."""
    scores = (
        select(JudgeScore.entry_id, func.sum(JudgeScore.score).label("total"), func.count().label("n"))
        .where(JudgeScore.contest_id == contest.id)
        .group_by(JudgeScore.entry_id)
        .subquery()
    )
    rows = db.session.execute(
        select(E.id, E.user_id, E.votes, E.created_at, func.coalesce(scores.c.total, 0), func.coalesce(scores.c.n, 0))
        .outerjoin(scores, scores.c.entry_id == E.id)
        .where(_approved(contest.id))
    ).all()
    top_votes = max((row[2] for row in rows), default=0)
    weight = Fraction(contest.judge_weight, 100)

    def blend(row) -> Fraction:
        judges = Fraction(row[4], row[5] * 10) if row[5] else Fraction(0)
        public = Fraction(row[2], top_votes) if top_votes else Fraction(0)
        return weight * judges + (1 - weight) * public

    return [(row[0], row[1]) for row in sorted(rows, key=lambda row: (-blend(row), row[3], row[0]))]


def close(contest_id: int) -> bool:
    """Announces once: the UPDATE … WHERE announced_at IS NULL lets exactly one closer through."""
    contest = db.session.get(Contest, contest_id)
    now = utcnow()
    if contest is None or contest.announced_at is not None or contest.closes_at > now:
        db.session.rollback()
        return False
    winners = rank(contest)
    table = Contest.__table__
    claimed = db.session.execute(
        update(table)
        .where(table.c.id == contest.id, table.c.announced_at.is_(None))
        .values(announced_at=now)
        .returning(table.c.id)
    ).first()
    if not claimed:
        db.session.rollback()
        return False
    entrants = dict(db.session.execute(select(E.id, E.user_id).where(E.id.in_(winners))).all()) if winners else {}
    for position, entry_id in enumerate(winners, start=1):
        db.session.execute(update(E.__table__).where(E.__table__.c.id == entry_id).values(winner_rank=position))
        rewards.award(entrants[entry_id], "contest_win", f"win:{entry_id}", amount=win_points(position))
    body = _result_text(contest, winners)
    db.session.add(
        FeedItem(
            kind="contest_result",
            contest_id=contest.id,
            title=f"Winners: {contest.title}",
            body=body,
            body_html=markdown.render(body),
            created_at=now,
        )
    )
    enqueue_notify(contest.id)  # announced and its notices queued in one commit
    db.session.commit()
    return True


def _result_text(contest: Contest, winners: list[int]) -> str:
    if not winners:
        return f"The “{contest.title}” contest has closed. There were no eligible entries, so there is no winner."
    names = dict(
        db.session.execute(select(E.id, User.name).join(User, User.id == E.user_id).where(E.id.in_(winners))).all()
    )
    listed = "; ".join(f"{i}. {names[w]} (entry {w})" for i, w in enumerate(winners, start=1))
    how = {
        "votes": "by public vote",
        "judges": f"by our judges ({contest.judge_weight}%) and public votes ({100 - contest.judge_weight}%)",
        "sweepstakes": f"by a draw with the seed {contest.draw_seed}",
    }[contest.winner_method]
    return (
        f"The “{contest.title}” contest has closed. Winner{'s' if len(winners) > 1 else ''}, chosen {how}: "
        f"{listed}. Congratulations, and thank you to everyone who took part!"
    )


def enqueue_notify(contest_id: int) -> bool:
    """Into the caller's transaction; the outbox relay sends it if Redis is away at commit."""
    return outbox.enqueue("contests.notify_contest_result", contest_id, key=f"contest-notify-{contest_id}")


def notify(contest_id: int) -> int:
    """Winners and every other entrant hear the result once (UNIQUE(user, contest, kind) + ON CONFLICT), in the
    app and by email as each chose for contest results; deleted members hear nothing."""
    contest = db.session.get(Contest, contest_id)
    if contest is None or contest.announced_at is None:
        return 0
    winners = select(E.user_id).where(E.contest_id == contest_id, E.winner_rank.is_not(None))
    entrants = select(E.user_id).where(E.contest_id == contest_id, E.user_id.not_in(winners)).distinct()
    now = literal(utcnow(), UTCDateTime)
    won_text = (
        f"Congratulations — your photo won the “{contest.title}” contest! "
        "We will contact you about your prize." + (f" Prize: {contest.prize}" if contest.prize else "")
    )
    link = absolute_url("contests.show", contest_id=contest_id)
    told = 0
    for kind, users, body, subject in (
        ("contest_winner", winners.distinct(), won_text, f"You won: {contest.title}"),
        (
            "contest_result",
            entrants,
            f"The “{contest.title}” contest has closed and the winners are announced. Thank you for taking part!",
            f"Results: {contest.title}",
        ),
    ):
        recipients = users.subquery()
        choice = preferences.joined("contest_result", recipients.c.user_id)
        rows = (
            select(
                recipients.c.user_id,
                literal(kind),
                literal(body),
                literal(contest_id),
                now,
                choice.in_app,
                choice.email,
            )
            .select_from(recipients)
            .join(User, User.id == recipients.c.user_id)
            .outerjoin(choice.table, choice.on)
            .where(User.deleted_at.is_(None), or_(choice.in_app, choice.email))
        )
        inserted = db.session.execute(
            insert(Notification)
            .from_select(["user_id", "kind", "body", "contest_id", "created_at", "in_app", "emailed"], rows)
            .on_conflict_do_nothing(index_elements=["user_id", "contest_id", "kind"])
            .returning(Notification.user_id, Notification.emailed)
        ).all()
        told += len(inserted)
        # Only the rows this run inserted are mailed, in the same transaction: once, however often it runs.
        notifications.email_each([uid for uid, emailed in inserted if emailed], "contest_result", subject, body, link)
    table = Contest.__table__
    db.session.execute(
        update(table).where(table.c.id == contest_id, table.c.notified_at.is_(None)).values(notified_at=utcnow())
    )
    db.session.commit()
    return told


def winners(contest: Contest) -> list[ContestEntry]:
    return winners_of([contest]).get(contest.id, [])


def winners_of(contests_: list[Contest]) -> dict[int, list[ContestEntry]]:
    """Winners of many contests in one query (a list of contests must not cost a query each)."""
    announced = [c.id for c in contests_ if c.announced_at is not None]
    found: dict[int, list[ContestEntry]] = {}
    if announced:
        for entry in db.session.scalars(
            select(E)
            .where(E.contest_id.in_(announced), E.winner_rank.is_not(None))
            .order_by(E.contest_id, E.winner_rank)
        ).unique():
            found.setdefault(entry.contest_id, []).append(entry)
    return found


def first_places(contest_ids: list[int]) -> dict[int, ContestEntry]:
    """The winning photo of each announced contest, for the feed."""
    if not contest_ids:
        return {}
    rows = db.session.scalars(select(E).where(E.contest_id.in_(contest_ids), E.winner_rank == 1)).unique()
    return {entry.contest_id: entry for entry in rows}
