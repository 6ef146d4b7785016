"""The RQ worker: every job inside the application context, a scheduler that outlives Redis restarts, and the
outbox relay on a clock of its own, so nothing waits for a worker to start again."""

from __future__ import annotations

import logging
import threading
import time

from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import RedisError, TimeoutError as RedisTimeoutError
from PIL import Image
from rq import Worker
from rq.scheduler import RQScheduler

from . import outbox
from .extensions import db
from .models import ContestEntry
from .processes import die_with_parent
from .services import badges, digest
from .services.contests import sweeping
from .services.polls import results as poll_results

log = logging.getLogger(__name__)


def tick() -> dict:
    """What every worker does every OUTBOX_RELAY_SECONDS: the one outbox relay, then the contest backstop."""
    result = outbox.relay()
    result["contests"] = sweeping.sweep_contests()
    result["entries"] = sweeping.sweep_stuck()
    result["top_ten"] = badges.schedule_top_ten()  # once a month has ended, its top ten get their badge
    result["digest"] = digest.schedule()  # from Monday 06:00 UTC, the week just ended, once
    result["poll_results"] = poll_results.sweep()  # ended polls' results into Ideas in Action, once
    return result


class ResilientScheduler(RQScheduler):
    """RQ's scheduler process dies on the first Redis error and is restarted only by a later maintenance run;
    this one waits for Redis and carries on, re-taking its locks (a restarted Redis has forgotten them)."""

    def work(self):
        die_with_parent()  # a SIGKILLed worker must not leave its scheduler running on its own
        self._install_signal_handlers()
        wait = 1.0
        while not self._stop_requested:
            try:
                if not self.acquired_locks or self.should_reacquire_locks:
                    self.acquire_locks()
                self.register_birth()
                while not self._stop_requested:
                    self.heartbeat()
                    self.enqueue_scheduled_jobs()
                    wait = 1.0
                    time.sleep(self.interval)
            except (RedisConnectionError, RedisTimeoutError) as exc:
                self.log.warning("Scheduler: Redis is away (%s); trying again in %.0f s", exc, wait)
                time.sleep(wait)
                wait = min(wait * 2, 5.0)
        try:
            self.stop()
        except RedisError:  # its locks expire by themselves
            pass


class AppWorker(Worker):
    app = None  # set by `flask worker`
    max_connection_wait_time = 10.0  # back at work within seconds of Redis returning, not a minute

    def __init__(self, *args, heartbeat_grace: int = 60, **kwargs):
        super().__init__(*args, **kwargs)
        self.heartbeat_grace = heartbeat_grace
        self._fork_lock = threading.Lock()  # no fork while the relay thread holds a database or Redis socket
        self._relay_stop = threading.Event()

    # --- forking safely beside the relay thread ---

    def fork_work_horse(self, job, queue):
        with self._fork_lock:
            super().fork_work_horse(job, queue)

    def run_maintenance_tasks(self):
        """RQ lets a Redis error here end the worker; it only postpones the clean-up until Redis is back."""
        with self._fork_lock:  # may fork the scheduler again
            try:
                super().run_maintenance_tasks()
            except (RedisConnectionError, RedisTimeoutError) as exc:
                self.log.warning("Worker %s: maintenance postponed, Redis is away: %s", self.name, exc)

    def _start_scheduler(self, burst=False, logging_level="INFO", *args, **kwargs):
        self.scheduler = ResilientScheduler(
            self.queues, connection=self.connection, serializer=self.serializer, logging_level=logging_level or "INFO"
        )
        self.scheduler.acquire_locks()
        if not self.scheduler.acquired_locks:
            return  # another worker's scheduler holds them; maintenance tries again
        if burst:
            try:
                self.scheduler.register_birth()
                self.scheduler.enqueue_scheduled_jobs()
            finally:
                self.scheduler.release_locks()
                self.scheduler.register_death()
        else:
            with self._fork_lock:
                self.scheduler.start()

    # --- Redis going away between jobs ---

    def dequeue_job_and_maintain_ttl(self, timeout, max_idle_time=None):
        """RQ retries a lost connection only inside its wait for a job, not in the calls around it."""
        wait = 1.0
        while True:
            try:
                return super().dequeue_job_and_maintain_ttl(timeout, max_idle_time)
            except (RedisConnectionError, RedisTimeoutError) as exc:
                self.log.warning("Worker %s: Redis is away (%s); trying again in %.0f s", self.name, exc, wait)
                time.sleep(wait)
                wait = min(wait * 2, self.max_connection_wait_time)

    def check_for_suspension(self, burst: bool):
        try:
            super().check_for_suspension(burst)
        except (RedisConnectionError, RedisTimeoutError):
            pass  # not suspended as far as we can tell; the wait for a job handles the outage

    # --- jobs whose worker died ---

    def get_heartbeat_ttl(self, job, working_time: float = 0.0) -> int:
        """A job not heard of for this long is abandoned, and retried by the next clean-up (RQ waits 60 s more)."""
        if job.timeout and job.timeout > 0:
            return int(min(job.timeout - working_time, self.job_monitoring_interval)) + self.heartbeat_grace
        return self.job_monitoring_interval + self.heartbeat_grace

    # --- the job itself ---

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

    # --- the relay clock ---

    def start_relay(self, every: float) -> threading.Thread:
        thread = threading.Thread(target=self._relay_loop, args=(every,), name="outbox-relay", daemon=True)
        thread.start()
        return thread

    def stop_relay(self) -> None:
        self._relay_stop.set()

    def _relay_loop(self, every: float) -> None:
        while not self._relay_stop.is_set():
            relay_once(self.app, self._fork_lock)
            self._relay_stop.wait(every)


def relay_once(app, lock: threading.Lock | None = None) -> dict | None:
    """One tick; Redis or the database away only postpones it to the next one."""
    with lock or threading.Lock(), app.app_context():
        try:
            return tick()
        except RedisError as exc:
            log.warning("outbox relay: Redis is away, trying again next time: %s", exc)
        except Exception:  # the loop must outlive a database blip; the traceback goes to the log
            log.exception("outbox relay failed; trying again next time")
        finally:
            db.session.rollback()
            db.session.remove()
    return None


def warm_up() -> None:
    """Paid once in the worker, not again in every forked work horse (about 80 ms a job, measured)."""
    Image.init()  # every image plugin registered
    db.session.get(ContestEntry, 0)  # the thumbnail job's joined query, compiled into the engine's cache
    db.session.rollback()
