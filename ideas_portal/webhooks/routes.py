from flask import current_app, flash, make_response, redirect, render_template, request, url_for
from flask_login import current_user

from ..forms import ActionForm
from ..models.types import is_id
from ..policy import requires
from ..services import status_catalog, webhooks
from ..services.exceptions import DomainError
from ..services.text import whole_number
from . import bp
from .forms import WebhookForm


def _duration(seconds: int) -> str:
    for unit, size in (("h", 3600), ("min", 60)):
        if seconds >= size and seconds % size == 0:
            return f"{seconds // size} {unit}"
    return f"{seconds} s"


def _retry_schedule() -> str:
    steps = [_duration(s) for s in current_app.config["WEBHOOK_RETRY_INTERVALS"]]
    if not steps:
        return "Failed deliveries are not retried automatically"
    listed = steps[0] if len(steps) == 1 else ", ".join(steps[:-1]) + " and " + steps[-1]
    return f"A failed delivery is retried {len(steps)} time{'s' if len(steps) != 1 else ''}, after {listed}"


def _index_page(form: WebhookForm, status: int = 200):
    return render_template(
        "webhooks/index.html",
        form=form,
        hooks=webhooks.summaries(),
        action_form=ActionForm(),
        retry_schedule=_retry_schedule(),
    ), status


@bp.route("", methods=["GET", "POST"])
@requires("webhooks.manage")
def index():
    form = WebhookForm()
    if not form.validate_on_submit():
        return _index_page(form, 400 if form.is_submitted() else 200)
    try:
        hook = webhooks.register(current_user, form.url.data, form.secret.data)
    except DomainError as exc:
        form.url.errors.append(exc.message)
        return _index_page(form, exc.status_code)
    response = make_response(render_template("webhooks/created.html", hook=hook), 201)
    response.headers["Cache-Control"] = "no-store"  # the secret is on this page, and only here
    return response


@bp.route("/<int:webhook_id>/deactivate", methods=["POST"])
@requires("webhooks.manage")
def deactivate(webhook_id: int):
    if ActionForm().validate_on_submit():
        hook = webhooks.set_active(current_user, webhook_id, False)
        flash(f"Webhook to {hook.url} deactivated: new events are no longer sent to it.", "success")
    return redirect(url_for("webhooks.index"))


@bp.route("/<int:webhook_id>/activate", methods=["POST"])
@requires("webhooks.manage")
def activate(webhook_id: int):
    if ActionForm().validate_on_submit():
        hook = webhooks.set_active(current_user, webhook_id, True)
        flash(f"Webhook to {hook.url} active again.", "success")
    return redirect(url_for("webhooks.index"))


@bp.route("/<int:webhook_id>/delete", methods=["POST"])
@requires("webhooks.manage")
def delete(webhook_id: int):
    if ActionForm().validate_on_submit():
        webhooks.remove(current_user, webhook_id)
        flash("Webhook and its delivery log deleted.", "success")
    return redirect(url_for("webhooks.index"))


@bp.route("/<int:webhook_id>/deliveries")
@requires("webhooks.manage")
def deliveries(webhook_id: int):
    hook = webhooks.get_webhook(webhook_id)
    page = webhooks.delivery_log(hook.id, request.args.get("cursor"))
    return render_template(
        "webhooks/deliveries.html",
        hook=hook,
        page=page,
        first_page=not request.args.get("cursor"),
        status_names={s.slug: s.name for s in status_catalog.statuses()},
    )


@bp.route("/deliveries/<int:delivery_id>/redeliver", methods=["POST"])
@requires("webhooks.manage")
def redeliver(delivery_id: int):
    form = ActionForm()
    webhook_id = whole_number(request.form.get("webhook_id", ""))  # where to return; int() reads any digit
    if form.validate_on_submit():
        if webhooks.redeliver(current_user, delivery_id):
            flash(f"Delivery #{delivery_id} is on its way again.", "success")
        else:
            flash("The job queue cannot be reached just now; please try again in a minute.", "error")
    if is_id(webhook_id):
        return redirect(url_for("webhooks.deliveries", webhook_id=webhook_id))
    return redirect(url_for("webhooks.index"))
