"""Sends one ISO week's digest; running twice (or on two workers) sends each member one (digest_sends claims)."""

from ..services import digest
from . import job, report


@job(queue="mail", timeout=3600)
def send_week(week: str) -> str:
    outcome = digest.send_week(digest.parse_week(week), progress=report)
    return outcome.summary()
