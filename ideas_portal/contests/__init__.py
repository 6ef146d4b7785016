from flask import Blueprint

bp = Blueprint("contests", __name__)

from . import routes, staff  # noqa: E402,F401
