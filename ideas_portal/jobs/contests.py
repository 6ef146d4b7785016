"""Contest closing and its notices; both run twice harmlessly (announced_at and notified_at guards)."""

from ..services.contests import results
from . import job


@job(timeout=600)
def close_contest(contest_id: int) -> bool:
    return results.close(contest_id)


@job(timeout=1800)
def notify_contest_result(contest_id: int) -> int:
    return results.notify(contest_id)
