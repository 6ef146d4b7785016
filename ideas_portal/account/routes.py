"""The signed-in member's own account page: who they are, their API tokens, signing out everywhere."""

from __future__ import annotations

from flask import flash, redirect, render_template, session, url_for
from flask_login import current_user, login_required, logout_user

from ..services import accounts, api_tokens
from . import bp


# Each section of /settings adds what its template needs: section(user) -> dict of template variables.
SECTIONS: list = []


def section(func):
    SECTIONS.append(func)
    return func


@section
def _tokens(user) -> dict:
    return {"tokens": api_tokens.tokens_of(user)}


def render_settings(**override) -> str:
    """The settings page; a form that failed is passed in `override`, so its errors show where it stands."""
    user = current_user._get_current_object()
    context: dict = {}
    for build in SECTIONS:
        context.update(build(user))
    context.update(override)
    return render_template("account/settings.html", **context)


@bp.get("/settings")
@login_required
def settings():
    return render_settings()


@bp.post("/settings/tokens/<int:token_id>/revoke")
@login_required
def revoke_token(token_id: int):
    api_tokens.revoke(current_user._get_current_object(), token_id)
    flash("The API token is revoked. Programs using it can no longer act for you.", "success")
    return redirect(url_for("account.settings"))


@bp.post("/settings/sign-out-everywhere")
@login_required
def sign_out_everywhere():
    revoked = accounts.sign_out_everywhere(current_user._get_current_object())
    logout_user()
    session.clear()
    tokens = f" and {revoked} API token{'s' if revoked != 1 else ''} revoked" if revoked else ""
    flash(f"You are signed out on every device{tokens}.", "info")
    return redirect(url_for("auth.login"))
