"""Poll pages: the poll and its answer form, the list of polls, and staff's create and close."""

from flask import Blueprint

bp = Blueprint("polls", __name__)

from . import routes  # noqa: E402,F401
