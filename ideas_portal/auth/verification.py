"""Email verification pages: the mailed link, asking for it again, and the section of /settings that says where
a member stands."""

from __future__ import annotations

from flask import flash, redirect, render_template, url_for
from flask_login import current_user, login_required

from ..account.routes import section
from ..extensions import limiter
from ..forms import ActionForm
from ..services import verification
from ..services.exceptions import DeadLink, DomainError
from . import bp


@section
def _verification(user) -> dict:
    return {
        "verification_form": ActionForm(formdata=None),
        "held_votes": verification.still_held(user.id),
    }


@bp.get("/verify/<token>")
def verify_email(token: str):
    """Verifies on GET, as members expect of a link in a mail: one click, no second button, and no sign-in
    needed (the token is the proof). A mail scanner that prefetches the link verifies the address too, which is
    acceptable: the mail did reach that inbox, and that is all verification claims."""
    try:
        user = verification.verify(token)
    except DeadLink as exc:
        return render_template("auth/verify_dead.html", message=exc.message), exc.status_code
    return render_template("auth/verified.html", verified_user=user, held=verification.still_held(user.id))


@bp.post("/settings/verification/resend")
@login_required
@limiter.limit("5 per hour")
def resend_verification():
    if not ActionForm().validate_on_submit():
        flash("Your form expired. Please try again.", "error")
        return redirect(url_for("account.settings", _anchor="verification-heading"))
    user = current_user._get_current_object()
    try:
        verification.send_link(user)
    except DomainError as exc:
        flash(exc.message, "info")
    else:
        flash(f"A new confirmation link is on its way to {user.email}. Older links no longer work.", "success")
    return redirect(url_for("account.settings", _anchor="verification-heading"))
