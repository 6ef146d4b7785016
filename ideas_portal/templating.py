"""Every template global, filter and context value, registered in one place."""

from __future__ import annotations

from datetime import datetime, timezone

from flask import Flask, request, url_for
from flask_login import current_user
from flask_wtf.csrf import generate_csrf
from markupsafe import Markup, escape

from . import policy
from .fragments import FRAGMENTS
from .hosts import absolute_url
from .services import badges, moderation, profile, text
from .services.markdown import to_text
from .services.notifications import unread_count
from .storage import media_url


def timeago(value: datetime | None) -> str:
    if value is None:
        return ""
    seconds = int((datetime.now(timezone.utc) - value).total_seconds())
    for unit, size in (
        ("year", 31536000),
        ("month", 2592000),
        ("week", 604800),
        ("day", 86400),
        ("hour", 3600),
        ("minute", 60),
    ):
        if seconds >= size:
            n = seconds // size
            return f"{n} {unit}{'s' if n != 1 else ''} ago"
    return "just now"


def plural(n: int, word: str) -> str:
    return f"{n:,} {word}{'' if n == 1 else 's'}"


def idea_flags(idea):
    """Open flags on the idea page and the viewer's own, fetched once per request."""
    cache = request.environ.setdefault("ideas_portal.idea_flags", {})
    if idea.id not in cache:
        cache[idea.id] = moderation.idea_flags(idea, current_user)
    return cache[idea.id]


def idea_card_key(idea, show_share: bool) -> tuple:
    """Everything an idea card's body shows (ui.html idea_card), and the site root its links start from."""
    author, status, category = idea.author, idea.status, idea.category
    return (
        "idea-card",
        request.script_root,
        idea.id,
        idea.title,
        status.name,
        status.colour,
        (category.slug, category.name) if category else None,
        (author.id, author.name, author.role, author.deleted_at is not None, author.badge_slugs),
        idea.created_at,
        timeago(idea.created_at),
        idea.comment_count,
        (idea.upvotes, idea.downvotes) if show_share else None,
    )


_VOTE_BUTTONS = ((1, "up", "▲"), (-1, "down", "▼"))


def vote_box(idea, my_vote: int | None = None, compact: bool = False) -> Markup:
    """An idea's vote box: for members a form per button (CSRF token, "my vote" pressed), for visitors plain
    sign-in links (no form, no token, no session, so their lists can be cached). Drawn in Python rather than as a
    Jinja macro: every card on every signed-in page has one, and the macro was a sixth of the list page's time."""
    title = escape(idea.title)
    score = (
        f'<span class="vote-score" title="{idea.upvotes} up, {idea.downvotes} down">'
        f'<span class="visually-hidden">Score </span>'
    )
    parts = [f'<div class="vote-box{" compact" if compact else ""}" data-vote-box="{idea.id}">']
    if not current_user.is_authenticated and idea.status.is_closed:  # nobody votes: no sign-in link
        parts += [
            f'<button type="button" class="vote {word}" disabled aria-label="Voting is closed: {title}">'
            f"{arrow}</button>" + (f"{score}{idea.score}</span>" if value == 1 else "")
            for value, word, arrow in _VOTE_BUTTONS
        ]
    elif not current_user.is_authenticated:
        login = escape(url_for("auth.login", next=url_for("ideas.show", idea_id=idea.id)))
        parts += [
            f'<a class="vote up" href="{login}" aria-label="Sign in to vote up: {title}">▲</a>',
            f"{score}{idea.score}</span>",
            f'<a class="vote down" href="{login}" aria-label="Sign in to vote down: {title}">▼</a>',
        ]
    else:
        form = (
            f'<form method="post" action="{escape(url_for("ideas.vote", idea_id=idea.id))}" data-vote-form>'
            f'<input type="hidden" name="csrf_token" value="{escape(generate_csrf())}">'
        )
        back = f'<input type="hidden" name="next" value="{escape(request.full_path)}">'
        disabled = " disabled" if idea.status.is_closed else ""
        for value, word, arrow in _VOTE_BUTTONS:
            pressed = my_vote == value
            parts.append(
                f'{form}<input type="hidden" name="value" value="{value}">{back}'
                f'<button type="submit" class="vote {word}{" active" if pressed else ""}"'
                f' aria-pressed="{"true" if pressed else "false"}"{disabled} aria-label="Vote {word}: {title}">'
                f"{arrow}</button></form>"
            )
            if value == 1:
                parts.append(f"{score}<span data-vote-score>{idea.score}</span></span>")
    parts.append("</div>")
    return Markup("".join(parts))


def init_app(app: Flask) -> None:
    app.jinja_env.filters["timeago"] = timeago
    app.jinja_env.filters["iso"] = lambda v: v.astimezone(timezone.utc).isoformat(timespec="seconds") if v else ""
    app.jinja_env.filters["markdown_text"] = to_text  # notices stored before they were kept as plain text
    app.jinja_env.globals["plural"] = plural
    app.jinja_env.filters["printable"] = text.printable
    app.jinja_env.globals["media_url"] = media_url
    app.jinja_env.globals["avatar_url"] = profile.avatar_url  # the avatar() macro's picture, or None
    app.jinja_env.globals["absolute_url"] = absolute_url
    app.jinja_env.globals["idea_flags"] = idea_flags
    app.jinja_env.globals["badges_beside"] = badges.beside_name  # member_link()'s symbols, from the cached slugs
    app.jinja_env.globals["vote_box"] = vote_box
    app.jinja_env.globals["idea_card_key"] = idea_card_key
    app.jinja_env.globals["fragment"] = FRAGMENTS.get  # a kept fragment, or None
    app.jinja_env.globals["keep_fragment"] = FRAGMENTS.keep
    app.jinja_env.globals["can"] = policy.can  # {% if can("idea.change_status") %}
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True

    @app.context_processor
    def _site():
        return {"site_name": app.config["SITE_NAME"], "unread_notifications": lambda: unread_count(current_user)}
