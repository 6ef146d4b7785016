"""One interface for stored files: a local directory (MEDIA_DIR) today, S3-compatible later."""
from __future__ import annotations

import os
import secrets
import tempfile
from pathlib import Path

from flask import current_app, url_for


class LocalStorage:
    def __init__(self, root: str):
        self.root = Path(root)

    def _path(self, key: str) -> Path:
        path = (self.root / key).resolve()
        if self.root.resolve() not in path.parents:
            raise ValueError("key escapes the media directory")
        return path

    def save(self, data: bytes, suffix: str, folder: str = "") -> str:
        """Random names, written atomically: readers never see half a file."""
        key = f"{folder.strip('/')}/{secrets.token_hex(16)}{suffix}".lstrip("/")
        self.write(key, data)
        return key

    def write(self, key: str, data: bytes) -> None:
        path = self._path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".part")
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(data)
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise

    def discard_partials(self, key: str) -> int:
        """Removes temporary files a killed writer of this key left behind; returns how many."""
        path = self._path(key)
        leftovers = list(path.parent.glob(f".{path.name}.*.part")) if path.parent.is_dir() else []
        for leftover in leftovers:
            leftover.unlink(missing_ok=True)
        return len(leftovers)

    def read(self, key: str) -> bytes:
        return self._path(key).read_bytes()

    def exists(self, key: str) -> bool:
        try:
            return self._path(key).is_file()
        except ValueError:
            return False

    def delete(self, key: str) -> None:
        self._path(key).unlink(missing_ok=True)

    def path(self, key: str) -> Path:
        return self._path(key)


def storage() -> LocalStorage:
    return LocalStorage(current_app.config["MEDIA_DIR"])


MEDIA_TYPES = {".webp": "image/webp", ".jpg": "image/jpeg"}  # only files we wrote ourselves


def media_url(key: str | None, external: bool = False) -> str | None:
    return url_for("feed.media", key=key, _external=external) if key else None
