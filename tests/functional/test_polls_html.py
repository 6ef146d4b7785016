"""The poll pages, boxes and forms are valid HTML for visitors, members and staff (the Nu validator)."""

from __future__ import annotations

from tests.conftest import AuthActions
from tests.functional.poll_helpers import PASSWORD, end_poll, make_poll, option_ids
from tests.functional.test_html_valid import _nu_errors, _save
from ideas_portal.services.polls import results


def test_poll_pages_are_valid_html(app, make_user, tmp_path):
    staff, member = make_user("staff"), make_user()
    single = make_poll(staff)
    multi = make_poll(staff, "Which days suit you?", ["Monday", "Tuesday", "Friday"], multiple=True)
    hidden = make_poll(staff, "Which name do you like?", ["Bean", "Leaf"], results_shown="after_close", featured=False)
    ended = make_poll(staff, "Which cup size?", ["Small", "Large"])
    end_poll(ended.id)
    results.close_now(staff, ended.id)

    visitor = app.test_client()
    for name, path in {
        "home": "/",
        "feed": "/ideas-in-action",
        "poll": f"/polls/{single.id}",
        "list": "/polls",
    }.items():
        _save(tmp_path, f"visitor-{name}", visitor.get(path))

    client = app.test_client()
    AuthActions(client).login(member.email, PASSWORD)
    _save(tmp_path, "member-home-before", client.get("/"))
    _save(tmp_path, "member-poll-before", client.get(f"/polls/{single.id}"))
    _save(tmp_path, "member-multi-before", client.get(f"/polls/{multi.id}"))
    _save(tmp_path, "member-answer-error", client.post(f"/polls/{single.id}/answer", data={}))
    client.post(f"/polls/{single.id}/answer", data={"options": str(option_ids(single)[0])})
    client.post(f"/polls/{multi.id}/answer", data={"options": [str(i) for i in option_ids(multi)[:2]]})
    client.post(f"/polls/{hidden.id}/answer", data={"options": str(option_ids(hidden)[1])})
    for name, path in {
        "home-after": "/",
        "feed-after": "/ideas-in-action",
        "poll-after": f"/polls/{single.id}",
        "multi-after": f"/polls/{multi.id}",
        "hidden-after": f"/polls/{hidden.id}",
        "closed": f"/polls/{ended.id}",
        "list": "/polls",
    }.items():
        _save(tmp_path, f"member-{name}", client.get(path))

    desk = app.test_client()
    AuthActions(desk).login(staff.email, PASSWORD)
    _save(tmp_path, "staff-poll", desk.get(f"/polls/{single.id}"))
    _save(tmp_path, "staff-new", desk.get("/polls/new"))
    _save(tmp_path, "staff-new-errors", desk.post("/polls/new", data={"question": "x", "options": "one"}))
    _save(tmp_path, "staff-list", desk.get("/polls"))

    assert _nu_errors(tmp_path) == []
