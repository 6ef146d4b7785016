"""Contest closing and its notices; both run twice harmlessly (announced_at and notified_at guards)."""
from ..services import contest_results
from . import job


@job(timeout=600)
def close_contest(contest_id: int) -> bool:
    return contest_results.close(contest_id)


@job(timeout=1800)
def notify_contest_result(contest_id: int) -> int:
    return contest_results.notify(contest_id)
