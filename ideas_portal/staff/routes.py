from flask import flash, redirect, render_template, url_for
from flask_login import current_user

from ..policy import requires
from ..services import categories as category_service
from ..services import ideas, moderation
from ..forms import ActionForm, handle
from . import bp
from .forms import CategoryForm


@bp.get("/")
@requires("staff.area")
def index():
    return render_template("staff/index.html", open_items=moderation.open_item_count())


@bp.route("/categories", methods=["GET", "POST"])
@requires("categories.manage")
def categories():
    form = CategoryForm()
    return handle(
        form,
        lambda: category_service.add(current_user, form.name.data),
        success=lambda category: f"Category “{category.name}” added.",
        next_url=url_for("staff.categories"),
        render=lambda: render_template(
            "staff/categories.html",
            form=form,
            categories=ideas.categories(),
            usage=category_service.usage(),
            action_form=ActionForm(),
        ),
    )


@bp.route("/categories/<int:category_id>/rename", methods=["POST"])
@requires("categories.manage")
def rename_category(category_id: int):
    form = CategoryForm()
    if form.validate_on_submit():
        category_service.rename(current_user, category_id, form.name.data)
        flash("Category renamed.", "success")
    else:
        flash("A category name needs 2 to 60 characters.", "error")
    return redirect(url_for("staff.categories"))


@bp.route("/categories/<int:category_id>/delete", methods=["POST"])
@requires("categories.manage")
def delete_category(category_id: int):
    if ActionForm().validate_on_submit():
        category_service.remove(current_user, category_id)
        flash("Category removed.", "success")
    return redirect(url_for("staff.categories"))
