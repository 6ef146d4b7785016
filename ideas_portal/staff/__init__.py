"""Staff pages under /staff: each view declares its permission with policy.requires."""

from flask import Blueprint

bp = Blueprint("staff", __name__)

from . import dashboard, routes, status_catalog, unanswered  # noqa: E402,F401
