from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from ..redirects import safe_back
from ..extensions import limiter
from ..policy import requires
from ..services import audit, comments, moderation, pages
from ..forms import handle
from . import bp
from .forms import BanForm, DecisionForm, FlagForm, PageForm, UnbanForm

DONE = {"approve": "Approved: it is visible again.", "hide": "Hidden from members.", "delete": "Deleted."}


def _first_error(form) -> str:
    return next(iter(e for errors in form.errors.values() for e in errors), "Please check the form.")


@bp.get("/guidelines")
def guidelines():
    return render_template("moderation/guidelines.html", page=pages.get_page(pages.GUIDELINES))


@bp.route("/guidelines/edit", methods=["GET", "POST"])
@requires("pages.edit")
def edit_guidelines():
    page = pages.get_page(pages.GUIDELINES)
    form = PageForm(obj=None if request.method == "POST" else page)
    return handle(
        form,
        lambda: pages.edit_page(current_user, pages.GUIDELINES, form.title.data, form.body.data, form.summary.data),
        success="The guidelines are updated.",
        next_url=url_for("moderation.guidelines"),
        render=lambda: render_template("moderation/edit_page.html", form=form, page=page),
    )


def _flag(target_type: str, target_id: int, idea_id: int):
    anchor = f"comment-{target_id}" if target_type == "comment" else None
    form = FlagForm()
    if form.validate_on_submit():
        moderation.flag(current_user, target_type, target_id, form.reason.data)
        flash("Thank you. Our moderators will look at it.", "success")
    else:
        flash(_first_error(form), "error")
    return redirect(url_for("ideas.show", idea_id=idea_id, _anchor=anchor))


@bp.post("/ideas/<int:idea_id>/flags")
@login_required
@limiter.limit("30 per hour")
def flag_idea(idea_id: int):
    return _flag("idea", idea_id, idea_id)


@bp.post("/comments/<int:comment_id>/flags")
@login_required
@limiter.limit("30 per hour")
def flag_comment(comment_id: int):
    return _flag("comment", comment_id, comments.get_comment(comment_id).idea_id)


@bp.get("/staff/moderation")
@requires("moderation.review")
def queue():
    page = moderation.queue(limit=20, cursor=request.args.get("cursor") or None)
    return render_template(
        "moderation/queue.html", page=page, decision_form=DecisionForm(), ban_form=BanForm(), unban_form=UnbanForm()
    )


@bp.post("/staff/moderation/<any(idea, comment):target_type>/<int:target_id>")
@requires("moderation.review")
def decide(target_type: str, target_id: int):
    form = DecisionForm()
    if not form.validate_on_submit():
        abort(400, "Choose approve, hide or delete.")
    moderation.decide(current_user, target_type, target_id, form.decision.data, form.note.data or "")
    flash(DONE[form.decision.data], "success")
    return redirect(safe_back(url_for("moderation.queue")))


@bp.post("/staff/members/<int:user_id>/ban")
@requires("moderation.review")
def ban(user_id: int):
    form = BanForm()
    if form.validate_on_submit():
        member = moderation.ban(current_user, user_id, form.reason.data)
        flash(f"{member.name} is suspended.", "success")
    else:
        flash("A suspension needs a reason (at most 500 characters).", "error")
    return redirect(safe_back(url_for("moderation.suspended")))


@bp.post("/staff/members/<int:user_id>/unban")
@requires("moderation.review")
def unban(user_id: int):
    form = UnbanForm()
    if not form.validate_on_submit():
        abort(400, "The note is limited to 500 characters.")
    member = moderation.unban(current_user, user_id, form.note.data or "")
    flash(f"{member.name} can take part again.", "success")
    return redirect(safe_back(url_for("moderation.suspended")))


@bp.get("/staff/suspended")
@requires("moderation.review")
def suspended():
    page = moderation.suspended_members(cursor=request.args.get("cursor") or None)
    return render_template("moderation/suspended.html", page=page, unban_form=UnbanForm())


@bp.get("/staff/audit")
@requires("audit.read")
def audit_log():
    page = audit.entries(current_user, cursor=request.args.get("cursor") or None)
    return render_template("moderation/audit.html", page=page, targets=audit.targets(page.items), actions=audit.ACTIONS)
