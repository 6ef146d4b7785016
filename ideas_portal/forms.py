"""The one way a form page runs its action: validate, call the service, flash, redirect or re-render."""
from __future__ import annotations

from typing import Any, Callable

from flask import flash, redirect
from werkzeug.wrappers import Response

from .services.exceptions import DomainError


def handle(form, action: Callable[[], Any], *, success: str | Callable[[Any], str],
           next_url: str | Callable[[Any], str]) -> Response | int:
    """A redirect when the action succeeded, else the status the re-rendered form page answers with."""
    if not form.validate_on_submit():
        return 400 if form.is_submitted() else 200
    try:
        result = action()
    except DomainError as exc:
        flash(exc.message, "error")
        return exc.status_code
    flash(success(result) if callable(success) else success, "success")
    return redirect(next_url(result) if callable(next_url) else next_url)
