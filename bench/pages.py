"""The pages under test, checked once before any load: a fast wrong answer must not pass as a result."""

from __future__ import annotations

import http.client
import json

LIST_API = "/api/v1/ideas?sort=top&limit=20"
LIST_HTML = "/ideas?sort=top"


def _get(port: int, path: str) -> tuple[int, bytes]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        conn.request("GET", path)
        answer = conn.getresponse()
        return answer.status, answer.read()
    finally:
        conn.close()


def check(port: int) -> dict:
    """Both lists answer 200 and show the same 20 top ideas; returns what was found."""
    status, body = _get(port, LIST_API)
    ids = [item["id"] for item in json.loads(body)["items"]] if status == 200 else []
    html_status, html = _get(port, LIST_HTML)
    page = html.decode(errors="replace")
    linked = sum(f'/ideas/{i}"' in page or f"/ideas/{i}#" in page for i in ids)
    found = {
        "api_status": status,
        "api_items": len(ids),
        "html_status": html_status,
        "html_bytes": len(html),
        "html_links_to_api_items": linked,
    }
    found["ok"] = status == 200 and len(ids) == 20 and html_status == 200 and linked == len(ids)
    return found
