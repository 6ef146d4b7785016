"""@Display Name mentions: found in a comment's rendered text, linked to the member's profile, at most 10 a comment.

Names are neither unique nor one word, so each @ offers the run of words after it (up to the 60-character name
limit) and the longest run that is some current member's name wins; all candidates go to the database in one query.
Links are to /users/<id> (members.profile): a path CONTRACT.md fixes, written as such because the HTML is stored
at save time, when there may be no request to build a URL from.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field

from sqlalchemy import func, or_, select

from ..extensions import db
from ..models import User
from . import markdown, text

NAME_MAX = 60  # users.name
MAX_MENTIONS = 10  # members notified (and linked) per comment
MAX_ATS = 40  # @s looked at per comment: bounds the one query however many a body holds
SUGGEST_MAX = 8

_AT = re.compile(r"(?<![\w@])@(?=\w)")
_WORD = re.compile(r"[^ \t\n]+")
_TRAILING = ".,;:!?)]}'\"’”…"
_TAG = re.compile(r"(<[^>]*>)")
_SKIP = {"a", "code", "pre"}  # no mention inside a link or code


@dataclass
class Mentions:
    """The comment's HTML with mention links, and the members it mentions (first mentioned first)."""

    html: str
    user_ids: list[int] = field(default_factory=list)


def _prefixes(after: str) -> list[tuple[str, int]]:
    """Runs of words after an @ as (lower-cased name, length in `after`), shortest first, each also without
    trailing punctuation ("@Ana Silva, hi")."""
    runs: list[tuple[str, int]] = []
    line = after.split("\n", 1)[0]
    for word in _WORD.finditer(line):
        end = word.end()
        if end > NAME_MAX:
            break
        run = line[:end]
        runs.append((" ".join(run.split()).lower(), end))
        stripped = run.rstrip(_TRAILING + " \t")
        shorter = (" ".join(stripped.split()).lower(), len(stripped))
        if stripped and stripped != run and shorter not in runs:
            runs.append(shorter)
    return runs


def _texts(rendered: str) -> list[tuple[str, bool]]:
    """The HTML split into (piece, is_text_to_scan): tags, and text outside links and code."""
    pieces, depth = [], 0
    for piece in _TAG.split(rendered):
        if piece.startswith("<"):
            name = piece[1:].lstrip("/").split(None, 1)[0].rstrip(">/").lower() if len(piece) > 2 else ""
            if name in _SKIP:
                depth += -1 if piece.startswith("</") else 1
            pieces.append((piece, False))
        elif piece:
            pieces.append((piece, depth == 0))
    return pieces


def _members(keys: set[str], exact: set[str]) -> dict[str, list[int]]:
    """lower(name) -> ids of current (not deleted) members so named, in one query. A name is also looked up as
    typed: SQLite's lower() folds ASCII only, so "@Élise" finds "Élise" there too."""
    if not keys:
        return {}
    rows = db.session.execute(
        select(User.id, User.name)
        .where(User.deleted_at.is_(None), or_(func.lower(User.name).in_(sorted(keys)), User.name.in_(sorted(exact))))
        .order_by(User.id)
    )
    named: dict[str, list[int]] = {}
    for user_id, name in rows:
        named.setdefault(" ".join(name.split()).lower(), []).append(user_id)
    return named


def render(body: str) -> Mentions:
    """Markdown to sanitised HTML with each mention a link to /users/<id> (a shared name stays text)."""
    pieces = _texts(markdown.render(body))
    texts = [html.unescape(p) if scan else "" for p, scan in pieces]
    keys: set[str] = set()
    exact: set[str] = set()
    ats = 0
    for node in texts:
        for at in _AT.finditer(node):
            ats += 1
            if ats > MAX_ATS:
                break
            after = node[at.end() : at.end() + NAME_MAX + 1]
            for key, length in _prefixes(after):
                keys.add(key)
                exact.add(" ".join(after[:length].split()))
    named = _members(keys, exact)
    if not named:
        return Mentions("".join(p for p, _ in pieces))
    user_ids: list[int] = []
    out = []
    for (piece, scan), node in zip(pieces, texts, strict=True):
        if not scan or "@" not in node:
            out.append(piece)
            continue
        out.append(_linked(node, named, user_ids))
    return Mentions(markdown.clean("".join(out)), user_ids)


def _linked(node: str, named: dict[str, list[int]], user_ids: list[int]) -> str:
    """One text node, escaped again, with its mentions linked; appends whom it mentions to user_ids."""
    out, pos = [], 0
    for at in _AT.finditer(node):
        if at.start() < pos:
            continue
        runs = [(key, length) for key, length in _prefixes(node[at.end() : at.end() + NAME_MAX + 1]) if key in named]
        if not runs:
            continue
        key, length = max(runs, key=lambda run: run[1])
        ids = [i for i in named[key] if i not in user_ids]
        if len(user_ids) + len(ids) > MAX_MENTIONS:
            continue
        user_ids.extend(ids)
        end = at.end() + length
        out.append(html.escape(node[pos : at.start()], quote=False))
        mention = html.escape(node[at.start() : end], quote=False)
        only = named[key]
        out.append(f'<a class="mention" href="/users/{only[0]}">{mention}</a>' if len(only) == 1 else mention)
        pos = end
    out.append(html.escape(node[pos:], quote=False))
    return "".join(out)


def suggest(prefix: str) -> list[dict]:
    """Members whose name starts with `prefix` (case-insensitive), for the @ autocomplete."""
    prefix = text.plain(prefix, "name", multiline=False).strip()[:NAME_MAX]
    if not prefix:
        return []
    escaped = prefix.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    rows = db.session.execute(
        select(User.id, User.name)
        .where(User.deleted_at.is_(None), func.lower(User.name).like(escaped + "%", escape="\\"))
        .order_by(func.lower(User.name), User.id)
        .limit(SUGGEST_MAX)
    )
    return [{"id": user_id, "name": name} for user_id, name in rows]
