"""The staff-managed list of idea categories."""

from __future__ import annotations

import re

from sqlalchemy import func, select

from .. import policy
from ..extensions import db
from ..models import Category, Idea
from . import lookup, text
from .exceptions import Conflict, InvalidInput


def slugify(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")[:40]


def _clean_name(name: str) -> str:
    name = " ".join(text.plain(name, "category name").split())
    if not 2 <= len(name) <= 60 or not slugify(name):
        raise InvalidInput("Category names need 2 to 60 characters, with letters or digits.")
    return name


def add(user, name: str) -> Category:
    policy.require(user, "categories.manage")
    name = _clean_name(name)
    category = Category(name=name, slug=slugify(name), position=lookup.next_position(Category.position))
    return lookup.add_named(category, f"A category called “{name}” exists already.")


def _get(category_id) -> Category:
    return lookup.found(Category, category_id, "There is no such category.")


def rename(user, category_id: int, name: str) -> Category:
    policy.require(user, "categories.manage")
    category = _get(category_id)
    category.name = _clean_name(name)  # the slug stays, so links keep working
    db.session.commit()
    return category


def remove(user, category_id: int) -> None:
    policy.require(user, "categories.manage")
    category = _get(category_id)
    in_use = db.session.scalar(select(func.count()).select_from(Idea).where(Idea.category_id == category_id))
    if in_use:
        raise Conflict(f"“{category.name}” is used by {in_use} ideas; rename it instead.")
    db.session.delete(category)
    db.session.commit()


def usage() -> dict[int, int]:
    rows = db.session.execute(select(Idea.category_id, func.count()).group_by(Idea.category_id))
    return {cid: n for cid, n in rows if cid is not None}
