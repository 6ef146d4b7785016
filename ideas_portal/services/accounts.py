"""Sign-up, sign-in and sessions (API tokens: api_tokens.py; password resets: password_resets.py)."""

from __future__ import annotations

import hashlib
import re
import secrets
import unicodedata
from functools import lru_cache

from email_validator import EmailNotValidError, validate_email
from flask import current_app
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from werkzeug.security import check_password_hash, generate_password_hash

from ..extensions import db
from ..hosts import absolute_url
from ..models import ROLES, User
from ..models.types import utcnow
from ..models.users import new_session_token
from . import api_tokens, mail, text, unsubscribe, verification
from .exceptions import AuthenticationFailed, EmailTaken, InvalidInput

PASSWORD_MIN, PASSWORD_MAX = 8, 128


def normalise_email(email: str) -> str:
    try:
        return validate_email((email or "").strip(), check_deliverability=False).normalized.lower()
    except EmailNotValidError as exc:
        raise InvalidInput(f"That email address does not look right: {exc}") from None


def check_password_rules(password: str) -> None:
    if not PASSWORD_MIN <= len(text.plain(password, "password")) <= PASSWORD_MAX:
        raise InvalidInput(f"Passwords need {PASSWORD_MIN} to {PASSWORD_MAX} characters.")


DELETED_NAME = "Deleted member"  # what deleted accounts are called; nobody else may be


# Bidirectional controls turn the text after a name around (a "by ‮…" line reading backwards).
_DIRECTION_CONTROLS = re.compile("[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def _as_read(name: str) -> str:
    """What a reader sees: invisible format characters gone, compatibility forms (fullwidth, ligatures) folded."""
    shown = "".join(ch for ch in name if unicodedata.category(ch) != "Cf")
    return " ".join(unicodedata.normalize("NFKC", shown).casefold().split())


# Letters and symbols that draw nothing: Hangul fillers and the Braille blank.
_BLANK_GLYPHS = frozenset("\u115f\u1160\u3164\uffa0\u2800")


def _visible(name: str) -> int:
    """Characters that draw something: letters, digits, punctuation, symbols (not marks, spaces or formats)."""
    return sum(1 for ch in name if unicodedata.category(ch)[0] in "LNPS" and ch not in _BLANK_GLYPHS)


def _check_name(name: str) -> str:
    name = " ".join(text.plain(name, "display name", multiline=False).split())
    if not 2 <= len(name) <= 60:
        raise InvalidInput("Display names need 2 to 60 characters.")
    if _visible(name) < 2:
        raise InvalidInput("Display names need at least two visible characters.")
    if _DIRECTION_CONTROLS.search(name):
        raise InvalidInput("Display names may not contain text-direction control characters.")
    if _as_read(name) == DELETED_NAME.casefold():
        raise InvalidInput(f"“{DELETED_NAME}” is what deleted accounts are called; please choose another name.")
    return name


def register(email: str, name: str, password: str, role: str = "member", verified: bool = True) -> User:
    """Operators' accounts (`flask users create`) are verified; sign-up's are not until the member proves
    their address (verified=False)."""
    if role not in ROLES:
        raise InvalidInput(f"Role must be one of {', '.join(ROLES)}.")
    user = User(
        email=normalise_email(email),
        name=_check_name(name),
        role=role,
        email_verified_at=utcnow() if verified else None,
    )
    check_password_rules(password)
    user.set_password(password)
    db.session.add(user)
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        raise EmailTaken("An account with that email address already exists.") from None
    return user


def sign_up(email: str, name: str, password: str) -> None:
    """A taken address answers exactly like a new one: same checks, same hashing work, one mail to the address.
    A new account starts unverified: its mail is the verification link (its votes are held until then)."""
    address, name = normalise_email(email), _check_name(name)
    check_password_rules(password)
    site, sign_in = current_app.config["SITE_NAME"], absolute_url("auth.login")
    owner_id = db.session.scalar(select(User.id).where(User.email == address))
    if owner_id is None:
        try:
            user = register(address, name, password, verified=False)
        except EmailTaken:  # taken in the meantime by a parallel sign-up
            owner_id = db.session.scalar(select(User.id).where(User.email == address))
        else:
            verification.send_link(user)
            return
    generate_password_hash(password)  # the work a new account costs, so timing tells nothing either
    mail.send(
        address,
        f"Someone tried to sign up at {site} with your address",
        f"Hello,\n\nsomeone (perhaps you) tried to create an account at {site} with this address, "
        "which already has one.\n\n"
        f"If it was you, sign in:\n\n{sign_in}\n\n"
        f"Forgot your password? Ask for a new one:\n\n{absolute_url('auth.forgot_password')}\n\n"
        "If it was not you, ignore this message; nothing has changed.\n",
        unsubscribe_url=unsubscribe.url(owner_id, unsubscribe.ALL) if owner_id is not None else None,
    )


@lru_cache(maxsize=1)
def _dummy_hash() -> str:
    return generate_password_hash(secrets.token_hex(16))


def authenticate(email: str, password: str) -> User:
    """An unknown address costs one hash check too, so timing does not tell which accounts exist."""
    user = None
    try:
        user = db.session.scalar(select(User).where(User.email == normalise_email(email)))
    except InvalidInput:
        pass
    if user is None:
        check_password_hash(_dummy_hash(), password or "")
        raise AuthenticationFailed("Wrong email or password.")
    if not user.check_password(password or ""):
        raise AuthenticationFailed("Wrong email or password.")
    return user


def account_key(email) -> str:
    """One name per account however its address is spelled: the key of the per-account sign-in limit."""
    raw = email if isinstance(email, str) else ""
    try:
        raw = normalise_email(raw)
    except InvalidInput:
        raw = raw.strip().lower()
    return hashlib.sha256(raw.encode("utf-8", "surrogatepass")).hexdigest()[:32]


def load_user(login_id: str) -> User | None:
    """Flask-Login id is 'user_id:session_token'; a rotated token invalidates old cookies."""
    user_id, _, token = (login_id or "").partition(":")
    if not (user_id.isascii() and user_id.isdigit()) or not token:  # isdigit() alone takes "²", which int() refuses
        return None
    user = db.session.get(User, int(user_id))
    if user is None or not secrets.compare_digest(user.session_token, token):
        return None
    return user


ACCOUNT_DELETED = "This account has been deleted."


def lock_live(user) -> User:
    """Re-reads the member's row under a lock (PostgreSQL) before a change to it: a request that signed in just
    before the account was deleted must not write the person back onto the erased row."""
    user = getattr(user, "_get_current_object", lambda: user)()  # Flask-Login's proxy: the row object itself
    db.session.refresh(user, with_for_update=True)
    if user.deleted_at is not None:
        raise AuthenticationFailed(ACCOUNT_DELETED)
    return user


def end_all_sessions(user: User) -> None:
    user.session_token = new_session_token()
    db.session.commit()


def sign_out_everywhere(user: User) -> int:
    """Every session, remember cookie and API token of the member ends; returns how many tokens went."""
    user.session_token = new_session_token()
    revoked = api_tokens.revoke_all(user.id)
    db.session.commit()
    return revoked
