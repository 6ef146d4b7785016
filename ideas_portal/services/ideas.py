"""Submitting, editing, withdrawing, finding and browsing ideas."""

from __future__ import annotations

from datetime import timedelta

from flask import current_app
from sqlalchemy import bindparam, select

from .. import policy
from ..extensions import db
from ..models import Category, Idea, User, Vote
from ..models.types import is_id, utcnow
from . import lookup, markdown, pagination, rewards, search, status_catalog, text, voting
from .exceptions import Conflict, InvalidInput

TITLE_MIN, TITLE_MAX = 5, 120
BODY_MAX = 10_000
SORTS = {
    "hot": Idea.hot,
    "top": Idea.wilson,
    "new": Idea.created_at,
    "discussed": Idea.comment_count,
}


def _clean_title(title: str) -> str:
    title = " ".join(text.plain(title, "title", multiline=False).split())
    if not TITLE_MIN <= len(title) <= TITLE_MAX:
        raise InvalidInput(f"The title needs {TITLE_MIN} to {TITLE_MAX} characters (it has {len(title)}).")
    return title


def _clean_body(body: str) -> str:
    body = text.plain(body, "description").strip()
    if not body:
        raise InvalidInput("Describe your idea in a few words.")
    if len(body) > BODY_MAX:
        raise InvalidInput(f"The description is limited to {BODY_MAX:,} characters.")
    return body


def categories() -> list[Category]:
    return list(db.session.scalars(select(Category).order_by(Category.position, Category.name)))


def find_category(value) -> Category | None:
    """Accepts a slug, a name or an id, as forms and API clients send them; no value is no category."""
    if value in (None, ""):
        return None
    return category_named(value)


def category_named(value) -> Category:
    """The category a filter or form value names; an unknown one is invalid input, never silently none."""
    if is_id(value):
        found = db.session.get(Category, value)
    elif isinstance(value, str):
        v = value.strip().lower()
        found = next((c for c in categories() if v in (c.slug, c.name.lower(), str(c.id))), None)
    else:
        found = None
    if found is None:
        names = ", ".join(c.slug for c in categories())
        raise InvalidInput(f"Unknown category. Choose one of: {names}.")
    return found


def create_idea(author: User, title: str, body: str, category=None) -> Idea:
    policy.require(author, "community.take_part")
    now = utcnow()
    idea = Idea(
        title=_clean_title(title),
        body=_clean_body(body),
        author_id=author.id,
        category=find_category(category),
        status=status_catalog.initial_status(),
        created_at=now,
        updated_at=now,
    )
    idea.body_html = markdown.render(idea.body)
    db.session.add(idea)
    db.session.flush()
    voting.first_vote(author, idea.id)
    rewards.award(author.id, "idea", f"idea:{idea.id}", idea_id=idea.id)
    rewards.mark_active(author.id)
    db.session.commit()
    return idea


def can_edit(idea: Idea, user) -> bool:
    if not policy.allows(user, "idea.edit", idea) or idea.withdrawn_at:
        return False
    window = timedelta(minutes=current_app.config["EDIT_WINDOW_MINUTES"])
    return utcnow() - idea.created_at <= window


def edit_idea(user: User, idea_id: int, title: str, body: str, category=None) -> Idea:
    policy.require(user, "community.take_part")
    idea = lookup.idea(idea_id)
    policy.require(user, "idea.edit", idea)
    if not can_edit(idea, user):
        raise Conflict(f"Ideas can be edited for {current_app.config['EDIT_WINDOW_MINUTES']} minutes after posting.")
    idea.title = _clean_title(title)
    idea.body = _clean_body(body)
    idea.body_html = markdown.render(idea.body)
    idea.category = find_category(category)
    idea.updated_at = utcnow()
    db.session.commit()
    return idea


def withdraw_idea(user: User, idea_id: int) -> Idea:
    idea = lookup.idea(idea_id)
    policy.require(user, "idea.withdraw", idea)
    if idea.withdrawn_at is None:
        idea.withdrawn_at = utcnow()
        db.session.commit()
    return idea


def browse(
    sort: str = "hot",
    status: str | None = None,
    category: str | None = None,
    q: str | None = None,
    limit: int = 20,
    cursor: str | None = None,
) -> pagination.Page:
    if sort not in SORTS:
        raise InvalidInput(f"sort must be one of: {', '.join(SORTS)}.")
    column = SORTS[sort]
    stmt = select(Idea).where(Idea.withdrawn_at.is_(None), Idea.hidden_at.is_(None))
    if status:
        stmt = stmt.where(Idea.status_id == status_catalog.find_status(status).id)
    if category:
        stmt = stmt.where(Idea.category_id == category_named(category).id)
    if q and text.plain(q, "search", multiline=False).strip():  # control characters: a 400, never echoed back
        matches = search.matching_ids(q)
        if matches is None:
            return pagination.Page([], None)
        stmt = stmt.where(Idea.id.in_(select(matches.subquery().c.id)))
    return pagination.keyset(stmt, Idea.id, cursor=cursor, limit=limit, sort_column=column, as_datetime=(sort == "new"))


def _listed(ids) -> dict[int, Idea]:
    return {
        i.id: i
        for i in db.session.scalars(
            select(Idea).where(Idea.id.in_(ids), Idea.withdrawn_at.is_(None), Idea.hidden_at.is_(None))
        ).unique()
    }


def similar(q: str, limit: int = 5) -> list[Idea]:
    """Likely duplicates of a draft, each one an idea that still takes votes: a merged idea gives its target."""
    matches = search.matching_ids(q, any_term=True, limit=limit * 3)
    if matches is None:
        return []
    ids = [row.id for row in db.session.execute(matches)]
    found = _listed(ids)
    for _ in range(3):  # merges can chain (A into B, later B into C); follow a few hops
        missing = {i.merged_into_id for i in found.values() if i.merged_into_id and i.merged_into_id not in found}
        if not missing:
            break
        found.update(_listed(missing))
    result: list[Idea] = []
    for idea_id in ids:
        idea = found.get(idea_id)
        for _ in range(4):
            if idea is None or not idea.merged_into_id:
                break
            idea = found.get(idea.merged_into_id)
        if idea is not None and not idea.merged_into_id and idea.status.slug != "duplicate" and idea not in result:
            result.append(idea)
    return result[:limit]


# Built once: a list page asks on every signed-in request, and building the IN list anew cost more than the query.
_MY_VOTES = select(Vote.__table__.c.idea_id, Vote.__table__.c.value).where(
    Vote.__table__.c.user_id == bindparam("user_id"), Vote.__table__.c.idea_id.in_(bindparam("ids", expanding=True))
)


def my_votes(user, ideas: list[Idea]) -> dict[int, int]:
    """The caller's vote on each listed idea, fetched in one query."""
    if not user or not getattr(user, "is_authenticated", False) or not ideas:
        return {}
    rows = db.session.execute(_MY_VOTES, {"user_id": user.id, "ids": [i.id for i in ideas]})
    return {idea_id: value for idea_id, value in rows}
