"""The Ideas in Action feed: status changes and staff posts, as HTML, JSON and Atom."""

from __future__ import annotations

from feedgen.feed import FeedGenerator
from sqlalchemy import select

from .. import policy
from ..extensions import db
from ..models import FEED_KINDS, FeedItem, Idea, Post, post_ideas
from ..storage import storage
from . import ideas, images, lookup, markdown, pagination, status_catalog, text
from .exceptions import InvalidInput


def page(
    kind: str | None = None,
    status: str | None = None,
    category: str | None = None,
    idea_id: int | None = None,
    limit: int = 20,
    cursor: str | None = None,
) -> pagination.Page:
    stmt = select(FeedItem)
    if kind:
        if kind not in FEED_KINDS:
            raise InvalidInput(f"kind must be one of: {', '.join(FEED_KINDS)}.")
        stmt = stmt.where(FeedItem.kind == kind)
    if status:
        stmt = stmt.where(FeedItem.status_id == status_catalog.find_status(status).id)
    if category:
        stmt = stmt.where(FeedItem.category_id == ideas.category_named(category).id)
    if idea_id is not None:
        stmt = stmt.where(FeedItem.idea_id == idea_id)
    stmt = stmt.where(
        (FeedItem.idea_id.is_(None)) | FeedItem.idea_id.in_(select(Idea.id).where(Idea.hidden_at.is_(None)))
    )
    return pagination.keyset(stmt, FeedItem.id, cursor=cursor, limit=limit)


def create_post(author, title: str, body: str, photo=None, idea_ids: list[int] | None = None) -> Post:
    policy.require(author, "feed.post")
    title = " ".join(text.plain(title, "title", multiline=False).split())
    body = text.plain(body, "post").strip()
    if not 3 <= len(title) <= 160:
        raise InvalidInput("A post title needs 3 to 160 characters.")
    if not body:
        raise InvalidInput("Write something for the post.")
    linked = []
    for idea_id in idea_ids or []:
        if lookup.row(Idea, idea_id) is None:
            raise InvalidInput(f"There is no idea #{idea_id} to link.")
        linked.append(idea_id)
    photo_key = storage().save(images.normalise(photo), ".webp", "posts") if photo else None
    post = Post(title=title, body=body, body_html=markdown.render(body), photo_key=photo_key, author_id=author.id)
    db.session.add(post)
    db.session.flush()
    for idea_id in dict.fromkeys(linked):
        db.session.execute(post_ideas.insert().values(post_id=post.id, idea_id=idea_id))
    db.session.add(
        FeedItem(
            kind="post",
            post_id=post.id,
            idea_id=linked[0] if linked else None,
            title=title,
            body=body,
            body_html=post.body_html,
            created_at=post.created_at,
        )
    )
    db.session.commit()
    return post


def linked_ideas(post_ids: list[int]) -> dict[int, list[Idea]]:
    if not post_ids:
        return {}
    rows = db.session.execute(
        select(post_ideas.c.post_id, Idea)
        .join(Idea, Idea.id == post_ideas.c.idea_id)
        .where(post_ideas.c.post_id.in_(post_ids))
        .order_by(Idea.id)
    ).unique()
    found: dict[int, list[Idea]] = {}
    for post_id, idea in rows:
        found.setdefault(post_id, []).append(idea)
    return found


def atom(items: list[FeedItem], *, title: str, site_url: str, self_url: str, item_url) -> bytes:
    fg = FeedGenerator()
    fg.id(self_url)
    fg.title(title)
    fg.subtitle("What we did with our customers' ideas")
    fg.link(href=site_url, rel="alternate")
    fg.link(href=self_url, rel="self")
    fg.language("en")
    if items:
        fg.updated(items[0].created_at)
    for item in reversed(items):  # feedgen prepends: add oldest first so the newest is on top
        entry = fg.add_entry()
        url = item_url(item)
        entry.id(f"{site_url.rstrip('/')}/feed-items/{item.id}")
        entry.title(item.title)
        entry.link(href=url, rel="alternate")
        entry.published(item.created_at)
        entry.updated(item.created_at)
        entry.author({"name": "Ideas Portal team"})
        if item.status:
            entry.category(term=item.status.slug, label=item.status.name)
        entry.content(item.body_html, type="html")
    return fg.atom_str(pretty=True)
