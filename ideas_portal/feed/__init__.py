from flask import Blueprint

bp = Blueprint("feed", __name__)

from . import routes, workflow  # noqa: E402,F401
