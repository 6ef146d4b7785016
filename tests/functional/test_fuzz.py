"""Schemathesis fuzzes the whole API from its own OpenAPI document against a live server: never a 5xx,
only documented status codes, responses that match their schemas."""

import json
import subprocess
import sys
import urllib.request
from pathlib import Path

import pytest

from ideas_portal.extensions import db
from tests.functional.helpers import make_idea

pytestmark = pytest.mark.live


def test_api_survives_schemathesis(live_server, make_user, tmp_path):
    staff = make_user(role="staff")
    for n in range(3):
        make_idea(staff, f"Something to fuzz number {n}")
    _contest_with_an_entry(staff, make_user())
    email = staff.email
    db.session.remove()
    req = urllib.request.Request(
        live_server + "/api/v1/tokens",
        method="POST",
        data=json.dumps({"email": email, "password": "correct horse"}).encode(),
        headers={"Content-Type": "application/json"},
    )
    token = json.loads(urllib.request.urlopen(req, timeout=30).read())["token"]
    cli = Path(sys.executable).with_name("schemathesis")
    result = subprocess.run(
        [
            str(cli),
            "run",
            f"{live_server}/api/v1/openapi.json",
            "-H",
            f"Authorization: Bearer {token}",
            "--max-examples",
            "25",
            "--seed",
            "20261124",
            "--phases",
            "coverage,fuzzing",
            "--checks",
            "not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance",
        ],
        capture_output=True,
        text=True,
        timeout=900,
        cwd=tmp_path,
    )
    assert result.returncode == 0, result.stdout[-6000:] + result.stderr[-2000:]


def _contest_with_an_entry(staff, member):
    """Contest 1 with entry 1, so the fuzzer's small ids reach real rows, not only 404s."""
    import io
    from datetime import timedelta

    from PIL import Image

    from ideas_portal.models.types import utcnow
    from ideas_portal.services.contests import contests, processing, reviewing, uploads

    now = utcnow()
    contest = contests.create(
        staff,
        contests.ContestInput(
            title="Fuzzed contest",
            rules="Rules",
            opens_at=now - timedelta(hours=1),
            entries_close_at=now + timedelta(days=1),
            closes_at=now + timedelta(days=2),
        ),
    )
    out = io.BytesIO()
    Image.new("RGB", (64, 48), (10, 120, 200)).save(out, "PNG")
    out.seek(0)
    entry = uploads.submit(member, contest.id, out, "Blue", uploads.EntrantDetails(accepted_rules=True))
    processing.process(entry.id)
    reviewing.review(staff, entry.id, "approve")
