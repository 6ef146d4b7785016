"""Serves stored files (photos, contest images) from storage.py under /media, with our own type and caching."""

from __future__ import annotations

from flask import Blueprint, abort

from .storage import CACHE_FOREVER, MEDIA_TYPES, storage

bp = Blueprint("media", __name__)


@bp.route("/media/<path:key>")
def file(key: str):
    store = storage()
    mimetype = MEDIA_TYPES.get(key[key.rfind(".") :]) if "." in key else None
    if mimetype is None or not store.exists(key):
        abort(404)
    response = store.response(key, mimetype)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = CACHE_FOREVER
    return response
