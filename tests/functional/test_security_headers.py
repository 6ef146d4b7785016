"""The headers every response carries: pages get the CSP, the JSON API does not, stored media is never sniffed."""

from ideas_portal.storage import storage

CSP = (
    "default-src 'self'; img-src 'self' data:; style-src 'self'; style-src-attr 'unsafe-inline'; "
    "script-src 'self'; connect-src 'self'; frame-ancestors 'none'; form-action 'self'; base-uri 'self'; "
    "object-src 'none'"
)


def _common(r):
    assert r.headers["X-Content-Type-Options"] == "nosniff"
    assert r.headers["Referrer-Policy"] == "strict-origin-when-cross-origin"
    assert r.headers["X-Frame-Options"] == "DENY"


def test_pages_and_error_pages_carry_the_content_security_policy(client):
    for path in ("/", "/no/such/page"):
        r = client.get(path)
        _common(r)
        assert r.headers["Content-Security-Policy"] == CSP


def test_api_answers_without_a_content_security_policy(client):
    r = client.get("/api/v1/statuses")
    _common(r)
    assert "Content-Security-Policy" not in r.headers


def test_stored_media_is_served_with_our_type_nosniff_and_a_long_cache(app, client):
    with app.app_context():
        key = storage().save(b"RIFF0000WEBP", ".webp", "test")
    r = client.get(f"/media/{key}")
    assert r.status_code == 200 and r.mimetype == "image/webp" and r.data == b"RIFF0000WEBP"
    assert r.headers["Cache-Control"] == "public, max-age=31536000, immutable"
    _common(r)
    assert client.get("/media/test/missing.webp").status_code == 404
    assert client.get("/media/test/file.svg").status_code == 404
