"""RQ job functions: small, idempotent, enqueued by reference with ids only."""
from rq import Retry


def job_options(timeout: int) -> dict:
    return {"retry": Retry(max=3, interval=[10, 30, 60]), "job_timeout": timeout}
