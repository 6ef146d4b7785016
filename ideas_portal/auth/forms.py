from ..forms import Form
from wtforms import BooleanField, EmailField, PasswordField, StringField
from wtforms.validators import DataRequired, Email, EqualTo, Length


class SignupForm(Form):
    email = EmailField(
        "Email",
        validators=[DataRequired(), Email(), Length(max=254)],
        description="To sign in and to reset your password. Never shown to others.",
    )
    name = StringField(
        "Display name",
        validators=[DataRequired(), Length(min=2, max=60)],
        description="Shown beside your ideas and comments.",
    )
    password = PasswordField(
        "Password",
        validators=[DataRequired(), Length(min=8, max=128)],
        description="At least 8 characters. We store only a salted hash.",
    )


class LoginForm(Form):
    email = EmailField("Email", validators=[DataRequired(), Email()])
    password = PasswordField("Password", validators=[DataRequired()])
    remember = BooleanField("Keep me signed in on this device")


class ForgotPasswordForm(Form):
    email = EmailField(
        "Email",
        validators=[DataRequired(), Email()],
        description="We send a one-time link to this address if it has an account.",
    )


class ResetPasswordForm(Form):
    password = PasswordField(
        "New password", validators=[DataRequired(), Length(min=8, max=128)], description="At least 8 characters."
    )
    confirm = PasswordField(
        "Repeat new password", validators=[DataRequired(), EqualTo("password", message="The passwords differ.")]
    )
