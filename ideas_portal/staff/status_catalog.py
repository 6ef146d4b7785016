"""Admins define the statuses an idea can have: add, rename, recolour, close, reorder."""

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user

from ..forms import ActionForm, handle
from ..policy import requires
from ..services import status_catalog
from . import bp
from .forms import StatusEditForm


@bp.route("/statuses", methods=["GET", "POST"])
@requires("statuses.manage")
def workflow_statuses():
    form = StatusEditForm(prefix="new")

    def render():
        rows = [(s, StatusEditForm(prefix=f"s{s.id}", obj=s)) for s in status_catalog.statuses()]
        return render_template(
            "staff/statuses.html", form=form, rows=rows, usage=status_catalog.usage(), action_form=ActionForm()
        )

    return handle(
        form,
        lambda: status_catalog.add(current_user, form.name.data, form.colour.data, form.is_closed.data),
        success=lambda added: f"Status “{added.name}” added.",
        next_url=url_for("staff.workflow_statuses"),
        render=render,
    )


@bp.route("/statuses/<int:status_id>", methods=["POST"])
@requires("statuses.manage")
def edit_status(status_id: int):
    form = StatusEditForm(prefix=f"s{status_id}")
    if not form.validate_on_submit():
        flash("A status needs a name (2–60 characters) and a colour like #1a2b3c.", "error")
    else:
        status_catalog.update(current_user, status_id, form.name.data, form.colour.data, form.is_closed.data)
        flash("Status saved.", "success")
    return redirect(url_for("staff.workflow_statuses"))


@bp.route("/statuses/<int:status_id>/move", methods=["POST"])
@requires("statuses.manage")
def move_status(status_id: int):
    if ActionForm().validate_on_submit():
        status_catalog.move(current_user, status_id, 1 if request.form.get("direction") == "down" else -1)
    return redirect(url_for("staff.workflow_statuses"))
