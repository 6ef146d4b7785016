"""Flask commands for operators (names fixed by shared/CONTRACT.md)."""
from __future__ import annotations

import sys

import click
from flask import current_app
from flask.cli import AppGroup

from .extensions import QUEUE_NAMES, db, redis_connection
from .services import accounts, voting
from .services.exceptions import DomainError

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
@click.option("--burst", is_flag=True, help="Stop once the queues are empty.")
def worker(burst: bool) -> None:
    """Run an RQ worker (with scheduler) on all queues, inside the app context."""
    from rq import Queue

    from .services import mail, webhooks
    from .workers import AppWorker, warm_up

    conn = redis_connection()
    relayed = mail.relay_pending()
    if relayed:
        click.echo(f"relayed {relayed} unsent mail(s) from the outbox")
    relayed = webhooks.relay_pending()
    if relayed:
        click.echo(f"relayed {relayed} webhook deliver{'y' if relayed == 1 else 'ies'} from the log")
    from .jobs.contests import schedule_sweep

    schedule_sweep()  # the contest sweeper then books itself every minute
    warm_up()
    db.session.remove()
    AppWorker.app = current_app._get_current_object()
    w = AppWorker([Queue(name, connection=conn) for name in QUEUE_NAMES], connection=conn)
    w.work(burst=burst, with_scheduler=True, logging_level="INFO")


@click.command("seed-demo")
def seed_demo() -> None:
    """Demo members, ideas, votes, comments and photo contests; running it again changes nothing."""
    from . import demo_contests
    from .demo import seed

    for line in seed() + demo_contests.seed():
        click.echo(line)


contests = AppGroup("contests", help="Photo contests.")


@contests.command("sweep")
def sweep_contests() -> None:
    """Enqueue closing for overdue contests and thumbnails for entries stuck in processing."""
    from .services import contest_results, entries

    closing = contest_results.sweep()
    stuck = entries.sweep_stuck()
    click.echo(f"{closing} contest(s) to close; entries stuck in processing: {stuck['enqueued']} enqueued, "
               f"{stuck['waiting']} already queued, {stuck['failed']} failed")


@click.command("recount")
def recount() -> None:
    """Recompute every denormalised counter from rows and print what was corrected."""
    from .services import contest_votes

    corrections = voting.recount() + contest_votes.recount()
    for line in corrections:
        click.echo(line)
    click.echo(f"{len(corrections)} correction(s)")


def init_app(app) -> None:
    app.cli.add_command(users)
    app.cli.add_command(worker)
    app.cli.add_command(seed_demo)
    app.cli.add_command(recount)
    app.cli.add_command(contests)
