"""Settings read from the environment (names fixed by shared/CONTRACT.md)."""

from __future__ import annotations

import os
import secrets
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
INSTANCE = Path(os.environ.get("INSTANCE_DIR", ROOT / "instance"))


def _dev_secret_key() -> str:
    """Generated once per checkout so sessions survive restarts in development."""
    path = INSTANCE / "secret_key"
    if not path.exists():
        INSTANCE.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_urlsafe(48))
        path.chmod(0o600)
    return path.read_text().strip()


def _redis_url() -> str:
    """The embedded Redis started by `make run` writes its URL here."""
    url = os.environ.get("REDIS_URL")
    if url:
        return url
    marker = INSTANCE / "redis.url"
    if marker.exists():
        return marker.read_text().strip()
    return "redis://127.0.0.1:6379/0"


def _database_url() -> str:
    url = os.environ.get("DATABASE_URL", "")
    if not url:
        INSTANCE.mkdir(parents=True, exist_ok=True)
        return f"sqlite:///{INSTANCE / 'ideas_portal.sqlite3'}"
    if url.startswith("postgres://"):
        url = "postgresql+psycopg://" + url[len("postgres://") :]
    elif url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://") :]
    return url


class Config:
    """Defaults for every environment; production must set SECRET_KEY."""

    def __init__(self) -> None:
        self.ENV_NAME = os.environ.get("IDEAS_ENV", "development")
        secret = os.environ.get("SECRET_KEY")
        if not secret:
            if self.ENV_NAME == "production":
                raise RuntimeError("SECRET_KEY must be set in production")
            secret = _dev_secret_key()
        self.SECRET_KEY = secret
        self.SQLALCHEMY_DATABASE_URI = _database_url()
        self.SQLALCHEMY_ENGINE_OPTIONS = {"pool_pre_ping": True}
        self.REDIS_URL = _redis_url()
        self.MEDIA_DIR = os.environ.get("MEDIA_DIR", str(INSTANCE / "media"))
        # Set MEDIA_S3_BUCKET to keep media in an S3-compatible bucket instead (credentials: the usual AWS_* vars).
        self.MEDIA_S3_BUCKET = os.environ.get("MEDIA_S3_BUCKET", "")
        self.MEDIA_S3_ENDPOINT_URL = os.environ.get("MEDIA_S3_ENDPOINT_URL", "")
        self.MEDIA_S3_REGION = os.environ.get("MEDIA_S3_REGION", "")
        self.MEDIA_S3_PREFIX = os.environ.get("MEDIA_S3_PREFIX", "")
        self.RATELIMIT_ENABLED = os.environ.get("RATELIMIT_ENABLED", "1") != "0"
        self.RATELIMIT_STORAGE_URI = os.environ.get("RATELIMIT_STORAGE_URI", self.REDIS_URL)
        self.RATELIMIT_HEADERS_ENABLED = True
        # While Redis does not answer, limits are counted in this process's memory: never switched off.
        self.RATELIMIT_IN_MEMORY_FALLBACK_ENABLED = True
        self.RATELIMIT_SWALLOW_ERRORS = True  # only if the fallback itself fails: a limit must not take the site down
        # Enqueues give up on a hung Redis after this long (a job that must not be lost waits in the outbox).
        self.REDIS_SOCKET_TIMEOUT = float(os.environ.get("REDIS_SOCKET_TIMEOUT", "0.5"))
        # A hung Redis costs a limited request at most 0.3 s before the in-memory fallback takes over.
        self.RATELIMIT_STORAGE_OPTIONS = {"socket_timeout": 0.3, "socket_connect_timeout": 0.3}
        self.SIGNIN_FAILURES_PER_ACCOUNT = os.environ.get("SIGNIN_FAILURES_PER_ACCOUNT", "10 per 15 minutes")
        self.MAX_CONTENT_LENGTH = int(os.environ.get("MAX_CONTENT_LENGTH", 16 * 1024 * 1024))
        self.MAIL_BACKEND = os.environ.get("MAIL_BACKEND", "file")
        self.MAIL_DIR = os.environ.get("MAIL_DIR", str(INSTANCE / "mail"))
        self.MAIL_FROM = os.environ.get("MAIL_FROM", "Ideas Portal <ideas@localhost>")
        self.SMTP_HOST = os.environ.get("SMTP_HOST", "localhost")
        self.SMTP_PORT = int(os.environ.get("SMTP_PORT", "25"))
        self.SITE_NAME = os.environ.get("SITE_NAME", "Ideas Portal")
        # Absolute links come from SITE_URL; requests for hosts outside TRUSTED_HOSTS get 400 (hosts.py has the
        # defaults). Not Flask's own TRUSTED_HOSTS key: hosts.py says why.
        self.SITE_URL = os.environ.get("SITE_URL", "").strip()
        self.SITE_TRUSTED_HOSTS = os.environ.get("TRUSTED_HOSTS", "")
        self.PORT = int(os.environ.get("PORT") or "5000")  # links built in a worker without SITE_URL: localhost:PORT
        self.EDIT_WINDOW_MINUTES = int(os.environ.get("EDIT_WINDOW_MINUTES", "30"))
        # A comment's author may correct it for this long after posting; nobody edits another's words.
        self.COMMENT_EDIT_MINUTES = int(os.environ.get("COMMENT_EDIT_MINUTES", "15"))
        # Flags from this many distinct members hide an idea or comment until staff decide.
        self.FLAG_HIDE_THRESHOLD = int(os.environ.get("FLAG_HIDE_THRESHOLD", "3"))
        # A New idea with this many net votes moves to Under review by itself.
        self.CACHE_TYPE = os.environ.get("CACHE_TYPE", "SimpleCache")  # per process; anonymous list pages only
        self.CACHE_DEFAULT_TIMEOUT = int(os.environ.get("LIST_CACHE_SECONDS", "5"))
        self.CACHE_THRESHOLD = 2000
        self.SUCCESS_THRESHOLD = int(os.environ.get("SUCCESS_THRESHOLD", "100"))
        # Seconds between webhook retries, one entry per retry (about 1 h 20 min in all); timeout per POST.
        self.WEBHOOK_RETRY_INTERVALS = [
            int(s) for s in os.environ.get("WEBHOOK_RETRY_INTERVALS", "10,60,300,900,3600").split(",") if s.strip()
        ]
        self.CONTEST_VOTES_PER_ADDRESS = os.environ.get("CONTEST_VOTES_PER_ADDRESS", "600 per hour")
        self.WEBHOOK_TIMEOUT = int(os.environ.get("WEBHOOK_TIMEOUT", "10"))
        # Every worker relays the outbox this often; a job whose worker died (no heartbeat for
        # JOB_HEARTBEAT_SECONDS + JOB_HEARTBEAT_GRACE_SECONDS) is retried by the next clean-up, which an idle worker
        # runs every WORKER_MAINTENANCE_SECONDS: 65 + 30 s, so within two minutes.
        self.OUTBOX_RELAY_SECONDS = float(os.environ.get("OUTBOX_RELAY_SECONDS", "60"))
        self.WORKER_MAINTENANCE_SECONDS = int(os.environ.get("WORKER_MAINTENANCE_SECONDS", "30"))
        self.JOB_HEARTBEAT_SECONDS = int(os.environ.get("JOB_HEARTBEAT_SECONDS", "5"))
        self.JOB_HEARTBEAT_GRACE_SECONDS = int(os.environ.get("JOB_HEARTBEAT_GRACE_SECONDS", "60"))
        self.SESSION_COOKIE_HTTPONLY = True
        self.SESSION_COOKIE_SAMESITE = "Lax"
        self.REMEMBER_COOKIE_HTTPONLY = True
        self.REMEMBER_COOKIE_SAMESITE = "Lax"
        secure = self.ENV_NAME == "production"
        self.SESSION_COOKIE_SECURE = secure
        self.REMEMBER_COOKIE_SECURE = secure
        self.WTF_CSRF_TIME_LIMIT = None  # token lives as long as the session
        self.TESTING = False

    def update(self, overrides: dict | None) -> "Config":
        for key, value in (overrides or {}).items():
            setattr(self, key, value)
        return self

    def as_dict(self) -> dict:
        return {k: v for k, v in vars(self).items() if k.isupper()}
