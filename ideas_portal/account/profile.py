"""Settings: name and bio, avatar, password, address change (confirmed from the new address), marketing consent."""

from __future__ import annotations

from flask import current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required, login_user

from ..extensions import db, limiter
from ..forms import ActionForm, handle
from ..services import consent, profile
from ..services.exceptions import DomainError
from . import bp
from .forms import AvatarForm, ConsentForm, EmailForm, PasswordForm, ProfileForm
from .routes import render_settings, section


def _me():
    return current_user._get_current_object()


@section
def _profile(user) -> dict:
    """Forms built without the request's data: the one that was posted is passed to render_settings instead."""
    return {
        "profile_form": ProfileForm(formdata=None, obj=user),
        "avatar_form": AvatarForm(formdata=None),
        "action_form": ActionForm(formdata=None),
        "password_form": PasswordForm(formdata=None),
        "email_form": EmailForm(formdata=None),
        "pending_email": profile.pending_email_change(user),
        "avatar_src": profile.avatar_url(user),
    }


@section
def _consent(user) -> dict:
    return {
        "consent_form": ConsentForm(formdata=None, marketing_consent=user.marketing_consent),
        "consent_history": consent.history(user.id),
        "consent_source": consent.source_label,
    }


SETTINGS_URL = "account.settings"


def _back(anchor: str) -> str:
    return url_for(SETTINGS_URL, _anchor=anchor)


@bp.post("/settings/profile")
@login_required
def update_profile():
    form = ProfileForm()

    def save():
        profile.update_profile(_me(), name=form.name.data, bio=form.bio.data or "")
        db.session.commit()

    return handle(
        form,
        save,
        success="Your profile is saved.",
        next_url=_back("profile"),
        render=lambda: render_settings(profile_form=form),
    )


@bp.post("/settings/avatar")
@login_required
@limiter.limit("20 per hour")
def upload_avatar():
    form = AvatarForm()
    return handle(
        form,
        lambda: profile.set_avatar(_me(), form.avatar.data.stream),
        success="Your picture is uploaded; it appears here once it is ready, usually within seconds.",
        next_url=_back("profile"),
        render=lambda: render_settings(avatar_form=form),
    )


@bp.post("/settings/avatar/remove")
@login_required
def remove_avatar():
    form = ActionForm()
    return handle(
        form,
        lambda: profile.remove_avatar(_me()),
        success=lambda removed: "Your picture is removed." if removed else "You have no picture.",
        next_url=_back("profile"),
        render=render_settings,
    )


@bp.post("/settings/password")
@login_required
@limiter.limit("10 per hour")
def change_password():
    form = PasswordForm()

    def change():
        user = _me()
        remembered = current_app.config.get("REMEMBER_COOKIE_NAME", "remember_token") in request.cookies
        profile.change_password(user, form.current_password.data, form.new_password.data)
        login_user(user, remember=remembered)  # this session carries on under the new session token

    return handle(
        form,
        change,
        success="Your password is changed. You are signed out on every other device; your API tokens still work.",
        next_url=_back("change-password"),
        render=lambda: render_settings(password_form=form),
    )


@bp.post("/settings/email")
@login_required
@limiter.limit("10 per hour")
def change_email():
    form = EmailForm()
    return handle(
        form,
        lambda: profile.request_email_change(_me(), form.email.data, form.password.data),
        success=lambda address: (
            f"We sent a confirmation link to {address}. Your address changes when you open it (within 24 hours)."
        ),
        next_url=_back("change-email"),
        render=lambda: render_settings(email_form=form),
    )


@bp.get("/settings/email/confirm/<token>")
def confirm_email_page(token: str):
    """Shows a button: mail scanners that fetch the link change nothing."""
    try:
        link = profile.check_email_link(token)
    except DomainError as exc:
        return render_template("account/confirm_email.html", error=exc.message), exc.status_code
    return render_template("account/confirm_email.html", error=None, address=link.email, form=ActionForm(), done=False)


@bp.post("/settings/email/confirm/<token>")
def confirm_email(token: str):
    if not ActionForm().validate_on_submit():
        return render_template("account/confirm_email.html", error="Your form expired. Open the link again."), 400
    try:
        user = profile.confirm_email_change(token)
    except DomainError as exc:
        return render_template("account/confirm_email.html", error=exc.message), exc.status_code
    if current_user.is_authenticated and current_user.id == user.id:
        flash(f"Your address is now {user.email}.", "success")
        return redirect(_back("change-email"))
    return render_template("account/confirm_email.html", error=None, address=user.email, form=None, done=True)


@bp.post("/settings/consent")
@login_required
def update_consent():
    form = ConsentForm()

    def save():
        changed = consent.set_consent(_me(), bool(form.marketing_consent.data), "settings")
        db.session.commit()
        return changed

    def said(changed: bool) -> str:
        given = bool(form.marketing_consent.data)
        if not changed:
            return "Nothing changed: " + ("you had already agreed." if given else "you had not agreed.")
        return "Thank you: we may send you news and offers." if given else "Consent withdrawn: no news or offers."

    return handle(
        form, save, success=said, next_url=_back("consent"), render=lambda: render_settings(consent_form=form)
    )
