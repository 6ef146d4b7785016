"""Thumbnails for a contest entry; deterministic file names, so a retry after a crash rewrites the same files."""
from rq import get_current_job

from ..services import entries
from . import job_options


def make_thumbnails(entry_id: int) -> str:
    state = entries.process(entry_id)
    job = get_current_job()
    if job is not None:
        job.meta["state"] = state
        job.save_meta()
    return state


make_thumbnails.options = job_options(timeout=300)
