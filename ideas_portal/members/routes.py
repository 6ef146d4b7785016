"""GET /users/<id>: a member's public profile. A deleted member is not found; a suspended one keeps theirs.
Staff name star members from it."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user

from ..forms import ActionForm, handle
from ..models import THUMBNAIL_SIZES
from ..policy import can, requires
from ..services import badges, ideas, member_data
from . import bp
from .forms import StarMemberForm


def _profile_page(user_id: int, star_form: StarMemberForm | None = None) -> str:
    found = member_data.public_profile(user_id)
    idea_page = member_data.ideas_of(found.user.id, cursor=request.args.get("ideas") or None)
    entry_page = member_data.entries_of(found.user.id, cursor=request.args.get("entries") or None)
    holding = badges.held(found.user.id)
    return render_template(
        "members/profile.html",
        member=found.user,
        profile=found,
        idea_page=idea_page,
        entry_page=entry_page,
        votes=ideas.my_votes(current_user, idea_page.items),
        sizes=THUMBNAIL_SIZES,
        held=holding,
        to_earn=badges.to_earn(holding),
        how_to_earn=badges.how_to_earn,
        star_form=(star_form or StarMemberForm()) if can("badges.grant") else None,
        action_form=ActionForm(),
    )


@bp.get("/users/<int:user_id>")
def profile(user_id: int):
    return _profile_page(user_id)


@bp.post("/users/<int:user_id>/star-member")
@requires("badges.grant")
def name_star_member(user_id: int):
    form = StarMemberForm()
    return handle(
        form,
        lambda: badges.grant_by_hand(current_user, user_id, note=form.note.data or ""),
        success="Star member badge granted: it shows on their profile and beside their name.",
        next_url=url_for("members.profile", user_id=user_id, _anchor="badges"),
        render=lambda: _profile_page(user_id, form),
    )


@bp.post("/users/<int:user_id>/star-member/remove")
@requires("badges.grant")
def remove_star(user_id: int):
    if ActionForm().validate_on_submit():
        badges.revoke_by_hand(current_user, user_id)
        flash("The star member badge was taken back.", "success")
    return redirect(url_for("members.profile", user_id=user_id, _anchor="badges"))


@bp.get("/badges")
def badge_rules():
    """Every badge and how it is earned: the rules of services/badges.py, as members read them."""
    return render_template("members/badges.html", badges=list(badges.BADGES.values()), how_to_earn=badges.how_to_earn)
