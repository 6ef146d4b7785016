"""Members' public profiles: who they are and what they gave the community."""

from flask import Blueprint

bp = Blueprint("members", __name__)

from . import routes  # noqa: E402,F401
