"""A member's own profile: name and bio, avatar, password, and a change of address proved by a mailed link."""

from __future__ import annotations

import io
from typing import cast

from flask import current_app
from sqlalchemy import CursorResult, select, update
from sqlalchemy.exc import IntegrityError

from .. import outbox, policy
from ..extensions import db
from ..hosts import absolute_url
from ..models import EmailConfirmation, User
from ..models.types import utcnow
from ..models.users import new_session_token
from ..storage import media_url, storage
from . import accounts, email_links, images, mail, text, unsubscribe, verification
from .exceptions import Conflict, DeadLink, InvalidInput

BIO_MAX = 500
AVATAR_MAX_BYTES = 5 * 1024 * 1024
AVATAR_SIDE = 1024  # the stored original; the thumbnail is cut from it
THUMBNAIL_SIDE = 256  # shown at up to 128 CSS px, sharp on 2x screens
WRONG_PASSWORD = "Your current password is not right."
USERS = User.__table__


def update_profile(user, *, name=None, bio=None) -> None:
    """Name (2 to 60 characters) and bio (plain text, at most 500); None leaves a field as it is. Caller commits.
    Others see them, so a suspended member cannot change them (as they cannot post)."""
    user = accounts.lock_live(user)
    policy.require(user, "community.take_part")
    if name is not None:
        user.name = accounts._check_name(name)
    if bio is not None:
        bio = text.plain(bio, "bio").replace("\r\n", "\n").replace("\r", "\n").strip()
        if len(bio) > BIO_MAX:
            raise InvalidInput(f"The bio is limited to {BIO_MAX} characters; this one has {len(bio)}.")
        user.bio = bio


# --- avatar ----------------------------------------------------------------------------------------------------


def thumbnail_key(avatar_key: str) -> str:
    """Derived from the random original name: deterministic, so a retried job rewrites the same file."""
    return avatar_key.rsplit(".", 1)[0] + "-thumb.webp"


def avatar_url(user) -> str | None:
    """The thumbnail once the worker made it; None means the letter-initial fallback."""
    if user is None or getattr(user, "deleted_at", None) or not user.avatar_key or not user.avatar_ready:
        return None
    return media_url(thumbnail_key(user.avatar_key))


def _size(stream) -> int:
    position = stream.tell()
    stream.seek(0, io.SEEK_END)
    size = stream.tell() - position
    stream.seek(position)
    return size


def set_avatar(user, stream) -> None:
    """Checked by size before a byte is decoded, then the photo pipeline (formats, pixel cap, orientation,
    no metadata), stored under a random name; the thumbnail job follows. The old files go once this commits."""
    policy.require(user, "community.take_part")
    if stream is None:
        raise InvalidInput("Choose an image to upload (JPEG, PNG or WebP).")
    size = _size(stream)
    if size == 0:
        raise InvalidInput("The file is empty.")
    if size > AVATAR_MAX_BYTES:
        raise InvalidInput(f"The picture is too large: at most {AVATAR_MAX_BYTES // (1024 * 1024)} MB.")
    user_id = user.id
    db.session.rollback()  # no transaction (on SQLite: the write lock) held while the image is decoded
    data = images.normalise(stream, max_side=AVATAR_SIDE)
    store = storage()
    key = store.save(data, ".webp", folder="avatars")
    try:
        member = accounts.lock_live(db.session.get_one(User, user_id))  # not deleted meanwhile
        old = member.avatar_key
        member.avatar_key, member.avatar_ready = key, False
        outbox.enqueue("avatars.make_thumbnail", user_id, key=f"avatars-{key.rsplit('/', 1)[-1].split('.')[0]}")
        db.session.commit()
    except BaseException:
        db.session.rollback()
        store.delete(key)
        raise
    _delete_files(old)


def remove_avatar(user) -> bool:
    """Back to the initial; False if there was no avatar. The files go too."""
    old = user.avatar_key
    if old is None:
        return False
    db.session.execute(
        update(USERS)
        .where(USERS.c.id == user.id, USERS.c.avatar_key == old)
        .values(avatar_key=None, avatar_ready=False)
    )
    db.session.commit()
    db.session.expire(user)
    _delete_files(old)
    return True


def _delete_files(key: str | None) -> None:
    if key:
        store = storage()
        store.delete(thumbnail_key(key))
        store.delete(key)


