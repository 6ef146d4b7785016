"""Thumbnails for a contest entry; deterministic file names, so a retry after a crash rewrites the same files."""
from ..services import entries
from . import job_options, report


def make_thumbnails(entry_id: int) -> str:
    state = entries.process(entry_id)
    report(state=state)
    return state


make_thumbnails.options = job_options(timeout=300)
