"""Badges are awarded after the event that earned them, by a job that can run twice: an award is UNIQUE."""

from ..services import badges
from . import job, report


@job(timeout=60)
def check_member(user_id: int) -> list[str]:
    awarded = badges.check_member(user_id)
    report(awarded=awarded)
    return awarded


@job(timeout=120)
def award_top_ten(month: str) -> list[int]:
    """Written by the worker tick once a month has ended (badges.schedule_top_ten)."""
    awarded = badges.award_top_ten(month)
    report(awarded=awarded)
    return awarded