def make_avatar_thumbnail(user_id: int) -> str:
    """The worker's part: the square thumbnail of the member's current avatar. Running it twice does no harm;
    an avatar replaced meanwhile leaves no file behind."""
    key = db.session.scalar(select(User.avatar_key).where(User.id == user_id))
    db.session.rollback()  # nothing held through the image work; the UPDATE below re-checks the key
    if key is None:
        return "no avatar"
    store = storage()
    target = thumbnail_key(key)
    store.discard_partials(target)
    if not store.exists(key):
        return "replaced"  # removed or replaced since the key was read: its files are gone
    try:
        with store.open(key) as original:
            data = images.square_thumbnail(original, THUMBNAIL_SIDE)
    except FileNotFoundError:
        return "replaced"  # removed or replaced since the key was read: its files are gone
    store.write(target, data)
    ready = cast(
        CursorResult,
        db.session.execute(
            update(USERS).where(USERS.c.id == user_id, USERS.c.avatar_key == key).values(avatar_ready=True)
        ),
    ).rowcount
    db.session.commit()
    if not ready:
        store.delete(target)  # replaced while we worked: this thumbnail belongs to nobody
        return "replaced"
    return "ready"


# --- password ----------------------------------------------------------------------------------------------------


def change_password(user, current: str, new: str) -> None:
    """Other sessions and remember cookies end (the session token rotates); API tokens stay, as on GitHub: they
    are revoked one by one or by signing out everywhere. The caller signs this session in again."""
    if not user.check_password(current or ""):
        raise InvalidInput(WRONG_PASSWORD)
    accounts.check_password_rules(new)
    user.set_password(new)
    user.session_token = new_session_token()
    db.session.commit()


# --- email -------------------------------------------------------------------------------------------------------


def pending_email_change(user) -> EmailConfirmation | None:
    """The address a link was sent to and not yet opened, if any."""
    return db.session.scalar(
        select(EmailConfirmation)
        .where(
            EmailConfirmation.user_id == user.id,
            EmailConfirmation.purpose == "change_email",
            EmailConfirmation.used_at.is_(None),
            EmailConfirmation.expires_at > utcnow(),
        )
        .order_by(EmailConfirmation.id.desc())
        .limit(1)
    )


def request_email_change(user, new_email: str, password: str) -> str:
    """Mails a confirmation link to the new address; nothing changes until it is opened.

    An address that belongs to another account gets the same answer here (a link is issued either way, so the
    settings page looks the same); its owner is told instead, and no link is mailed."""
    if not user.check_password(password or ""):
        raise InvalidInput(WRONG_PASSWORD)
    address = accounts.normalise_email(new_email)
    if address == user.email:
        raise InvalidInput("That is already your address.")
    token = email_links.issue(user.id, "change_email", address)
    db.session.commit()
    site = current_app.config["SITE_NAME"]
    owner = db.session.scalar(select(User).where(User.email == address))
    if owner is not None:
        mail.send(
            address,
            f"Someone tried to move an account at {site} to your address",
            f"Hello {owner.name},\n\nsomeone (perhaps you, from another account) asked to use this address for an "
            f"account at {site}. It already belongs to your account, so nothing has changed and no link was sent."
            "\n\nIf you did not ask, ignore this message.\n",
            unsubscribe_url=unsubscribe.url(owner.id, unsubscribe.ALL),
        )
        return address
    link = absolute_url("account.confirm_email_page", token=token)
    mail.send(
        address,
        f"Confirm your new address at {site}",
        f"Hello {user.name},\n\nyou asked to use this address for your account at {site}. "
        f"Open this link within 24 hours and press the button to confirm it:\n\n{link}\n\n"
        "Until then your account keeps its old address. If you did not ask, ignore this message.\n",
        unsubscribe_url=unsubscribe.url(user.id, unsubscribe.ALL),
    )
    return address


def check_email_link(token: str) -> EmailConfirmation:
    """For the confirm page: the link while it can still be used, else DeadLink saying why."""
    return email_links.check(token, "change_email")


def confirm_email_change(token: str) -> User:
    """Moves the account to the proved address, once; the old address is told. The address counts as verified."""
    row = email_links.consume(token, "change_email")
    if row is None:
        raise DeadLink("This confirmation link has already been used.")
    user = db.session.get(User, row.user_id)
    if user is None or user.deleted_at is not None:
        db.session.rollback()
        raise DeadLink("This account no longer exists.", status_code=404)
    old, new = user.email, row.email
    user.email = new
    try:
        db.session.flush()
    except IntegrityError:
        db.session.rollback()
        raise Conflict(
            "That address now belongs to another account, so your address was not changed. "
            "Ask for a new link with a different address in your settings."
        ) from None
    verification.mark_verified(user)  # the link proved the address: held votes count from now (once)
    db.session.commit()
    site = current_app.config["SITE_NAME"]
    mail.send(
        old,
        f"Your address at {site} was changed",
        f"Hello {user.name},\n\nthe address of your account at {site} was changed from this one to {new}, "
        "confirmed from the new address. Mail for the account now goes there.\n\n"
        "If you did not make this change, someone who knows your password did: tell the site's staff at once.\n",
        unsubscribe_url=unsubscribe.url(user.id, unsubscribe.ALL),
    )
    return user
