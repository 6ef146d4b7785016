"""The member's own space: settings in sections (each module adds its part of /settings), unsubscribe links."""

from flask import Blueprint

bp = Blueprint("account", __name__)

from . import notifications, routes, unsubscribe  # noqa: E402,F401
from . import activity, profile  # noqa: E402,F401
from . import data_rights  # noqa: E402,F401
