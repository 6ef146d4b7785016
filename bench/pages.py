"""The pages under test, checked once before any load: a fast wrong answer must not pass as a result."""

from __future__ import annotations

import http.client
import json

LIST_API = "/api/v1/ideas?sort=top&limit=20"
LIST_HTML = "/ideas?sort=top"
HOME = "/"
SIGNED_IN = b'action="/logout"'


def _get(port: int, path: str, cookie: str | None = None) -> tuple[int, bytes]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        conn.request("GET", path, headers={"Cookie": cookie} if cookie else {})
        answer = conn.getresponse()
        return answer.status, answer.read()
    finally:
        conn.close()


def _links(html: bytes, ids: list[int]) -> int:
    page = html.decode(errors="replace")
    return sum(f'/ideas/{i}"' in page or f"/ideas/{i}#" in page for i in ids)


def check(port: int, cookie: str, nocache_port: int) -> dict:
    """Every list shows the same 20 top ideas (the member's page signed in), every home page answers 200."""
    status, body = _get(port, LIST_API)
    ids = [item["id"] for item in json.loads(body)["items"]] if status == 200 else []
    html_status, html = _get(port, LIST_HTML)
    member_status, member = _get(port, LIST_HTML, cookie)
    nocache_status, nocache = _get(nocache_port, LIST_HTML)
    homes = {"home": _get(port, HOME)[0], "home_nocache": _get(nocache_port, HOME)[0]}
    found = {
        "api_status": status,
        "api_items": len(ids),
        "html_status": html_status,
        "html_bytes": len(html),
        "html_links_to_api_items": _links(html, ids),
        "member_status": member_status,
        "member_bytes": len(member),
        "member_signed_in": SIGNED_IN in member,
        "member_links_to_api_items": _links(member, ids),
        "nocache_status": nocache_status,
        "nocache_links_to_api_items": _links(nocache, ids),
        **{f"{k}_status": v for k, v in homes.items()},
    }
    found["ok"] = (
        status == 200
        and len(ids) == 20
        and html_status == member_status == nocache_status == 200
        and found["member_signed_in"]
        and found["html_links_to_api_items"] == found["member_links_to_api_items"] == len(ids)
        and found["nocache_links_to_api_items"] == len(ids)
        and set(homes.values()) == {200}
    )
    return found
