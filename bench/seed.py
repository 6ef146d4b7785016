"""Bulk seeding with COPY: members, ideas with a long-tailed vote count, and one vote per (idea, member).

Counters and ranking scores are computed here with the app's own ranking functions and written with
the ideas, so `flask recount` afterwards must find nothing to correct: the seed proves itself.
"""

from __future__ import annotations

import random
import time
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

import psycopg

from ideas_portal.services.markdown import render
from ideas_portal.services.ranking import hot_score, wilson_lower_bound

PASSWORD = "bench-password-2026"
OWNER_EMAIL = "owner@bench.example.com"
SKEW = 0.7  # vote count ∝ rank^-SKEW: a few ideas with thousands of votes, a long tail with a handful
THINGS = [
    "oat milk",
    "the loyalty app",
    "reusable cups",
    "the drive-thru",
    "seasonal drinks",
    "mobile ordering",
    "store wifi",
    "pastries",
    "cold brew",
    "the rewards program",
    "decaf options",
    "gift cards",
]
PATTERNS = [
    "Bring back {t}",
    "Offer {t} in every store",
    "Make {t} cheaper for members",
    "Let us customise {t}",
    "Improve {t} at busy hours",
    "Make {t} more sustainable",
]
BODIES = [
    "I visit **three times a week** and this would make a real difference.\n\n- saves time\n- less waste",
    "Other shops already do this. It would be great to see it here too; my friends keep asking for it.",
    "Small change, big effect: it would make mornings *much* smoother for regulars like me.",
    "Please consider this for the next season. I'd happily pay a little extra for it.",
]


@dataclass
class Sizes:
    users: int
    ideas: int
    votes: int
    voters: int  # members without any seeded vote, who vote during the benchmark

    @property
    def members(self) -> int:
        return self.users - self.voters - 1


def pg_conninfo(sqlalchemy_url: str) -> str:
    return sqlalchemy_url.replace("postgresql+psycopg://", "postgresql://", 1)


def vote_counts(sizes: Sizes, rng: random.Random) -> list[int]:
    """Exactly `sizes.votes` votes over the ideas, long-tailed, none above the number of members."""
    ranks = list(range(1, sizes.ideas + 1))
    rng.shuffle(ranks)
    weights = [r**-SKEW for r in ranks]
    total = sum(weights)
    counts = [min(sizes.members, int(sizes.votes * w / total)) for w in weights]
    short = sizes.votes - sum(counts)
    order = sorted(range(sizes.ideas), key=lambda i: ranks[i])
    while short > 0:
        grew = False
        for i in order:
            if counts[i] < sizes.members:
                counts[i] += 1
                short -= 1
                grew = True
                if short == 0:
                    break
        if not grew:
            raise ValueError("more votes than ideas × members can hold")
    return counts


def seed(url: str, owner_id: int, sizes: Sizes, seed_value: int = 20261124) -> dict:
    """Writes the rows and returns seconds per step."""
    rng = random.Random(seed_value)
    timings: dict[str, float] = {}
    now = datetime.now(timezone.utc)
    with psycopg.connect(pg_conninfo(url), autocommit=True) as conn:
        pw_hash, status_id = conn.execute(
            "SELECT u.password_hash, s.id FROM users u, statuses s WHERE u.id = %s AND s.slug = 'new'", (owner_id,)
        ).fetchone()
        category_ids = [r[0] for r in conn.execute("SELECT id FROM categories ORDER BY id")]

        started = time.perf_counter()
        member_ids, voter_ids = _copy_users(conn, owner_id, pw_hash, sizes, now)
        timings["users"] = time.perf_counter() - started

        started = time.perf_counter()
        counts = vote_counts(sizes, rng)
        ideas, votes = plan_rows(rng, sizes, counts, member_ids, now)
        timings["plan"] = time.perf_counter() - started

        started = time.perf_counter()
        _copy_ideas(conn, ideas, status_id, category_ids)
        timings["ideas"] = time.perf_counter() - started

        started = time.perf_counter()
        with conn.cursor() as cur, cur.copy(f"COPY votes ({VOTE_COLUMNS}) FROM STDIN") as copy:
            for row in votes:
                copy.write_row(row)
        timings["votes"] = time.perf_counter() - started

        started = time.perf_counter()
        for table in ("users", "ideas", "votes"):
            conn.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))")
        conn.execute("VACUUM ANALYZE")
        timings["analyze"] = time.perf_counter() - started
    return {"timings": timings, "voter_ids": voter_ids, "member_ids": member_ids}


