"""The hosts the site answers to, and the one base every absolute link is built from (CONTRACT: SITE_URL,
TRUSTED_HOSTS).

Flask's own TRUSTED_HOSTS check is not used: Werkzeug's matcher never trusts an IPv6 literal such as `[::1]`, and a
refused host leaves the request without a URL adapter, so not even the 400 page could be rendered. Forwarding
headers (X-Forwarded-Host and friends) are ignored: no ProxyFix is installed.
"""

from __future__ import annotations

import ipaddress
import re
from functools import lru_cache
from typing import NamedTuple
from urllib.parse import quote, urlsplit

from flask import Flask, Request, abort, current_app, has_request_context, request
from werkzeug.routing import Map, MapAdapter

DEFAULT_HOSTS = ("localhost", "127.0.0.1", "[::1]")
REFUSED = "This site does not answer to that host name."

_HOST = re.compile(
    r"(?P<name>(?:[a-z0-9-]+\.)*[a-z0-9-]+\.?|\[[0-9a-f:.]+\])(?::(?P<port>[0-9]{1,5}))?", re.ASCII | re.IGNORECASE
)


class Base(NamedTuple):
    """Scheme, canonical host[:port] and path prefix ("" or "/path") of absolute links."""

    scheme: str
    netloc: str
    prefix: str

    @property
    def root(self) -> str:
        return f"{self.scheme}://{self.netloc}{self.prefix}"


def split_host(value: str) -> tuple[str, int | None] | None:
    """`host[:port]` → (canonical name, port): lower case, no trailing dot, IPv6 compressed; None if no host name."""
    match = _HOST.fullmatch(value)
    if match is None:
        return None
    name, port = match["name"].lower(), match["port"]
    if name.startswith("["):
        try:
            name = f"[{ipaddress.IPv6Address(name[1:-1]).compressed}]"
        except ValueError:
            return None
    else:
        name = name.removesuffix(".")
    if port is not None and not 0 < int(port) < 65536:
        return None
    return name, int(port) if port is not None else None


@lru_cache(maxsize=8)
def parse_site_url(value: str) -> Base:
    parts = urlsplit(value.strip())
    host = split_host(parts.netloc) if parts.scheme in ("http", "https") and "@" not in parts.netloc else None
    if (
        host is None
        or parts.query
        or parts.fragment
        or not re.fullmatch(r"[A-Za-z0-9._~!$&'()*+,;=:@%/-]*", parts.path)
    ):
        raise RuntimeError(f"SITE_URL must be a base URL such as https://ideas.example.com, not {value!r}")
    return Base(parts.scheme, _netloc(parts.scheme, *host), parts.path.rstrip("/"))


@lru_cache(maxsize=8)
def _trusted(configured: str | tuple[str, ...], site_url: str) -> frozenset[str]:
    entries = configured.split(",") if isinstance(configured, str) else configured
    names = set()
    for entry in (e.strip() for e in entries):
        if not entry:
            continue
        if ":" in entry and not entry.startswith("["):
            try:  # a bare IPv6 address, as people write it
                entry = f"[{ipaddress.IPv6Address(entry)}]"
            except ValueError:
                pass
        host = split_host(_idna(entry))
        if host is None:
            raise RuntimeError(f"TRUSTED_HOSTS: {entry!r} is not a host name")
        names.add(host[0])
    if names:
        return frozenset(names)
    if site_url:
        return frozenset([split_host(parse_site_url(site_url).netloc)[0]])
    return frozenset(DEFAULT_HOSTS)


def trusted_hosts(config=None) -> frozenset[str]:
    config = config if config is not None else current_app.config
    configured = config.get("SITE_TRUSTED_HOSTS") or ""
    if not isinstance(configured, str):
        configured = tuple(configured)
    return _trusted(configured, config.get("SITE_URL") or "")


def request_host(req: Request | None = None, config=None) -> tuple[str, int | None]:
    """The request's host in canonical form; a 400 for any host the site does not answer to."""
    req = req if req is not None else request._get_current_object()
    host = _split_cached(req.host) if req.host else None  # Werkzeug already made odd bytes ""
    if host is None or host[0] not in trusted_hosts(config):
        abort(400, description=REFUSED)
    return host


def _refuse_unknown_host() -> None:
    request_host()


def base() -> Base:
    """SITE_URL; else the request's own (trusted) host; else, in a worker, the address `make run` serves on."""
    config = current_app.config
    if config.get("SITE_URL"):
        return parse_site_url(config["SITE_URL"])
    if has_request_context():
        req = request._get_current_object()
        return Base(req.scheme, _netloc(req.scheme, *request_host(req, config)), req.script_root.rstrip("/"))
    return Base("http", f"localhost:{config['PORT']}", "")


def site_root() -> str:
    return base().root


def absolute_url(endpoint: str, *, _anchor: str | None = None, **values) -> str:
    """The one way to build a link that leaves the site: mail, Atom, webhooks, API `url` fields, share tags."""
    app = current_app._get_current_object()
    if endpoint.startswith(".") and has_request_context() and request.blueprint:
        endpoint = request.blueprint + endpoint
    app.inject_url_defaults(endpoint, values)
    url = _adapter(app.url_map, base()).build(endpoint, values, force_external=True)
    if _anchor is not None:
        url += "#" + quote(_anchor, safe="%!#$&'()*+,/:;=?@")
    return url


@lru_cache(maxsize=64)
def _adapter(url_map: Map, where: Base) -> MapAdapter:
    """Building only reads the adapter, so one per base serves every request and thread."""
    return url_map.bind(where.netloc, script_name=where.prefix or "/", url_scheme=where.scheme)


_split_cached = lru_cache(maxsize=256)(split_host)  # a few distinct Host values carry nearly all requests


def init_app(app: Flask) -> None:
    """Checked first, so no other before-request hook (rate limits, CSRF) ever runs for an unknown host."""
    with app.app_context():
        if app.config.get("SITE_URL"):
            parse_site_url(app.config["SITE_URL"])
        trusted_hosts()
    app.before_request(_refuse_unknown_host)


def _netloc(scheme: str, name: str, port: int | None) -> str:
    default = {"http": 80, "https": 443}.get(scheme)
    return name if port is None or port == default else f"{name}:{port}"


def _idna(entry: str) -> str:
    try:
        return entry.encode("idna").decode("ascii")
    except UnicodeError:
        return entry  # split_host then refuses it
