"""Polls staff put to members: set-up, the window that decides when answers are taken, and what a caller sees."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timezone

from sqlalchemy import or_, select

from ... import policy
from ...extensions import db
from ...models import Poll, PollOption
from ...models.polls import RESULTS_SHOWN
from ...models.types import utcnow
from .. import lookup, pagination, text
from ..exceptions import InvalidInput, NotFound

QUESTION_MAX, OPTION_MAX = 300, 200
MIN_OPTIONS, MAX_OPTIONS = 2, 10
STATES = ("open", "closed")


@dataclass
class PollInput:
    """What staff may set on a poll; `_checked` holds it to the rules however it came (API or form)."""

    question: str
    options: list[str]
    multiple: bool = False
    opens_at: datetime | None = None  # None: now
    closes_at: datetime | None = None  # None: open until staff close it
    results_shown: str = "after_vote"
    featured: bool = True


def _utc(value: datetime, name: str) -> datetime:
    if value.tzinfo is None:
        value = value.replace(tzinfo=timezone.utc)  # a time without a zone is the server's clock: UTC
    if not 2000 <= value.year <= 2200:
        raise InvalidInput(f"{name} must be between the years 2000 and 2200.")
    return value.astimezone(timezone.utc)


def _checked(data: PollInput, now: datetime) -> PollInput:
    """Plain one-line text within its lengths, 2 to 10 distinct options, and a window that ends in the future."""
    question = text.plain(data.question, "question", multiline=False)
    data.question = " ".join(question.split())
    if not 3 <= len(data.question) <= QUESTION_MAX:
        raise InvalidInput(f"The question needs 3 to {QUESTION_MAX} characters.")
    if not isinstance(data.options, list):
        raise InvalidInput("options must be a list of texts.")
    options = [" ".join(text.plain(o, "option", multiline=False).split()) for o in data.options]
    if not MIN_OPTIONS <= len(options) <= MAX_OPTIONS:
        raise InvalidInput(f"A poll has {MIN_OPTIONS} to {MAX_OPTIONS} options.")
    if not all(options):
        raise InvalidInput("An option cannot be empty.")
    if any(len(o) > OPTION_MAX for o in options):
        raise InvalidInput(f"An option is limited to {OPTION_MAX} characters.")
    if len({o.casefold() for o in options}) != len(options):
        raise InvalidInput("Each option must be different from the others.")
    data.options = options
    if type(data.multiple) is not bool or type(data.featured) is not bool:
        raise InvalidInput("multiple and featured must be true or false.")
    if data.results_shown not in RESULTS_SHOWN:
        raise InvalidInput("results_shown must be after_vote or after_close.")
    data.opens_at = now if data.opens_at is None else _utc(data.opens_at, "opens_at")
    if data.closes_at is not None:
        data.closes_at = _utc(data.closes_at, "closes_at")
        if data.closes_at <= now:
            raise InvalidInput("closes_at must be in the future.")
        if data.closes_at <= data.opens_at:
            raise InvalidInput("closes_at must come after opens_at.")
    return data


def create(author, data: PollInput) -> Poll:
    """A new poll with its options in the order given. Commits."""
    policy.require(author, "polls.manage")
    now = utcnow()
    data = _checked(data, now)
    poll = Poll(
        question=data.question,
        multiple=data.multiple,
        results_shown=data.results_shown,
        opens_at=data.opens_at,
        closes_at=data.closes_at,
        featured=data.featured,
        author_id=author.id,
        created_at=now,
        options=[PollOption(position=n, text=t) for n, t in enumerate(data.options, start=1)],
    )
    db.session.add(poll)
    db.session.commit()
    return poll


def get(poll_id) -> Poll:
    poll = lookup.row(Poll, poll_id)
    if poll is None:
        raise NotFound("There is no poll with that number.")
    return poll


def is_open(poll: Poll, now: datetime | None = None) -> bool:
    now = now or utcnow()
    return poll.closed_at is None and poll.opens_at <= now and (poll.closes_at is None or now < poll.closes_at)


def state(poll: Poll, now: datetime | None = None) -> str:
    """open, or closed (not open yet, past its closing time, or closed early by staff)."""
    return "open" if is_open(poll, now) else "closed"


def has_ended(poll: Poll, now: datetime | None = None) -> bool:
    """Closed for good (not merely not open yet): its results are final."""
    now = now or utcnow()
    return poll.closed_at is not None or (poll.closes_at is not None and poll.closes_at <= now)


def open_condition(poll_table, now: datetime):
    """The SQL form of is_open, for conditional UPDATEs and listings."""
    return (
        poll_table.c.closed_at.is_(None)
        & (poll_table.c.opens_at <= now)
        & or_(poll_table.c.closes_at.is_(None), poll_table.c.closes_at > now)
    )


def ended_condition(poll_table, now: datetime):
    """has_ended in SQL, never NULL (so its negation is exact too)."""
    return poll_table.c.closed_at.isnot(None) | (poll_table.c.closes_at.isnot(None) & (poll_table.c.closes_at <= now))


def open_polls(limit: int = 5, now: datetime | None = None) -> list[Poll]:
    """Featured polls members can answer now, newest first (the home page, the feed, the weekly digest)."""
    now = now or utcnow()
    table = Poll.__table__
    return list(
        db.session.scalars(
            select(Poll)
            .where(open_condition(table, now), Poll.featured.is_(True))
            .order_by(Poll.id.desc())
            .limit(limit)
        )
    )


def listing(which: str, limit: int = 20, cursor: str | None = None, now: datetime | None = None) -> pagination.Page:
    """Open or closed polls (closed: ended, or not open yet), newest first, keyset-paged by id."""
    if which not in STATES:
        raise InvalidInput("state must be open or closed.")
    now = now or utcnow()
    condition = open_condition(Poll.__table__, now)
    stmt = select(Poll).where(condition if which == "open" else ~condition)
    return pagination.keyset(stmt, Poll.id, cursor=cursor, limit=limit)


@dataclass
class OptionView:
    id: int
    text: str
    votes: int | None  # None while the caller may not see the results
    share: float | None  # 0..100: the part of counted answers that chose it


@dataclass
class PollView:
    """A poll as one caller sees it: the one shape the page, the boxes and the API are made from."""

    poll: Poll
    state: str
    my_answer: list[int] | None
    my_answer_held: bool | None
    results_visible: bool
    ended: bool  # closed for good (a poll not open yet is "closed" too, but not ended)
    options: list[OptionView] = field(default_factory=list)

    @property
    def ended_at(self) -> datetime | None:
        return (self.poll.closed_at or self.poll.closes_at) if self.ended else None

    def __getattr__(self, name):
        return getattr(self.poll, name)


def results_visible(poll: Poll, user, answered: bool, now: datetime | None = None) -> bool:
    """Staff always; everyone once it has ended; with after_vote, a member who answered."""
    if policy.allows(user, "polls.manage") or has_ended(poll, now):
        return True
    return poll.results_shown == "after_vote" and answered


def view(poll: Poll, user, mine: tuple[list[int], bool] | None, now: datetime | None = None) -> PollView:
    """`mine` is the caller's (option ids, held) or None (answers.mine reads it)."""
    now = now or utcnow()
    visible = results_visible(poll, user, mine is not None, now)
    total = poll.total_answers  # of the members who answered: a multiple-choice poll's shares add up past 100
    return PollView(
        poll=poll,
        state=state(poll, now),
        my_answer=mine[0] if mine else None,
        my_answer_held=mine[1] if mine else None,
        results_visible=visible,
        ended=has_ended(poll, now),
        options=[
            OptionView(
                id=o.id,
                text=o.text,
                votes=o.votes if visible else None,
                share=(100.0 * o.votes / total if total else 0.0) if visible else None,
            )
            for o in poll.options
        ],
    )
