"""Where an app request spends its time: the SQL it sends, timed in-process, and EXPLAIN ANALYZE of each.

Run by run.py after the load (it casts real votes as the owner), with the app's environment; prints a
short summary as JSON (per probe: median request ms, SQL ms, Python ms, statements) and writes every plan to
results/plans.txt (SQLite: EXPLAIN QUERY PLAN, to results/plans-sqlite.txt).
"""

from __future__ import annotations

import json
import os
import sqlite3
import statistics
import sys
import time
from pathlib import Path

from sqlalchemy import event, text

from ideas_portal import create_app
from ideas_portal.config import Config
from ideas_portal.extensions import db
from pages import HOME, LIST_API, LIST_HTML, SIGNED_IN
from seed import OWNER_EMAIL, PASSWORD
from signin import CSRF

REPEAT = 40
PLANS = Path(__file__).resolve().parent / "results" / "plans.txt"


FETCHING = [0.0]  # seconds SQLite spent in fetch*() calls since the last reset


class TimedCursor(sqlite3.Cursor):
    """sqlite3's execute() steps to the first row only; the other rows are computed inside fetch*()."""

    def _timed(self, fetch, *args):
        started = time.perf_counter()
        try:
            return fetch(*args)
        finally:
            FETCHING[0] += time.perf_counter() - started

    def fetchone(self):
        return self._timed(super().fetchone)

    def fetchmany(self, *args):
        return self._timed(super().fetchmany, *args)

    def fetchall(self):
        return self._timed(super().fetchall)


class TimedConnection(sqlite3.Connection):
    def cursor(self, factory=TimedCursor):
        return super().cursor(factory)


def app_settings(**overrides) -> dict:
    """On SQLite the driver's fetches count as SQL time too, as they do on PostgreSQL (psycopg reads the whole
    answer inside execute())."""
    if not os.environ.get("DATABASE_URL", "").startswith("sqlite"):
        return overrides
    options = dict(Config().SQLALCHEMY_ENGINE_OPTIONS)
    options["connect_args"] = {**options.get("connect_args", {}), "factory": TimedConnection}
    return {"SQLALCHEMY_ENGINE_OPTIONS": options, **overrides}


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


def measure(recorder: Recorder, send) -> dict:
    """Runs `send(i)` REPEAT times after a short warm-up; returns timings of the whole request and its SQL."""
    for i in range(5):
        send(i)
    walls, db_times, counts = [], [], []
    for i in range(5, 5 + REPEAT):
        recorder.statements.clear()
        FETCHING[0] = 0.0
        started = time.perf_counter()
        status = send(i)
        walls.append(time.perf_counter() - started)
        if status != 200:
            raise RuntimeError(f"probe answered {status}")
        db_times.append(sum(s[2] for s in recorder.statements) + FETCHING[0])
        counts.append(len(recorder.statements))
    return {
        "request_ms": statistics.median(walls) * 1000,
        "sql_ms": statistics.median(db_times) * 1000,
        "python_ms": statistics.median(w - d for w, d in zip(walls, db_times)) * 1000,  # everything but SQL
        "statements": max(counts),
        "last": list(recorder.statements),
    }


def explain(statements: list, cleanup: str | None = None) -> list[str]:
    """Replays the statements under EXPLAIN ANALYZE (SQLite: EXPLAIN QUERY PLAN) in a transaction rolled back."""
    sqlite = db.engine.dialect.name == "sqlite"
    out = []
    with db.engine.connect() as conn:
        trans = conn.begin()
        if cleanup:
            conn.execute(text(cleanup))
        for statement, parameters, _ in statements:
            if not statement.lstrip().upper().startswith(("SELECT", "INSERT", "UPDATE", "DELETE", "WITH")):
                continue
            if sqlite:  # rows (id, parent, notused, detail): the detail, indented by depth
                rows = conn.exec_driver_sql("EXPLAIN QUERY PLAN " + statement, parameters).all()
                plan = [f"  {row[-1]}" for row in rows]
            else:
                plan = conn.exec_driver_sql("EXPLAIN (ANALYZE, BUFFERS) " + statement, parameters).scalars().all()
            out.append(statement.strip() + "\n  params: " + repr(parameters) + "\n" + "\n".join(plan))
        trans.rollback()
    return out


def sign_in(client, email: str) -> None:
    """The HTML login form with its CSRF token, as a browser sends it; the client keeps the session cookie."""
    page = client.get("/login").get_data()
    found = CSRF.search(page)
    if not found:
        raise RuntimeError("no CSRF token on /login")
    token = (found.group(1) or found.group(2)).decode()
    answer = client.post("/login", data={"csrf_token": token, "email": email, "password": PASSWORD})
    if answer.status_code not in (302, 303) or SIGNED_IN not in client.get("/").get_data():
        raise RuntimeError(f"{email} could not sign in ({answer.status_code})")


def probes(app, nocache_app, idea_ids: list[int]) -> dict:
    """name → (app, send(i) → status): one client per kind of visitor, so no cookie leaks between them."""
    anon, member, voter, cold = app.test_client(), app.test_client(), app.test_client(), nocache_app.test_client()
    sign_in(member, os.environ.get("BENCH_MEMBER_EMAIL") or OWNER_EMAIL)
    token = voter.post("/api/v1/tokens", json={"email": OWNER_EMAIL, "password": PASSWORD}).get_json()["token"]
    auth = {"Authorization": f"Bearer {token}"}
    return {
        "list_member": (app, lambda i: member.get(LIST_HTML).status_code),
        "list_html": (app, lambda i: anon.get(LIST_HTML).status_code),
        "list_html_nocache": (nocache_app, lambda i: cold.get(LIST_HTML).status_code),
        "home_anon": (app, lambda i: anon.get(HOME).status_code),
        "home_anon_nocache": (nocache_app, lambda i: cold.get(HOME).status_code),
        "list_api_nocache": (nocache_app, lambda i: cold.get(LIST_API).status_code),  # cached, it sends no SQL
        "vote_put": (
            app,
            lambda i: voter.put(f"/api/v1/ideas/{idea_ids[i]}/vote", json={"value": 1}, headers=auth).status_code,
        ),
    }


def main() -> None:
    # The second app has the micro-cache off: the anonymous pages' real cost, which the cache hides.
    app, nocache_app = create_app(app_settings()), create_app(app_settings(CACHE_TYPE="NullCache"))
    recorders = {}
    for each in (app, nocache_app):
        with each.app_context():
            recorders[id(each)] = Recorder(db.engine)
    with app.app_context():
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
        sqlite = db.engine.dialect.name == "sqlite"
        db.session.remove()
    summary, sections = {}, []
    for name, (target, send) in probes(app, nocache_app, idea_ids).items():
        result = measure(recorders[id(target)], send)
        last_vote = idea_ids[4 + REPEAT]
        cleanup = (
            f"DELETE FROM votes WHERE idea_id = {last_vote} AND user_id = {owner_id}" if name == "vote_put" else None
        )
        with target.app_context():
            plans = explain(result.pop("last"), cleanup)
        summary[name] = {k: round(v, 2) if isinstance(v, float) else v for k, v in result.items()}
        sections.append(
            f"===== {name}: median request {result['request_ms']:.2f} ms in-process, "
            f"{result['statements']} statements, {result['sql_ms']:.2f} ms waiting on SQL, "
            f"{result['python_ms']:.2f} ms in Python =====\n\n" + "\n\n".join(plans)
        )
    path = PLANS.with_name("plans-sqlite.txt") if sqlite else PLANS
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n\n".join(sections) + "\n")
    json.dump(summary, sys.stdout)


if __name__ == "__main__":
    main()
