"""Full-text search: FTS5 on SQLite, a tsvector column with a GIN index on PostgreSQL."""

from __future__ import annotations

import re

from sqlalchemy import bindparam, text

from ..extensions import db

_WORD = re.compile(r"[^\W_]+", re.UNICODE)  # letters and digits: safe inside FTS5 and tsquery syntax
STOPWORDS = frozenset(
    "a an and are as at be but by can for from have i in is it make more of on or please should "
    "the that this to we when with would you your add allow get new let use".split()
)


def words(q: str, *, drop_stopwords: bool = False) -> list[str]:
    found = [w.lower() for w in _WORD.findall(q or "") if len(w) <= 40]
    if drop_stopwords:
        found = [w for w in found if len(w) >= 3 and w not in STOPWORDS]
    return list(dict.fromkeys(found))[:12]


def _dialect() -> str:
    return db.session.get_bind().dialect.name


def _sqlite_query(terms: list[str], any_term: bool) -> str:
    quoted = [f'"{t}"' for t in terms]
    if not any_term:
        quoted[-1] += "*"  # the last word may still be being typed
    return (" OR " if any_term else " ").join(quoted)


def _pg_query(terms: list[str], any_term: bool) -> str:
    if any_term:
        return " | ".join(terms)
    return " & ".join(terms[:-1] + [terms[-1] + ":*"])


def matching_ids(q: str, *, any_term: bool = False, limit: int | None = None):
    """A selectable of idea ids matching q, best first; None when q holds no searchable word."""
    terms = words(q, drop_stopwords=any_term)
    if not terms:
        return None
    if _dialect() == "sqlite":
        sql = "SELECT rowid AS id FROM ideas_fts WHERE ideas_fts MATCH :fts ORDER BY bm25(ideas_fts, 4.0, 1.0)"
        fts = _sqlite_query(terms, any_term)
    else:
        sql = (
            "SELECT id FROM ideas, to_tsquery('english', :fts) AS query "
            "WHERE search_vector @@ query ORDER BY ts_rank(search_vector, query) DESC"
        )
        fts = _pg_query(terms, any_term)
    if limit:
        sql += f" LIMIT {int(limit)}"
    return text(sql).bindparams(bindparam("fts", fts)).columns(id=db.Integer)
