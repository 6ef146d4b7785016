"""A poll's end: staff close it early or its time runs out, and its results are posted to Ideas in Action once."""

from __future__ import annotations

from datetime import datetime

from markupsafe import escape
from sqlalchemy import CursorResult, select, update

from ... import policy
from ...extensions import db
from ...models import FeedItem, Poll, PollOption
from ...models.types import utcnow
from .. import markdown
from . import polls

POLLS, OPTIONS = Poll.__table__, PollOption.__table__
TITLE_MAX = 200  # feed_items.title
SWEEP_BATCH = 100


def close_now(user, poll_id) -> Poll:
    """Staff end a poll early; its results are posted in the same commit. Closing twice is harmless: the
    conditional UPDATE lets one through, and the results are claimed once."""
    policy.require(user, "polls.manage")
    poll = polls.get(poll_id)
    now = utcnow()
    # Waits for an answer under way (it holds the poll's row), so the figures posted below include it.
    closed = db.session.execute(
        update(POLLS).where(POLLS.c.id == poll.id, ~polls.ended_condition(POLLS, now)).values(closed_at=now)
    )
    if isinstance(closed, CursorResult) and closed.rowcount:
        db.session.expire(poll)
    post_results(poll.id, now)
    db.session.commit()
    return poll


def _lines(poll_id: int, total: int) -> list[tuple[str, int, int]]:
    """(option, votes, whole percent of the counted answers) in the poll's order, as committed now."""
    rows = db.session.execute(
        select(OPTIONS.c.text, OPTIONS.c.votes).where(OPTIONS.c.poll_id == poll_id).order_by(OPTIONS.c.position)
    ).all()
    return [(t, v, round(100 * v / total) if total else 0) for t, v in rows]


def _title(question: str) -> str:
    title = f"Poll results: {question}"
    return title if len(title) <= TITLE_MAX else title[: TITLE_MAX - 1].rstrip() + "…"


def _bodies(question: str, multiple: bool, n: int, lines) -> tuple[str, str]:
    """Plain text and HTML built from escaped parts (option texts are shown as written, never as Markdown)."""
    answered = f"{n} member{'s' if n != 1 else ''} answered" + (
        " (each could choose several options)." if multiple else "."
    )
    plain = "\n".join(
        [f"The poll “{question}” has closed. {answered}"]
        + [f"- {t}: {v} vote{'s' if v != 1 else ''} ({p}%)" for t, v, p in lines]
    )
    items = "".join(
        f"<li><strong>{escape(t)}</strong>: {v} vote{'s' if v != 1 else ''} ({p}%)</li>" for t, v, p in lines
    )
    html = f"<p>The poll “{escape(question)}” has closed. {answered}</p><ul>{items}</ul>"
    return plain, markdown.clean(html)


def post_results(poll_id: int, now: datetime | None = None) -> bool:
    """Claims the ended poll's results (UPDATE … WHERE results_posted_at IS NULL: once, whoever races) and adds
    them to Ideas in Action as a post from the team (featured polls only). Caller commits."""
    now = now or utcnow()
    claimed = db.session.execute(
        update(POLLS)
        .where(POLLS.c.id == poll_id, POLLS.c.results_posted_at.is_(None), polls.ended_condition(POLLS, now))
        .values(results_posted_at=now)
        .returning(POLLS.c.featured, POLLS.c.question, POLLS.c.multiple, POLLS.c.total_answers)
    ).first()
    if claimed is None:
        return False
    if not claimed.featured:
        return True  # a quiet poll: its results stay on its own page
    plain, html = _bodies(
        claimed.question, claimed.multiple, claimed.total_answers, _lines(poll_id, claimed.total_answers)
    )
    db.session.add(
        FeedItem(
            kind="post", poll_id=poll_id, title=_title(claimed.question), body=plain, body_html=html, created_at=now
        )
    )
    db.session.flush()
    return True


def sweep(now: datetime | None = None) -> int:
    """The worker's backstop every tick: ended polls whose results are not posted yet get them. Returns how many."""
    now = now or utcnow()
    due = db.session.scalars(
        select(Poll.id)
        .where(Poll.results_posted_at.is_(None), polls.ended_condition(POLLS, now))
        .order_by(Poll.id)
        .limit(SWEEP_BATCH)
    ).all()
    posted = 0
    for poll_id in due:
        posted += post_results(poll_id, now)
        db.session.commit()  # one poll at a time: its row lock is not held past its own results
    return posted
