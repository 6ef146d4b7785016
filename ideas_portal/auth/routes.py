from __future__ import annotations

from flask import flash, redirect, render_template, request, session, url_for
from flask_login import current_user, login_required, login_user, logout_user

from ..extensions import limiter
from ..rate_limits import signin_failures_per_account
from ..redirects import safe_next
from ..services import accounts, password_resets
from ..services.exceptions import DeadLink, DomainError
from . import bp
from .forms import ForgotPasswordForm, LoginForm, ResetPasswordForm, SignupForm


def _start_session(user, remember: bool) -> None:
    session.clear()  # a fresh session at sign-in defeats session fixation
    login_user(user, remember=remember)


@bp.route("/signup", methods=["GET", "POST"])
@limiter.limit("10 per hour", methods=["POST"])
def signup():
    """A taken address gets the same answer as a new one (the owner is mailed), so accounts cannot be enumerated."""
    form = SignupForm()
    status = 200
    if form.validate_on_submit():
        try:
            accounts.sign_up(form.email.data, form.name.data, form.password.data)
        except DomainError as exc:
            flash(exc.message, "error")
            status = 400
        else:
            session["signup_email"] = form.email.data.strip()
            return redirect(url_for("auth.signup_sent", next=request.args.get("next")))
    elif form.is_submitted():
        status = 400
    return render_template("auth/signup.html", form=form), status


@bp.get("/signup/sent")
def signup_sent():
    return render_template(
        "auth/signup_sent.html",
        email=session.get("signup_email"),
        next=safe_next(request.args.get("next")) if request.args.get("next") else None,
    )


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit("20 per 5 minutes", methods=["POST"])
@signin_failures_per_account
def login():
    if current_user.is_authenticated:
        return redirect(safe_next(request.args.get("next")))
    form = LoginForm()
    if form.validate_on_submit():
        try:
            user = accounts.authenticate(form.email.data, form.password.data)
        except DomainError as exc:
            flash(exc.message, "error")
            return render_template("auth/login.html", form=form), 401
        _start_session(user, remember=form.remember.data)
        flash(f"Welcome back, {user.name}.", "success")
        return redirect(safe_next(request.args.get("next")))
    return render_template("auth/login.html", form=form), 400 if form.errors else 200


@bp.route("/logout", methods=["POST"])
@login_required
def logout():
    accounts.end_all_sessions(current_user._get_current_object())  # old remember cookies stop working
    logout_user()
    session.clear()
    flash("You are signed out.", "info")
    return redirect(url_for("ideas.home"))


@bp.route("/password/forgot", methods=["GET", "POST"])
@limiter.limit("5 per 15 minutes", methods=["POST"])
def forgot_password():
    form = ForgotPasswordForm()
    if form.validate_on_submit():
        password_resets.request_reset(form.email.data)
        flash("If that address has an account, a reset link is on its way. It works once, for one hour.", "info")
        return redirect(url_for("auth.login"))
    return render_template("auth/forgot.html", form=form), 400 if form.errors else 200


@bp.route("/password/reset/<token>", methods=["GET", "POST"])
def reset_password(token: str):
    form = ResetPasswordForm()
    try:
        password_resets.check(token)  # a dead link fails before the form is shown
        if form.validate_on_submit():
            password_resets.reset(token, form.password.data)
            flash("Your password is changed. Please sign in with it.", "success")
            return redirect(url_for("auth.login"))
    except DeadLink as exc:
        return render_template("auth/reset_dead.html", message=exc.message, form=ForgotPasswordForm()), exc.status_code
    return render_template("auth/reset.html", form=form), 400 if form.errors else 200
