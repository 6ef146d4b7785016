from flask import Blueprint

bp = Blueprint("feed", __name__)

from . import following, routes, status_and_merge  # noqa: E402,F401
