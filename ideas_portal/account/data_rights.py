"""Data rights on /settings: download everything held about me (the API's /me/export), delete my account."""

from __future__ import annotations

import json

from flask import Response, make_response, redirect, render_template, session, url_for
from flask_login import current_user, login_required, logout_user
from wtforms import BooleanField, PasswordField
from wtforms.validators import DataRequired

from ..forms import Form, handle
from ..services import account_deletion, member_data
from . import bp
from .routes import SECTIONS, section


class DeleteAccountForm(Form):
    password = PasswordField(
        "Your password",
        validators=[DataRequired(message="Enter your password to delete your account.")],
        description="So that nobody else at this screen can delete your account.",
    )
    confirm = BooleanField(
        "I understand that my account and personal data are erased and this cannot be undone",
        validators=[DataRequired(message="Tick the box to confirm that you want your account deleted.")],
    )


@section
def _data_rights(user) -> dict:
    return {"delete_form": DeleteAccountForm(formdata=None)}


@bp.get("/settings/export")
@login_required
def export():
    user = current_user._get_current_object()
    body = json.dumps(member_data.export(user), ensure_ascii=False, indent=2)
    response = Response(body + "\n", mimetype="application/json")
    response.headers["Content-Disposition"] = f'attachment; filename="my-data-{user.id}.json"'
    response.headers["Cache-Control"] = "no-store"
    return response


def _settings_with(form: DeleteAccountForm) -> str:
    user = current_user._get_current_object()
    context: dict = {}
    for build in SECTIONS:
        context.update(build(user))
    context["delete_form"] = form
    return render_template("account/settings.html", **context)


@bp.post("/settings/delete")
@login_required
def delete_account():
    form = DeleteAccountForm()
    user = current_user._get_current_object()

    def done(_):
        logout_user()
        session.clear()
        session["goodbye"] = True
        return url_for("account.goodbye")

    response = handle(
        form,
        lambda: account_deletion.delete_account(user, form.password.data),
        success="Your account is deleted.",
        next_url=done,
        render=lambda: _settings_with(form),
    )
    return response


@bp.get("/goodbye")
def goodbye():
    """Shown once, right after a deletion; anyone else is sent home."""
    if not session.pop("goodbye", False):
        return redirect(url_for("ideas.home"))
    return make_response(render_template("account/goodbye.html"))
