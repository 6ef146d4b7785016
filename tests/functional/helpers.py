"""Small builders shared by the functional tests."""

from datetime import timedelta

from sqlalchemy import update

from ideas_portal.extensions import db
from ideas_portal.models import Idea
from ideas_portal.services import ideas, status_catalog


def make_idea(
    author,
    title="Offer oat milk in every store",
    body="Because many of us drink it.",
    category=None,
    age: timedelta | None = None,
    status: str | None = None,
):
    idea = ideas.create_idea(author, title, body, category)
    values = {}
    if age:
        values["created_at"] = idea.created_at - age
    if status:
        values["status_id"] = status_catalog.find_status(status).id
    if values:
        db.session.execute(update(Idea).where(Idea.id == idea.id).values(**values))
        db.session.commit()
        db.session.refresh(idea)
    return idea
