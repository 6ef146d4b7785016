"""The forms of the settings page; each personal-data field says why we ask for it."""

from flask_wtf.file import FileField, FileRequired
from wtforms import BooleanField, EmailField, PasswordField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length

from ..forms import Form
from ..services import accounts, profile


class ProfileForm(Form):
    name = StringField(
        "Display name",
        validators=[DataRequired("Enter a display name."), Length(min=2, max=60)],
        description="Shown with your ideas, comments and contest entries, and on your public profile.",
    )
    bio = TextAreaField(
        "About you (optional)",
        validators=[Length(max=profile.BIO_MAX)],
        filters=[lambda v: v.replace("\r\n", "\n") if isinstance(v, str) else v],  # browsers send a break as two
        render_kw={"rows": 4, "maxlength": profile.BIO_MAX},
        description=f"Shown on your public profile, as plain text, up to {profile.BIO_MAX} characters.",
    )


class AvatarForm(Form):
    avatar = FileField(
        "Picture",
        validators=[FileRequired("Choose an image to upload.")],
        render_kw={"accept": "image/jpeg,image/png,image/webp"},
        description="Shown next to your name, so people recognise you. JPEG, PNG or WebP, up to "
        f"{profile.AVATAR_MAX_BYTES // (1024 * 1024)} MB; we remove location and camera data.",
    )


class PasswordForm(Form):
    current_password = PasswordField("Current password", validators=[DataRequired("Enter your current password.")])
    new_password = PasswordField(
        "New password",
        validators=[DataRequired("Enter a new password."), Length(accounts.PASSWORD_MIN, accounts.PASSWORD_MAX)],
        description=f"{accounts.PASSWORD_MIN} to {accounts.PASSWORD_MAX} characters.",
    )


class EmailForm(Form):
    email = EmailField(
        "New email address",
        id="new-email",
        validators=[DataRequired("Enter the new address."), Length(max=254)],
        description="For signing in, and for the notices you choose to get by email. Never shown to others.",
    )
    password = PasswordField(
        "Current password",
        id="email-password",
        validators=[DataRequired("Enter your current password.")],
        description="So that nobody at an unlocked computer can move your account to their address.",
    )


class ConsentForm(Form):
    marketing_consent = BooleanField(
        "Yes, send me news and offers by email.",
        description="So we may email you news and offers. Optional and separate from everything else: without it "
        "you still get the notices you chose. Untick it to withdraw at any time.",
    )
