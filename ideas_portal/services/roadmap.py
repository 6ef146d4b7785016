"""The public roadmap: what the team is working on, one column per open status after the first, and what launched.

The columns come from the status catalog, so a status an admin adds, renames, reorders or closes moves the board
with it. Launched is found by its slug, which a rename never changes (notifications and badges know it the same way).
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select

from ..extensions import db
from ..models import Idea, Status
from . import status_catalog

LAUNCHED = "launched"
COLUMN_LIMIT = 20


@dataclass(frozen=True)
class Column:
    status: Status
    count: int
    ideas: list[Idea]
    recently_launched: bool = False  # latest first instead of highest score first


def _listed():
    """As browsing shows them: not hidden, not withdrawn, and not folded into another idea."""
    return (Idea.hidden_at.is_(None), Idea.withdrawn_at.is_(None), Idea.merged_into_id.is_(None))


def _column(status: Status, order, limit: int, recently_launched: bool = False) -> Column:
    where = (Idea.status_id == status.id, *_listed())
    count = db.session.scalar(select(func.count()).select_from(Idea).where(*where)) or 0
    ideas = list(db.session.scalars(select(Idea).where(*where).order_by(*order).limit(limit)).unique())
    return Column(status, int(count), ideas, recently_launched)


def board(limit: int = COLUMN_LIMIT) -> list[Column]:
    """The open statuses in workflow order (not the initial one, where every idea starts), then Recently launched."""
    statuses = status_catalog.statuses()
    initial = statuses[0] if statuses else None
    columns = [
        _column(s, (Idea.score.desc(), Idea.id.desc()), limit) for s in statuses if not s.is_closed and s is not initial
    ]
    launched = next((s for s in statuses if s.slug == LAUNCHED), None)
    if launched is not None:
        latest = (Idea.status_changed_at.desc().nulls_last(), Idea.id.desc())
        columns.append(_column(launched, latest, limit, recently_launched=True))
    return columns
