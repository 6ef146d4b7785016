"""Admin pages for outgoing webhooks, under /staff/webhooks."""
from flask import Blueprint, abort
from flask_login import current_user, login_required

bp = Blueprint("webhooks", __name__)


@bp.before_request
@login_required
def _admins_only():
    if not current_user.is_admin:
        abort(403)


from . import routes  # noqa: E402,F401
