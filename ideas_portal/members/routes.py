"""GET /users/<id>: a member's public profile. A deleted member is not found; a suspended one keeps theirs."""

from __future__ import annotations

from flask import render_template, request
from flask_login import current_user

from ..models import THUMBNAIL_SIZES
from ..services import ideas, member_data
from . import bp


@bp.get("/users/<int:user_id>")
def profile(user_id: int):
    found = member_data.public_profile(user_id)
    idea_page = member_data.ideas_of(found.user.id, cursor=request.args.get("ideas") or None)
    entry_page = member_data.entries_of(found.user.id, cursor=request.args.get("entries") or None)
    return render_template(
        "members/profile.html",
        member=found.user,
        profile=found,
        idea_page=idea_page,
        entry_page=entry_page,
        votes=ideas.my_votes(current_user, idea_page.items),
        sizes=THUMBNAIL_SIZES,
    )
