"""The benchmark's voters: their API tokens before the run, and the proof afterwards that no vote was lost."""

from __future__ import annotations

import http.client
import json
from concurrent.futures import ThreadPoolExecutor

import sqlalchemy

import database
from seed import PASSWORD
from servers import flask


def _token(port: int, email: str) -> str:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    try:
        conn.request(
            "POST",
            "/api/v1/tokens",
            json.dumps({"email": email, "password": PASSWORD}),
            {"Content-Type": "application/json"},
        )
        answer = conn.getresponse()
        body = answer.read()
        if answer.status != 201:
            raise RuntimeError(f"POST /api/v1/tokens for {email}: {answer.status} {body[:300]!r}")
        return json.loads(body)["token"]
    finally:
        conn.close()


def issue_tokens(port: int, emails: list[str]) -> list[str]:
    """Signs every voter in through the API, a few at a time (each sign-in is a deliberately slow scrypt)."""
    with ThreadPoolExecutor(8) as pool:
        return list(pool.map(lambda email: _token(port, email), emails))


def merged(outcomes: list[dict]) -> dict:
    """The vote counts of several voting scenarios together, as check_votes expects them."""
    statuses: dict[str, int] = {}
    for outcome in outcomes:
        for status, n in outcome["statuses"].items():
            statuses[status] = statuses.get(status, 0) + n
    return {"statuses": statuses, **{key: sum(o[key] for o in outcomes) for key in ("ok_up", "ok_down", "sent")}}


def check_votes(url: str, env: dict, voter_ids: list[int], outcome: dict) -> dict:
    """Every 200 answer is exactly one new row with the value sent; nothing else was written."""
    voters = sqlalchemy.bindparam("voters", voter_ids, expanding=True)
    with database.engine(url).connect() as conn:
        rows, ups, downs = conn.execute(
            sqlalchemy.text(
                "SELECT count(*), coalesce(sum(CASE WHEN value = 1 THEN 1 ELSE 0 END), 0), "
                "coalesce(sum(CASE WHEN value = -1 THEN 1 ELSE 0 END), 0) FROM votes WHERE user_id IN :voters"
            ).bindparams(voters)
        ).one()
        duplicates = conn.execute(
            sqlalchemy.text(
                "SELECT count(*) FROM (SELECT 1 FROM votes GROUP BY idea_id, user_id HAVING count(*) > 1) d"
            )
        ).scalar()
    corrections = database.corrections(flask(env, "recount"))
    expected = outcome["ok_up"] + outcome["ok_down"]
    unanswered = outcome["sent"] - sum(outcome["statuses"].values())
    check = {
        "ok_responses": expected,
        "rows": rows,
        "lost": max(0, expected - rows),
        "unexpected": max(0, rows - expected),
        "value_mismatches": abs(ups - outcome["ok_up"]) + abs(downs - outcome["ok_down"]),
        "duplicates": duplicates,
        "non_200": sum(n for status, n in outcome["statuses"].items() if status != "200"),
        "unanswered": unanswered,
        "recount_corrections": corrections,
    }
    check["passed"] = (
        rows == expected
        and check["value_mismatches"] == 0
        and duplicates == 0
        and check["non_200"] == 0
        and unanswered == 0
        and corrections == 0
    )
    return check
