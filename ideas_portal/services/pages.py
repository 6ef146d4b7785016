"""Staff-editable pages such as the community guidelines (seeded by migration 0002)."""

from __future__ import annotations

from .. import policy
from ..extensions import db
from ..models import SitePage
from ..models.types import utcnow
from . import markdown, text
from .audit import record
from .exceptions import InvalidInput, NotFound

GUIDELINES = "guidelines"
TITLE_MAX, BODY_MAX, SUMMARY_MAX = 120, 20_000, 500


def get_page(slug: str = GUIDELINES) -> SitePage:
    page = db.session.get(SitePage, slug)
    if page is None:
        raise NotFound("We could not find that page.")
    return page


def edit_page(actor, slug: str, title: str, body: str, summary: str = "") -> SitePage:
    policy.require(actor, "pages.edit")
    page = get_page(slug)
    title = " ".join(text.plain(title, "title", multiline=False).split())
    body = text.plain(body, "text").strip()
    summary = text.plain(summary, "summary").strip()
    if not 2 <= len(title) <= TITLE_MAX:
        raise InvalidInput(f"The title needs 2 to {TITLE_MAX} characters.")
    if not body or len(body) > BODY_MAX:
        raise InvalidInput(f"The page needs some text (at most {BODY_MAX:,} characters).")
    if len(summary) > SUMMARY_MAX:
        raise InvalidInput(f"The summary is limited to {SUMMARY_MAX} characters.")
    page.title, page.body, page.body_html = title, body, markdown.render(body)
    page.updated_at, page.updated_by_id = utcnow(), actor.id
    record(actor, "edit_page", "page", 0, summary)  # one editable page so far: the guidelines
    db.session.commit()
    return page
