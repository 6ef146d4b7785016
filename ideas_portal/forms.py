"""Forms: the base class of every form, and the one way a form page runs its action (validate, call, flash)."""

from __future__ import annotations

from typing import Any, Callable

from flask import flash, make_response, redirect
from flask_wtf import FlaskForm
from wtforms import IntegerField
from wtforms.csrf.core import CSRFTokenField
from werkzeug.wrappers import Response

from .services.exceptions import DomainError
from .services.text import whole_number


def handle(
    form,
    action: Callable[[], Any],
    *,
    success: str | Callable[[Any], str],
    next_url: str | Callable[[Any], str],
    render: Callable[[], str],
) -> Response:
    """Always a response: the redirect when the action succeeded, else the form page with the status it earned."""
    if not form.validate_on_submit():
        return make_response(render(), 400 if form.is_submitted() else 200)
    try:
        result = action()
    except DomainError as exc:
        flash(exc.message, "error")
        return make_response(render(), exc.status_code)
    flash(success(result) if callable(success) else success, "success")
    return redirect(next_url(result) if callable(next_url) else next_url)


class Form(FlaskForm):
    """Every form of the site. Its CSRF field renders without an id: a page with several forms stays valid HTML."""

    class Meta:
        def render_field(self, field, render_kw):
            if isinstance(field, CSRFTokenField):
                render_kw = {**render_kw, "id": False}
            return super().render_field(field, render_kw)


class ActionForm(Form):
    """A button that changes state: it needs nothing but its CSRF token."""


class WholeNumberField(IntegerField):
    """Every number a form takes: ASCII digits only, where int() would also read '١', '２', ' 1', '+1' or '1_0'."""

    def process_formdata(self, valuelist):
        if not valuelist:
            return
        self.data = whole_number(valuelist[0])
        if self.data is None and valuelist[0] != "":
            raise ValueError(self.gettext("Enter a whole number in digits 0-9."))
