"""Flask commands for operators (names fixed by shared/CONTRACT.md)."""

from __future__ import annotations

import sys

import click
from flask import current_app
from flask.cli import AppGroup
from redis.exceptions import RedisError
from rq import Queue

from .demo import seed
from .extensions import QUEUE_NAMES, db, redis_connection
from .services import accounts, digest, points_recount, voting
from .services.contests import sweeping, votes
from .services.polls import answers as poll_answers
from .services.exceptions import DomainError
from .workers import AppWorker, relay_once, warm_up

users = AppGroup("users", help="Manage accounts.")


@users.command("create")
@click.argument("email")
@click.option("--password", required=True, help="At least 8 characters.")
@click.option("--name", required=True, help="Display name.")
@click.option("--role", type=click.Choice(["member", "staff", "admin"]), default="member", show_default=True)
def create_user(email: str, password: str, name: str, role: str) -> None:
    """Create an account and print its id."""
    try:
        user = accounts.register(email, name, password, role=role)
    except DomainError as exc:
        click.echo(f"error: {exc.message}", err=True)
        sys.exit(1)
    click.echo(user.id)


@click.command("worker")
@click.option("--burst", is_flag=True, help="Relay the outbox once, then stop once the queues are empty.")
def worker(burst: bool) -> None:
    """Run an RQ worker (with scheduler and the outbox relay) on all queues, inside the app context."""
    app = current_app._get_current_object()
    config = app.config
    conn = redis_connection()
    maintenance = config["WORKER_MAINTENANCE_SECONDS"]
    AppWorker.app = app
    w = AppWorker(
        [Queue(name, connection=conn) for name in QUEUE_NAMES],
        connection=conn,
        worker_ttl=maintenance + 15,  # an idle worker wakes every `maintenance` s to clean up
        maintenance_interval=maintenance,
        job_monitoring_interval=config["JOB_HEARTBEAT_SECONDS"],
        heartbeat_grace=config["JOB_HEARTBEAT_GRACE_SECONDS"],
    )
    warm_up()
    db.session.remove()
    if burst:
        relayed = (relay_once(app) or {}).get("relayed", 0)
        if relayed:
            click.echo(f"relayed {relayed} job(s) from the outbox")
    else:
        w.start_relay(every=config["OUTBOX_RELAY_SECONDS"])
    try:
        w.work(burst=burst, with_scheduler=True, logging_level="INFO")
    except RedisError as exc:  # RQ's own clean-up after it gave up needs Redis too
        click.echo(f"worker: Redis error on the way out: {exc}", err=True)
    finally:
        w.stop_relay()
    if not burst and w._shutdown_requested_date is None:
        # RQ's loop gave up (a Redis timeout, an unexpected error): exit non-zero so a supervisor restarts us.
        click.echo("worker stopped without being asked to; exiting with 1", err=True)
        sys.exit(1)


@click.command("seed-demo")
def seed_demo() -> None:
    """Demo members, ideas, votes, comments and photo contests; running it again changes nothing."""
    for line in seed():
        click.echo(line)


contests = AppGroup("contests", help="Photo contests.")


@contests.command("sweep")
def sweep_contests() -> None:
    """What every worker does each minute by itself: close jobs for overdue contests, stuck entries settled."""
    closing = sweeping.sweep_contests()
    stuck = sweeping.sweep_stuck()
    click.echo(
        f"{closing} contest job(s) written; entries stuck in processing: {stuck['enqueued']} enqueued, "
        f"{stuck['waiting']} already queued, {stuck['failed']} failed"
    )


@click.command("recount")
def recount() -> None:
    """Recompute every denormalised counter from rows and print what was corrected."""
    corrections = voting.recount() + votes.recount() + poll_answers.recount() + points_recount.recount()
    for line in corrections:
        click.echo(line)
    click.echo(f"{len(corrections)} correction(s)")


digest_group = AppGroup("digest", help="The weekly digest email.")


class IsoWeek(click.ParamType):
    """--week YYYY-Www: a malformed, impossible or future week is a usage error (exit 2), not a traceback."""

    name = "YYYY-Www"

    def convert(self, value, param, ctx):
        if isinstance(value, digest.Week):
            return value
        try:
            return digest.parse_week(value)
        except DomainError as exc:
            self.fail(exc.message, param, ctx)


@digest_group.command("send")
@click.option("--week", type=IsoWeek(), help="ISO week, e.g. 2026-W48 (default: the last finished week).")
def send_digest(week: digest.Week | None) -> None:
    """Send the weekly digest to members who opted in; at most one per member per week however often it runs.

    Without --week it tells the last finished ISO week (Monday to Sunday, UTC), as the worker does on Mondays
    from 06:00 UTC. The current, unfinished week may be named; then that week's digest is already spent. The
    mails are delivered here at once (their worker jobs, held ten minutes, then find them sent); members with
    nothing to be told (an empty week) get nothing.
    """
    outcome = digest.send_week(week or digest.last_finished_week(), deliver_now=True)
    click.echo(outcome.summary())
    if outcome.left_to_worker:
        click.echo(f"{outcome.left_to_worker} could not be delivered now; the worker will try again", err=True)


def init_app(app) -> None:
    app.cli.add_command(users)
    app.cli.add_command(worker)
    app.cli.add_command(seed_demo)
    app.cli.add_command(recount)
    app.cli.add_command(contests)
    app.cli.add_command(digest_group)
