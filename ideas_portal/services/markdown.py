"""Markdown for ideas and comments, rendered once on save and sanitised with nh3."""

from __future__ import annotations

import nh3
from markdown_it import MarkdownIt

_md = MarkdownIt("commonmark", {"html": False, "linkify": False}).enable("strikethrough")

ALLOWED_TAGS = {
    "p",
    "br",
    "strong",
    "em",
    "del",
    "s",
    "code",
    "pre",
    "blockquote",
    "ul",
    "ol",
    "li",
    "a",
    "h3",
    "h4",
    "h5",
    "h6",
    "hr",
}


def _demote_headings(html: str) -> str:
    """User headings must not compete with the page's own h1/h2."""
    for level in (1, 2):
        html = html.replace(f"<h{level}>", "<h3>").replace(f"</h{level}>", "</h3>")
    return html


def render(text: str) -> str:
    return clean(_demote_headings(_md.render(text or "")))


def clean(html: str) -> str:
    """The one sanitiser: rendered Markdown, and anything built on it afterwards (mention links), passes here."""
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes={"a": {"href", "title"}},
        allowed_classes={"a": {"mention"}},
        url_schemes={"http", "https", "mailto"},
        link_rel="nofollow ugc noopener noreferrer",
    )


_BREAKS = {"softbreak", "hardbreak"}


def to_text(text: str) -> str:
    """The words a reader of the Markdown sees, for places that show no markup: notifications and mail."""
    parts = []
    for token in _md.parse(text or ""):
        if token.type == "inline":
            parts.append(
                "".join(
                    " " if c.type in _BREAKS else c.content
                    for c in token.children or []
                    if c.type in _BREAKS or c.type in ("text", "code_inline", "image")
                )
            )
        elif token.type in ("fence", "code_block"):
            parts.append(token.content)
    return " ".join(" ".join(parts).split())
