"""Members' public profiles: who they are and what they gave the community."""

from flask import Blueprint

bp = Blueprint("members", __name__)

from . import leaderboard, routes  # noqa: E402,F401
