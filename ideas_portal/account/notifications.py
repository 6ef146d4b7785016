"""The notification choices section of /settings: per kind, in the app and by email, saved by one POST."""

from __future__ import annotations

from flask import render_template, url_for
from flask_login import current_user, login_required
from wtforms import BooleanField

from ..forms import Form, handle
from ..services import preferences
from . import bp
from .routes import SECTIONS, section

# The weekly digest is an email: it has no in-app switch on the page (the API still shows both keys).
EMAIL_ONLY = {"digest"}


def field_name(kind: str, channel: str) -> str:
    return f"{kind}-{channel}"


class NotificationsForm(Form):
    """One checkbox per kind and channel; an unticked box is a switched-off channel (browsers send nothing)."""

    def choices(self) -> dict[str, dict[str, bool]]:
        return {
            kind: {
                channel: bool(self[field_name(kind, channel)].data)
                for channel in preferences.CHANNELS
                if field_name(kind, channel) in self
            }
            for kind in preferences.LABELS
        }


for _kind, _label in preferences.LABELS.items():
    for _channel, _how in (("in_app", "in the app"), ("email", "by email")):
        if not (_kind in EMAIL_ONLY and _channel == "in_app"):
            setattr(NotificationsForm, field_name(_kind, _channel), BooleanField(f"{_label}: {_how}"))


def _form(user_id: int, **kwargs) -> NotificationsForm:
    current = preferences.settings_of(user_id)
    data = {field_name(kind, channel): on for kind, channels in current.items() for channel, on in channels.items()}
    return NotificationsForm(data=data, **kwargs)


def _rows(form: NotificationsForm) -> list[dict]:
    """What the template's table shows: a row per kind with its two checkboxes (None where there is none)."""
    return [
        {
            "kind": kind,
            "label": label,
            **{
                channel: form[field_name(kind, channel)] if field_name(kind, channel) in form else None
                for channel in preferences.CHANNELS
            },
        }
        for kind, label in preferences.LABELS.items()
    ]


@section
def _notifications(user) -> dict:
    form = _form(user.id, formdata=None)
    return {"notification_form": form, "notification_rows": _rows(form)}


@bp.post("/settings/notifications")
@login_required
def save_notifications():
    user = current_user._get_current_object()
    form = NotificationsForm()

    return handle(
        form,
        lambda: preferences.save(user.id, form.choices()),
        success="Your notification choices are saved.",
        next_url=url_for("account.settings", _anchor="notifications-heading"),
        render=lambda: render_template("account/settings.html", **_page_with(form, user)),
    )


def _page_with(form: NotificationsForm, user) -> dict:
    """The whole settings page, with this form as it was sent."""
    context: dict = {}
    for build in SECTIONS:
        context.update(build(user))
    context.update(notification_form=form, notification_rows=_rows(form))
    return context
