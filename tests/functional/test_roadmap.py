"""The public roadmap: one column per open status after the first, from the catalog, then Recently launched."""

from __future__ import annotations

import re
from datetime import timedelta

from sqlalchemy import update

from ideas_portal.extensions import db
from ideas_portal.models import Idea
from ideas_portal.models.types import utcnow
from ideas_portal.services import merges, status_catalog, voting
from tests.functional.helpers import make_idea


def _columns(html: str) -> list[str]:
    return re.findall(r'<h2 id="col-[^"]+" class="roadmap-heading">(.*?) <span', html)


def _column(html: str, slug: str) -> str:
    match = re.search(rf'aria-labelledby="col-{slug}".*?</section>', html, re.S)
    assert match, slug
    return match.group(0)


def _titles(section: str) -> list[str]:
    return re.findall(r'class="roadmap-title" href="/ideas/\d+">(.*?)</a>', section)


def test_columns_follow_the_open_statuses_in_workflow_order_then_recently_launched(client):
    html = client.get("/roadmap").get_data(as_text=True)
    assert _columns(html) == ["Under review", "Reviewed", "Coming soon", "Recently launched"]
    assert 'href="/roadmap"' in html and ">Roadmap</a>" in html  # in the header nav


def test_the_board_moves_with_the_catalog(client, make_user):
    admin = make_user("admin")
    planned = status_catalog.add(admin, "Planned", "#123456", False)
    reviewed = status_catalog.find_status("reviewed")
    status_catalog.update(admin, reviewed.id, "Looked at", reviewed.colour, True)  # closed now: off the board
    status_catalog.move(admin, planned.id, -1)  # now before Duplicate: still a column after Coming soon
    html = client.get("/roadmap").get_data(as_text=True)
    assert _columns(html) == ["Under review", "Coming soon", "Planned", "Recently launched"]
    coming = status_catalog.find_status("coming-soon")
    status_catalog.update(admin, coming.id, "On its way", coming.colour, False)  # renamed: same slug, same column
    assert "On its way" in _columns(client.get("/roadmap").get_data(as_text=True))


def test_each_column_lists_its_listed_ideas_by_score_with_count_votes_and_pill(client, make_user):
    author, fan, other = make_user(), make_user(), make_user()
    make_idea(author, "Quiet idea under review", status="under-review")
    high = make_idea(author, "Loud idea under review", status="under-review")
    for member in (fan, other):
        voting.cast_vote(member, high.id, 1)
    make_idea(author, "Still brand new")  # New is where every idea starts: not a column
    hidden = make_idea(author, "Hidden idea under review", status="under-review")
    withdrawn = make_idea(author, "Withdrawn idea under review", status="under-review")
    db.session.execute(update(Idea).where(Idea.id == hidden.id).values(hidden_at=utcnow()))
    db.session.execute(update(Idea).where(Idea.id == withdrawn.id).values(withdrawn_at=utcnow()))
    db.session.commit()
    merged = make_idea(author, "Merged idea under review", status="under-review")
    merges.merge(make_user("staff"), merged.id, high.id)
    # Even if a merged idea's status were moved on afterwards, it is folded into its target: off the board.
    under_review = status_catalog.find_status("under-review").id
    db.session.execute(update(Idea).where(Idea.id == merged.id).values(status_id=under_review))
    db.session.commit()

    html = client.get("/roadmap").get_data(as_text=True)
    section = _column(html, "under-review")
    assert _titles(section) == ["Loud idea under review", "Quiet idea under review"]
    assert re.search(r'class="roadmap-count">2<', section)
    # The score (up minus down, what the column sorts by) is called a score, with its votes beside it.
    assert 'title="3 up, 0 down">Score 3<' in section and 'title="1 up, 0 down">Score 1<' in section
    assert "votes" not in re.sub(r"<[^>]+>", "", section)  # no net score passed off as a number of votes
    assert 'class="pill"' in section and ">Under review</span>" in section
    assert "Still brand new" not in html and "Hidden idea" not in html and "Withdrawn idea" not in html
    assert "Merged idea" not in html
    assert 'href="/ideas?status=under-review&amp;sort=top"' in section


def test_recently_launched_shows_the_latest_launches_first(client, make_user):
    author = make_user()
    now = utcnow()
    for n, days_ago in enumerate((30, 1, 7)):
        idea = make_idea(author, f"Launched idea number {n}", status="launched")
        db.session.execute(
            update(Idea).where(Idea.id == idea.id).values(status_changed_at=now - timedelta(days=days_ago))
        )
    make_idea(author, "Not planned at all", status="not-planned")
    db.session.commit()
    html = client.get("/roadmap").get_data(as_text=True)
    section = _column(html, "launched")
    assert _titles(section) == ["Launched idea number 1", "Launched idea number 2", "Launched idea number 0"]
    assert "Not planned at all" not in html


def test_a_long_column_shows_twenty_and_links_to_all_of_them(client, make_user):
    author = make_user()
    for n in range(21):
        make_idea(author, f"Coming soon idea {n:02d}", status="coming-soon")
    section = _column(client.get("/roadmap").get_data(as_text=True), "coming-soon")
    assert len(_titles(section)) == 20 and re.search(r'class="roadmap-count">21<', section)
    assert 'href="/ideas?status=coming-soon&amp;sort=top">See all 21' in section


def test_the_roadmap_needs_no_script_and_escapes_titles(client, make_user):
    make_idea(make_user(), "<b>Bold</b> & brave plan", status="reviewed")
    html = client.get("/roadmap").get_data(as_text=True)
    assert "&lt;b&gt;Bold&lt;/b&gt; &amp; brave plan" in html and "<b>Bold</b>" not in html
    scripts = re.findall(r"<script[^>]*>", html)
    assert scripts == ['<script src="/static/js/site.js" defer>']  # the site's progressive enhancement only
    assert "<style" not in html
