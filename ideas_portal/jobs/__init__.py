"""RQ job functions: small, idempotent, enqueued by reference with ids only."""
from rq import Retry, get_current_job


def job_options(timeout: int) -> dict:
    return {"retry": Retry(max=3, interval=[10, 30, 60]), "job_timeout": timeout}


def report(**progress) -> None:
    """Progress in job.meta, where operators (and tests) read what a job did."""
    job = get_current_job()
    if job is not None:
        job.meta.update(progress)
        job.save_meta()
