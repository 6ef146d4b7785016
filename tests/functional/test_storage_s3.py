"""Media in an S3-compatible bucket (moto's server on 127.0.0.1): uploads, thumbnails on a real worker, serving."""

import io
from datetime import timedelta

import pytest
from PIL import Image

from devtools import embedded
from ideas_portal import create_app
from ideas_portal.extensions import db
from ideas_portal.models.types import utcnow
from ideas_portal.services import accounts
from ideas_portal.services.contests import contests
from tests.conftest import run_worker_burst

BUCKET = "ideas-media"


@pytest.fixture
def s3(monkeypatch):
    boto3 = pytest.importorskip("boto3")
    from moto.server import ThreadedMotoServer

    port = embedded.free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    creds = {"AWS_ACCESS_KEY_ID": "test", "AWS_SECRET_ACCESS_KEY": "test", "AWS_DEFAULT_REGION": "us-east-1"}
    for name, value in creds.items():
        monkeypatch.setenv(name, value)
    endpoint = f"http://127.0.0.1:{port}"
    client = boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1")
    client.create_bucket(Bucket=BUCKET)
    yield {
        "endpoint": endpoint,
        "client": client,
        "env": {**creds, "MEDIA_S3_BUCKET": BUCKET, "MEDIA_S3_ENDPOINT_URL": endpoint, "MEDIA_S3_PREFIX": "media"},
    }
    server.stop()


@pytest.fixture
def s3_app(s3, database_url, redis_url, tmp_path):
    app = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "test-secret-key",
            "SQLALCHEMY_DATABASE_URI": database_url,
            "REDIS_URL": redis_url,
            "RATELIMIT_ENABLED": False,
            "CACHE_TYPE": "NullCache",
            "WTF_CSRF_ENABLED": False,
            "MEDIA_DIR": str(tmp_path / "media"),
            "SERVER_NAME": "localhost",
            "MEDIA_S3_BUCKET": BUCKET,
            "MEDIA_S3_ENDPOINT_URL": s3["endpoint"],
            "MEDIA_S3_PREFIX": "media",
        }
    )
    with app.app_context():
        yield app
        db.session.remove()
        db.engine.dispose()


def _jpeg_with_gps() -> bytes:
    img = Image.new("RGB", (1200, 800), (30, 120, 200))
    img.paste((240, 200, 40), (200, 200, 700, 600))
    exif = Image.Exif()
    exif[0x8825] = {1: "N", 2: (51.0, 30.0, 0.0)}
    out = io.BytesIO()
    img.save(out, "JPEG", exif=exif)
    return out.getvalue()


def test_entries_live_in_the_bucket_and_are_served_with_our_headers(
    s3, s3_app, database_url, redis_url, tmp_path, monkeypatch
):
    staff = accounts.register("staff-s3@example.com", "Sam", "correct horse", role="staff")
    member = accounts.register("member-s3@example.com", "Mia", "correct horse")
    now = utcnow()
    contest = contests.create(
        staff,
        contests.ContestInput(
            title="Bucket contest",
            rules="Rules",
            opens_at=now - timedelta(hours=1),
            entries_close_at=now + timedelta(days=1),
            closes_at=now + timedelta(days=2),
            moderated=False,
        ),
    )
    client = s3_app.test_client()
    token = client.post("/api/v1/tokens", json={"email": member.email, "password": "correct horse"}).get_json()["token"]
    answer = client.post(
        f"/api/v1/contests/{contest.id}/entries",
        headers={"Authorization": f"Bearer {token}"},
        data={"caption": "Blue", "photo": (io.BytesIO(_jpeg_with_gps()), "a.jpg")},
        content_type="multipart/form-data",
    )
    assert answer.status_code == 202, answer.get_json()
    entry = answer.get_json()

    keys = [o["Key"] for o in s3["client"].list_objects_v2(Bucket=BUCKET).get("Contents", [])]
    assert len(keys) == 1 and keys[0].startswith(f"media/contests/{contest.id}/") and keys[0].endswith(".jpg")
    assert not (tmp_path / "media").exists(), "nothing may land on local disk when a bucket is configured"
    stored = s3["client"].get_object(Bucket=BUCKET, Key=keys[0])
    assert stored["ContentType"] == "image/jpeg"
    original = stored["Body"].read()
    assert b"GPS" not in original and not Image.open(io.BytesIO(original)).getexif()

    for name, value in s3["env"].items():
        monkeypatch.setenv(name, value)
    run_worker_burst(database_url, redis_url, tmp_path)
    done = client.get(f"/api/v1/entries/{entry['id']}").get_json()
    assert done["state"] == "approved"
    keys = {o["Key"] for o in s3["client"].list_objects_v2(Bucket=BUCKET)["Contents"]}
    assert len(keys) == 4 and {k.rsplit("-", 1)[-1] for k in keys if k.endswith(".webp")} == {
        "small.webp",
        "medium.webp",
        "large.webp",
    }

    small = client.get(done["thumbnails"]["small"].replace("http://localhost", ""))
    assert small.status_code == 200 and small.mimetype == "image/webp"
    assert small.headers["X-Content-Type-Options"] == "nosniff"
    assert "immutable" in small.headers["Cache-Control"] and small.headers["ETag"]
    assert max(Image.open(io.BytesIO(small.data)).size) == 320
    again = client.get(
        done["thumbnails"]["small"].replace("http://localhost", ""), headers={"If-None-Match": small.headers["ETag"]}
    )
    assert again.status_code == 304
    assert client.get("/media/contests/../../secret.jpg").status_code == 404
    assert client.get(f"/media/contests/{contest.id}/missing.webp").status_code == 404
