from flask import Blueprint, abort
from flask_login import current_user, login_required

bp = Blueprint("staff", __name__)


@bp.before_request
@login_required
def _staff_only():
    if not current_user.is_staff:
        abort(403)


from . import routes, status_catalog, unanswered  # noqa: E402,F401
