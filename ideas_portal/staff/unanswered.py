"""Staff see the ideas still waiting for an answer, oldest first."""

from flask import render_template, request

from ..policy import requires
from ..services import unanswered as unanswered_ideas
from . import bp


@bp.route("/unanswered")
@requires("staff.area")
def unanswered():
    page = unanswered_ideas.page(cursor=request.args.get("cursor") or None)
    return render_template("staff/unanswered.html", page=page, age=unanswered_ideas.age)
