"""Thumbnails for a contest entry; deterministic file names, so a retry after a crash rewrites the same files."""

from ..services.contests import processing
from . import job, report


@job(queue="images", timeout=300)
def make_thumbnails(entry_id: int) -> str:
    state = processing.process(entry_id)
    report(state=state)
    return state
