"""Sign-up, sign-in, API tokens and password resets."""
from __future__ import annotations

import hashlib
import secrets

from email_validator import EmailNotValidError, validate_email
from flask import current_app, url_for
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from ..extensions import db
from ..models import ROLES, ApiToken, User
from ..models.users import new_session_token
from . import mail, text
from .exceptions import AuthenticationFailed, EmailTaken, InvalidInput, NotFound

RESET_MAX_AGE = 3600
PASSWORD_MIN, PASSWORD_MAX = 8, 128


def normalise_email(email: str) -> str:
    try:
        return validate_email((email or "").strip(), check_deliverability=False).normalized.lower()
    except EmailNotValidError as exc:
        raise InvalidInput(f"That email address does not look right: {exc}") from None


def _check_password_rules(password: str) -> None:
    if not PASSWORD_MIN <= len(text.plain(password, "password")) <= PASSWORD_MAX:
        raise InvalidInput(f"Passwords need {PASSWORD_MIN} to {PASSWORD_MAX} characters.")


def _check_name(name: str) -> str:
    name = " ".join(text.plain(name, "display name", multiline=False).split())
    if not 2 <= len(name) <= 60:
        raise InvalidInput("Display names need 2 to 60 characters.")
    return name


def register(email: str, name: str, password: str, role: str = "member") -> User:
    if role not in ROLES:
        raise InvalidInput(f"Role must be one of {', '.join(ROLES)}.")
    user = User(email=normalise_email(email), name=_check_name(name), role=role)
    _check_password_rules(password)
    user.set_password(password)
    db.session.add(user)
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        raise EmailTaken("An account with that email address already exists.") from None
    return user


def authenticate(email: str, password: str) -> User:
    user = None
    try:
        user = db.session.scalar(select(User).where(User.email == normalise_email(email)))
    except InvalidInput:
        pass
    if user is None or not user.check_password(password or ""):
        raise AuthenticationFailed("Wrong email or password.")
    return user


def load_user(login_id: str) -> User | None:
    """Flask-Login id is 'user_id:session_token'; a rotated token invalidates old cookies."""
    user_id, _, token = (login_id or "").partition(":")
    if not (user_id.isascii() and user_id.isdigit()) or not token:  # isdigit() alone takes "²", which int() refuses
        return None
    user = db.session.get(User, int(user_id))
    if user is None or not secrets.compare_digest(user.session_token, token):
        return None
    return user


def end_all_sessions(user: User) -> None:
    user.session_token = new_session_token()
    db.session.commit()


def _token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def issue_api_token(user: User) -> str:
    token = secrets.token_urlsafe(32)
    db.session.add(ApiToken(user_id=user.id, token_hash=_token_digest(token)))
    db.session.commit()
    return token


def user_for_api_token(token: str) -> User | None:
    row = db.session.execute(
        select(User).join(ApiToken, ApiToken.user_id == User.id).where(ApiToken.token_hash == _token_digest(token))
    ).scalar_one_or_none()
    return row


def _reset_serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="password-reset")


def request_password_reset(email: str) -> None:
    """Always quiet about whether the address exists, so accounts cannot be enumerated."""
    try:
        address = normalise_email(email)
    except InvalidInput:
        return
    user = db.session.scalar(select(User).where(User.email == address))
    if user is None:
        return
    # The hash fragment makes the link single-use: it dies once the password changes.
    token = _reset_serializer().dumps({"uid": user.id, "h": user.password_hash[-12:]})
    link = url_for("auth.reset_password", token=token, _external=True)
    mail.send(
        user.email,
        "Reset your password",
        f"Hello {user.name},\n\nSomeone (hopefully you) asked to reset your password.\n"
        f"Open this link within an hour to choose a new one:\n\n{link}\n\n"
        "If it was not you, ignore this message; your password stays as it is.\n",
    )


def user_for_reset_token(token: str) -> User:
    try:
        data = _reset_serializer().loads(token, max_age=RESET_MAX_AGE)
    except SignatureExpired:
        raise InvalidInput("This reset link has expired. Ask for a new one.") from None
    except BadSignature:
        raise NotFound("This reset link is not valid.") from None
    user = db.session.get(User, data.get("uid", 0))
    if user is None or user.password_hash[-12:] != data.get("h"):
        raise InvalidInput("This reset link has already been used. Ask for a new one.")
    return user


def reset_password(token: str, new_password: str) -> User:
    user = user_for_reset_token(token)
    _check_password_rules(new_password)
    user.set_password(new_password)
    user.session_token = new_session_token()
    db.session.commit()
    return user
