"""Guidelines, flags, the moderation queue, suspensions and the audit log."""

from flask import Blueprint

bp = Blueprint("moderation", __name__)

from . import routes  # noqa: E402,F401
