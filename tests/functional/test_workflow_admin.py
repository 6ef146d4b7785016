from datetime import timedelta

import pytest

from ideas_portal.extensions import db
from ideas_portal.services import status_catalog
from tests.functional.helpers import make_idea


@pytest.mark.parametrize("path", ["/staff/unanswered", "/staff/statuses"])
def test_staff_pages_need_staff(client, auth, make_user, path):
    assert client.get(path).status_code == 302
    auth.login(make_user().email)
    assert client.get(path).status_code == 403


def test_statuses_page_is_for_admins_only(client, auth, make_user):
    auth.login(make_user(role="staff").email)
    assert client.get("/staff/statuses").status_code == 403
    auth.logout()
    auth.login(make_user(role="admin").email)
    assert client.get("/staff/statuses").status_code == 200


def test_admin_adds_renames_recolours_reorders_and_closes_statuses(client, auth, make_user, api):
    auth.login(make_user(role="admin").email)
    r = client.post("/staff/statuses", data={"new-name": "In pilot", "new-colour": "#123456"})
    assert r.status_code == 302
    pilot = status_catalog.find_status("in-pilot")
    assert (pilot.name, pilot.colour, pilot.is_closed) == ("In pilot", "#123456", False)
    client.post(
        f"/staff/statuses/{pilot.id}",
        data={f"s{pilot.id}-name": "Piloting", f"s{pilot.id}-colour": "#abcdef", f"s{pilot.id}-is_closed": "y"},
    )
    db.session.expire_all()
    pilot = status_catalog.find_status("in-pilot")
    assert (pilot.name, pilot.colour, pilot.is_closed) == ("Piloting", "#abcdef", True)
    before = [s.slug for s in status_catalog.statuses()]
    client.post(f"/staff/statuses/{pilot.id}/move", data={"direction": "up"})
    db.session.expire_all()
    after = [s.slug for s in status_catalog.statuses()]
    assert after.index("in-pilot") == before.index("in-pilot") - 1
    listed = api.get("/statuses").get_json()["items"]
    assert {"slug": "in-pilot", "name": "Piloting", "is_closed": True, "colour": "#abcdef"} in listed


def test_bad_status_colour_is_refused(client, auth, make_user):
    auth.login(make_user(role="admin").email)
    r = client.post("/staff/statuses", data={"new-name": "Odd", "new-colour": "red"})
    assert r.status_code == 400


def test_unanswered_queue_lists_oldest_unanswered_first(client, auth, make_user, api):
    author = make_user()
    old = make_idea(author, "The oldest unanswered idea", age=timedelta(days=9))
    answered = make_idea(author, "Already has a status", age=timedelta(days=20))
    newer = make_idea(author, "A newer unanswered idea", age=timedelta(days=2))
    api.as_("staff").post(f"/ideas/{answered.id}/status", json={"status": "reviewed"})
    auth.login(api.user.email)
    html = client.get("/staff/unanswered").get_data(as_text=True)
    assert "Already has a status" not in html
    assert html.index("The oldest unanswered idea") < html.index("A newer unanswered idea")
    assert "9 days" in html
    assert old.id and newer.id
