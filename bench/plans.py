"""Where an app request spends its time: the SQL it sends, timed in-process, and EXPLAIN ANALYZE of each.

Run by run.py after the load (it casts real votes as the owner), with the app's environment; prints a
short summary and writes every plan to results/plans.txt.
"""

from __future__ import annotations

import json
import statistics
import sys
import time
from pathlib import Path

from sqlalchemy import event, text

from ideas_portal import create_app
from ideas_portal.extensions import db
from seed import OWNER_EMAIL, PASSWORD

REPEAT = 40
PLANS = Path(__file__).resolve().parent / "results" / "plans.txt"


class Recorder:
    """Every statement the app sends, with its parameters and the time until the driver returned."""

    def __init__(self, engine):
        self.statements: list[tuple[str, object, float]] = []
        event.listen(engine, "before_cursor_execute", self._before)
        event.listen(engine, "after_cursor_execute", self._after)

    def _before(self, conn, cursor, statement, parameters, context, executemany):
        conn.info["bench_started"] = time.perf_counter()

    def _after(self, conn, cursor, statement, parameters, context, executemany):
        self.statements.append((statement, parameters, time.perf_counter() - conn.info.pop("bench_started")))


def measure(client, recorder: Recorder, send) -> dict:
    """Runs `send(i)` REPEAT times after a short warm-up; returns timings of the whole request and its SQL."""
    for i in range(5):
        send(i)
    walls, db_times, counts = [], [], []
    for i in range(5, 5 + REPEAT):
        recorder.statements.clear()
        started = time.perf_counter()
        status = send(i)
        walls.append(time.perf_counter() - started)
        if status != 200:
            raise RuntimeError(f"probe answered {status}")
        db_times.append(sum(s[2] for s in recorder.statements))
        counts.append(len(recorder.statements))
    return {
        "request_ms": statistics.median(walls) * 1000,
        "sql_ms": statistics.median(db_times) * 1000,
        "statements": max(counts),
        "last": list(recorder.statements),
    }


def explain(statements: list, cleanup: str | None = None) -> list[str]:
    """Replays the statements under EXPLAIN ANALYZE in one transaction that is rolled back."""
    out = []
    with db.engine.connect() as conn:
        trans = conn.begin()
        if cleanup:
            conn.execute(text(cleanup))
        for statement, parameters, _ in statements:
            if not statement.lstrip().upper().startswith(("SELECT", "INSERT", "UPDATE", "DELETE")):
                continue
            plan = conn.exec_driver_sql("EXPLAIN (ANALYZE, BUFFERS) " + statement, parameters).scalars().all()
            out.append(statement.strip() + "\n  params: " + repr(parameters) + "\n" + "\n".join(plan))
        trans.rollback()
    return out


def main() -> None:
    app = create_app()
    client = app.test_client()
    with app.app_context():
        recorder = Recorder(db.engine)
        idea_ids = [
            r[0]
            for r in db.session.execute(
                text(
                    "SELECT id FROM ideas WHERE NOT EXISTS (SELECT 1 FROM votes v JOIN users u ON u.id = v.user_id "
                    "WHERE v.idea_id = ideas.id AND u.email = :e) ORDER BY hot DESC LIMIT 100"
                ),
                {"e": OWNER_EMAIL},
            )
        ]
        owner_id = db.session.execute(text("SELECT id FROM users WHERE email = :e"), {"e": OWNER_EMAIL}).scalar()
        db.session.remove()
    token = client.post("/api/v1/tokens", json={"email": OWNER_EMAIL, "password": PASSWORD}).get_json()["token"]
    auth = {"Authorization": f"Bearer {token}"}
    probes = {
        "list_html": lambda i: client.get("/ideas?sort=top").status_code,
        "list_api": lambda i: client.get("/api/v1/ideas?sort=top&limit=20").status_code,
        "vote_put": lambda i: (
            client.put(f"/api/v1/ideas/{idea_ids[i]}/vote", json={"value": 1}, headers=auth).status_code
        ),
    }
    summary, sections = {}, []
    for name, send in probes.items():
        result = measure(client, recorder, send)
        last_vote = idea_ids[4 + REPEAT]
        cleanup = (
            f"DELETE FROM votes WHERE idea_id = {last_vote} AND user_id = {owner_id}" if name == "vote_put" else None
        )
        with app.app_context():
            plans = explain(result.pop("last"), cleanup)
        summary[name] = {k: round(v, 2) if isinstance(v, float) else v for k, v in result.items()}
        sections.append(
            f"===== {name}: median request {result['request_ms']:.2f} ms in-process, "
            f"{result['statements']} statements, {result['sql_ms']:.2f} ms waiting on SQL =====\n\n"
            + "\n\n".join(plans)
        )
    PLANS.parent.mkdir(parents=True, exist_ok=True)
    PLANS.write_text("\n\n".join(sections) + "\n")
    json.dump(summary, sys.stdout)


if __name__ == "__main__":
    main()
