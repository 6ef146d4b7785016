"""Guidelines, flags, the moderation queue, suspensions and the audit log."""
from flask import Blueprint, request
from flask_login import current_user

bp = Blueprint("moderation", __name__)


@bp.app_template_global()
def idea_flags(idea):
    """Open flags on the idea page and the viewer's own, fetched once per request."""
    from ..services import moderation

    cache = request.environ.setdefault("ideas_portal.idea_flags", {})
    if idea.id not in cache:
        cache[idea.id] = moderation.idea_flags(idea, current_user)
    return cache[idea.id]


from . import routes  # noqa: E402,F401
