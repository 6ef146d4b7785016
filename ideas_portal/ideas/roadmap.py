"""The public roadmap board."""

from flask import render_template

from ..extensions import anonymous_cache
from ..services import roadmap
from . import bp


@bp.route("/roadmap")
@anonymous_cache
def roadmap_board():
    return render_template("ideas/roadmap.html", columns=roadmap.board())
