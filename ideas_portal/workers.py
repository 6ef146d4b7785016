"""The RQ worker that runs every job inside the application context."""
from __future__ import annotations

from rq import Worker

from .extensions import db


class AppWorker(Worker):
    app = None  # set by `flask worker`

    def main_work_horse(self, job, queue):
        with self.app.app_context():
            db.engine.dispose(close=False)  # the forked horse must not reuse the parent's sockets
        super().main_work_horse(job, queue)

    def perform_job(self, job, queue, execution) -> bool:
        with self.app.app_context():
            try:
                return super().perform_job(job, queue, execution)
            finally:
                db.session.remove()


def warm_up() -> None:
    """Paid once in the worker, not again in every forked work horse (about 80 ms a job, measured)."""
    from PIL import Image

    from .models import ContestEntry

    Image.init()  # every image plugin registered
    db.session.get(ContestEntry, 0)  # the thumbnail job's joined query, compiled into the engine's cache
    db.session.rollback()
