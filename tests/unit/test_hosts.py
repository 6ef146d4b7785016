"""Host names in canonical form, SITE_URL parsing, and one way to build absolute links."""

import re
from pathlib import Path

import pytest

from ideas_portal.hosts import parse_site_url, split_host

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize(
    "value, expected",
    [
        ("localhost", ("localhost", None)),
        ("LocalHost:5000", ("localhost", 5000)),
        ("localhost.", ("localhost", None)),
        ("127.0.0.1:8123", ("127.0.0.1", 8123)),
        ("[::1]", ("[::1]", None)),
        ("[0:0:0:0:0:0:0:1]:80", ("[::1]", 80)),
        ("ideas.example.com", ("ideas.example.com", None)),
    ],
)
def test_host_values_have_one_canonical_form(value, expected):
    assert split_host(value) == expected


@pytest.mark.parametrize(
    "value",
    [
        "",
        " ",
        "localhost:",
        "localhost:0",
        "localhost:65536",
        "localhost:5²",
        "a b",
        "localhost..",
        "evil.example@localhost",
        "[::1",
        "[nope]",
        "localhost/x",
        "ⅼocalhost",
        ".localhost",
        "localhost:80:80",
    ],
)
def test_anything_else_is_no_host_name(value):
    assert split_host(value) is None


def test_site_url_gives_scheme_canonical_host_and_prefix():
    base = parse_site_url("HTTPS://Ideas.Example.com:443/portal/")
    assert (base.scheme, base.netloc, base.prefix, base.root) == (
        "https",
        "ideas.example.com",
        "/portal",
        "https://ideas.example.com/portal",
    )
    assert parse_site_url("http://[::1]:5000").root == "http://[::1]:5000"


def test_no_absolute_link_is_built_any_other_way():
    """A `_external=True` link would take its host from the request, which SITE_URL exists to avoid."""
    offenders = [
        f"{path.relative_to(ROOT)}:{n}"
        for folder in ("ideas_portal", "templates")
        for path in (ROOT / folder).rglob("*")
        if path.suffix in (".py", ".html")
        for n, line in enumerate(path.read_text().splitlines(), 1)
        if re.search(r"_external|url_root|host_url|request\.url\b|request\.host\b", line) and path.name != "hosts.py"
    ]
    assert offenders == []
