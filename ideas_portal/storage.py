"""One interface for stored files: a local directory (MEDIA_DIR) or an S3-compatible bucket (MEDIA_S3_BUCKET)."""

from __future__ import annotations

import io
import os
import secrets
import tempfile
from pathlib import Path
from typing import BinaryIO

from flask import Response, current_app, request, send_file, url_for

from .hosts import absolute_url

MEDIA_TYPES = {".webp": "image/webp", ".jpg": "image/jpeg"}  # only files we wrote ourselves
CACHE_FOREVER = "public, max-age=31536000, immutable"  # keys are random or derived from random ones


def _random_key(suffix: str, folder: str) -> str:
    return f"{folder.strip('/')}/{secrets.token_hex(16)}{suffix}".lstrip("/")


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
        key = _random_key(suffix, folder)
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

    def open(self, key: str) -> BinaryIO:
        return self._path(key).open("rb")

    def exists(self, key: str) -> bool:
        try:
            return self._path(key).is_file()
        except ValueError:
            return False

    def delete(self, key: str) -> None:
        self._path(key).unlink(missing_ok=True)

    def response(self, key: str, mimetype: str) -> Response:
        return send_file(self._path(key), mimetype=mimetype, max_age=31536000, conditional=True)


class S3Storage:
    """Any S3-compatible service (AWS, MinIO, Ceph, R2…); each PUT appears whole or not at all."""

    def __init__(self, client, bucket: str, prefix: str = ""):
        self.client, self.bucket, self.prefix = client, bucket, prefix.strip("/")

    def _name(self, key: str) -> str:
        if ".." in key.split("/") or key.startswith("/"):
            raise ValueError("key escapes the media bucket")
        return f"{self.prefix}/{key}" if self.prefix else key

    def save(self, data: bytes, suffix: str, folder: str = "") -> str:
        key = _random_key(suffix, folder)
        self.write(key, data)
        return key

    def write(self, key: str, data: bytes) -> None:
        suffix = key[key.rfind(".") :]
        self.client.put_object(
            Bucket=self.bucket,
            Key=self._name(key),
            Body=data,
            ContentType=MEDIA_TYPES.get(suffix, "application/octet-stream"),
            CacheControl=CACHE_FOREVER,
        )

    def discard_partials(self, key: str) -> int:
        return 0  # nothing is ever half-written in a bucket

    def read(self, key: str) -> bytes:
        return self.client.get_object(Bucket=self.bucket, Key=self._name(key))["Body"].read()

    def open(self, key: str) -> BinaryIO:
        return io.BytesIO(self.read(key))

    def exists(self, key: str) -> bool:
        from botocore.exceptions import ClientError

        try:
            self.client.head_object(Bucket=self.bucket, Key=self._name(key))
            return True
        except (ClientError, ValueError):
            return False

    def delete(self, key: str) -> None:
        self.client.delete_object(Bucket=self.bucket, Key=self._name(key))

    def response(self, key: str, mimetype: str) -> Response:
        response = Response(self.read(key), mimetype=mimetype)
        response.set_etag(key)
        return response.make_conditional(request)


def storage() -> LocalStorage | S3Storage:
    app = current_app._get_current_object()
    bucket = app.config.get("MEDIA_S3_BUCKET")
    if not bucket:
        return LocalStorage(app.config["MEDIA_DIR"])
    client = app.extensions.get("ideas_s3")
    if client is None:
        import boto3  # only installed with the `s3` extra

        client = boto3.client(
            "s3",
            endpoint_url=app.config.get("MEDIA_S3_ENDPOINT_URL") or None,
            region_name=app.config.get("MEDIA_S3_REGION") or None,
        )
        app.extensions["ideas_s3"] = client
    return S3Storage(client, bucket, app.config.get("MEDIA_S3_PREFIX", ""))


def media_url(key: str | None, external: bool = False) -> str | None:
    if not key:
        return None
    return absolute_url("media.file", key=key) if external else url_for("media.file", key=key)