USER_COLUMNS = "id, email, name, password_hash, role, session_token, created_at"
IDEA_COLUMNS = (
    "id, title, body, body_html, author_id, category_id, status_id, upvotes, downvotes, score, "
    "wilson, hot, comment_count, created_at, updated_at"
)
VOTE_COLUMNS = "idea_id, user_id, value, created_at"


def member_email(user_id: int) -> str:
    return f"member{user_id}@bench.example.com"


def user_rows(owner_id: int, pw_hash: str, sizes: Sizes, now: datetime) -> tuple[list[tuple], list[int], list[int]]:
    """Everybody shares the owner's password hash: one scrypt, thousands of real logins."""
    member_ids = list(range(owner_id + 1, owner_id + 1 + sizes.members))
    first_voter = owner_id + 1 + sizes.members
    voter_ids = list(range(first_voter, first_voter + sizes.voters))
    people = [(uid, member_email(uid), f"Member {uid}") for uid in member_ids]
    people += [(uid, f"voter{n}@bench.example.com", f"Voter {n}") for n, uid in enumerate(voter_ids)]
    joined = now - timedelta(days=400)
    rows = [(uid, email, name, pw_hash, "member", f"{uid:032x}", joined) for uid, email, name in people]
    return rows, member_ids, voter_ids


def _copy_users(conn, owner_id: int, pw_hash: str, sizes: Sizes, now: datetime) -> tuple[list[int], list[int]]:
    rows, member_ids, voter_ids = user_rows(owner_id, pw_hash, sizes, now)
    with conn.cursor() as cur, cur.copy(f"COPY users ({USER_COLUMNS}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)
    return member_ids, voter_ids


def plan_rows(rng: random.Random, sizes: Sizes, counts: list[int], member_ids: list[int], now: datetime):
    """Idea rows with their final counters, and the vote rows that justify them."""
    ideas, votes = [], []
    year = 365 * 86400
    for i, n in enumerate(counts):
        idea_id = i + 1
        created = now - timedelta(seconds=rng.uniform(3600, year))
        age = (now - created).total_seconds()
        p_up = rng.uniform(0.35, 0.95)
        start = rng.randrange(len(member_ids))
        up = 0
        for j in range(n):
            value = 1 if rng.random() < p_up else -1
            up += value == 1
            votes.append(
                (
                    idea_id,
                    member_ids[(start + j) % len(member_ids)],
                    value,
                    created + timedelta(seconds=age * rng.random()),
                )
            )
        ideas.append((idea_id, created, up, n - up, rng.choice(member_ids)))
    return ideas, votes


def idea_rows(ideas: list, status_id: int, category_ids: list[int]):
    """The idea rows in IDEA_COLUMNS order, counters and ranking scores from the app's own functions."""
    rendered = [(body, render(body)) for body in BODIES]
    for idea_id, created, up, down, author_id in ideas:
        pattern, thing = PATTERNS[idea_id % len(PATTERNS)], THINGS[(idea_id // 7) % len(THINGS)]
        body, body_html = rendered[idea_id % len(rendered)]
        yield (
            idea_id,
            f"{pattern.format(t=thing)} (#{idea_id})",
            body,
            body_html,
            author_id,
            category_ids[idea_id % len(category_ids)],
            status_id,
            up,
            down,
            up - down,
            wilson_lower_bound(up, down),
            hot_score(up, down, created),
            0,
            created,
            created,
        )


def _copy_ideas(conn, ideas: list, status_id: int, category_ids: list[int]) -> None:
    with conn.cursor() as cur, cur.copy(f"COPY ideas ({IDEA_COLUMNS}) FROM STDIN") as copy:
        for row in idea_rows(ideas, status_id, category_ids):
            copy.write_row(row)
