"""Hostile and odd contest uploads: each gets a clear 4xx or a clean, re-encoded photo with thumbnails; never a 5xx."""

from __future__ import annotations

import io
import re
import struct
import zipfile
import zlib
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from PIL import Image, ImageDraw, ImageStat
from PIL.PngImagePlugin import PngInfo

from ideas_portal.extensions import get_queue
from ideas_portal.models import THUMBNAIL_SIZES
from tests.conftest import run_worker_burst

SECRET = "SECRET-7f3a"  # planted in every kind of metadata; must never reach a stored file
ORANGE, NAVY, WHITE, RED, BLUE = (255, 165, 0), (0, 0, 128), (255, 255, 255), (255, 0, 0), (0, 0, 255)
STORED_KEY = re.compile(r"^contests/\d+/[0-9a-f]{32}\.jpg$")


# --- the corpus, built here from pixels and bytes -------------------------------------------------------------


def encode(img: Image.Image, fmt: str, **options) -> bytes:
    out = io.BytesIO()
    img.save(out, fmt, **options)
    return out.getvalue()


def scene(w: int = 64, h: int = 48) -> Image.Image:
    """Orange block top-left, white disc bottom-right on navy: orientation and colour are both checkable."""
    img = Image.new("RGB", (w, h), NAVY)
    draw = ImageDraw.Draw(img)
    draw.rectangle((0, 0, w // 2, h // 3), fill=ORANGE)
    draw.ellipse((w // 2, h // 2, w - 1, h - 1), fill=WHITE)
    return img


def png_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def png_claiming(width: int, height: int) -> bytes:
    """A tiny valid PNG whose IHDR (with a correct CRC) claims a huge canvas."""
    data = encode(scene(), "PNG")
    ihdr = struct.pack(">II", width, height) + data[24:29]
    return data[:8] + png_chunk(b"IHDR", ihdr) + data[33:]


def jpeg_claiming(width: int, height: int) -> bytes:
    data = encode(scene(), "JPEG")
    sof = data.index(b"\xff\xc0")
    return data[: sof + 5] + struct.pack(">HH", height, width) + data[sof + 9 :]


def png_with_zeroed_idat() -> bytes:
    data = encode(scene(), "PNG")
    at = data.index(b"IDAT")
    size = struct.unpack(">I", data[at - 4 : at])[0]
    return data[: at - 4] + png_chunk(b"IDAT", b"\0" * size) + data[at + 4 + size + 4 :]


def png_with_ztxt_bomb() -> bytes:
    data = encode(scene(), "PNG")
    return data[:33] + png_chunk(b"zTXt", b"Comment\0\0" + zlib.compress(b"A" * 200_000_000, 9)) + data[33:]


def gif_with_1000_frames() -> bytes:
    frames = []
    for i in range(1000):
        frame = Image.new("L", (16, 16))
        frame.putpixel((i % 16, i // 16 % 16), 255)
        frames.append(frame)
    return encode(frames[0], "GIF", save_all=True, append_images=frames[1:], duration=20, loop=0)


def jpeg_zip_polyglot() -> bytes:
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr("payload.html", f"<script>alert('{SECRET}')</script>")
    return encode(scene(), "JPEG") + archive.getvalue()


def animation(fmt: str) -> bytes:
    frames = [Image.new("RGB", (32, 32), colour) for colour in (RED, (0, 255, 0), BLUE)]
    return encode(frames[0], fmt, save_all=True, append_images=frames[1:], duration=100, loop=0)


def png_16bit() -> bytes:
    grey = Image.linear_gradient("L").resize((64, 64)).convert("I").point(lambda v: v * 257).convert("I;16")
    return encode(grey, "PNG")


def jpeg_with_exif(**tags) -> bytes:
    exif = Image.Exif()
    exif[0x010E] = SECRET  # ImageDescription
    for tag, value in tags.items():
        exif[int(tag[1:], 16)] = value
    return encode(scene(64, 32), "JPEG", exif=exif)


def jpeg_with_gps() -> bytes:
    exif = Image.Exif()
    exif[0x010F] = SECRET  # Make
    exif[0x8825] = {1: "N", 2: (51.0, 30.0, 0.0), 3: "W", 4: (0.0, 7.0, 36.0), 27: b"ASCII\0\0\0" + SECRET.encode()}
    data = encode(scene(), "JPEG", exif=exif)
    assert Image.open(io.BytesIO(data)).getexif().get_ifd(0x8825)[1] == "N"  # the corpus really carries GPS
    return data


def png_with_text(keyword: str = "Comment", text: str = SECRET) -> bytes:
    info = PngInfo()
    info.add_text(keyword, text)
    info.add_itxt("Author", SECRET, zip=True)
    return encode(scene(), "PNG", pnginfo=info)


def palette_png_with_transparency() -> bytes:
    """Left half is palette index 0 (red, but fully transparent), right half index 1 (blue)."""
    img = Image.new("P", (32, 32), 1)
    img.putpalette([*RED, *BLUE])
    ImageDraw.Draw(img).rectangle((0, 0, 15, 31), fill=0)
    return encode(img, "PNG", transparency=0)


def corner(img: Image.Image, where: str) -> tuple[int, ...]:
    x = 2 if "left" in where else img.width - 3
    y = 2 if "top" in where else img.height - 3
    return img.getpixel((x, y))


def near(pixel, colour, tolerance: int = 40) -> bool:
    return all(abs(a - b) <= tolerance for a, b in zip(pixel, colour))


def mostly(img: Image.Image, colour) -> bool:
    return near(tuple(round(c) for c in ImageStat.Stat(img).mean), colour)


REFUSED = {  # name: (filename, builder, status)
    "png_header_claims_20000x20000": ("bomb.png", lambda: png_claiming(20000, 20000), 400),
    "png_pixel_flood_48_megapixels": (
        "flood.png",
        lambda: encode(Image.new("1", (8000, 6000)), "PNG", optimize=True),
        400,
    ),
    "jpeg_header_claims_65000x65000": ("flood.jpg", lambda: jpeg_claiming(65000, 65000), 400),
    "svg": ("photo.svg", lambda: b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>', 400),
    "html_named_jpg": ("photo.jpg", lambda: b"<!doctype html><script>alert(document.cookie)</script>", 400),
    "truncated_jpeg": ("cut.jpg", lambda: encode(scene(), "JPEG")[:600], 400),
    "zero_bytes": ("empty.jpg", lambda: b"", 400),
    "jpeg_magic_then_garbage": ("fake.jpg", lambda: b"\xff\xd8\xff\xe0" + b"\0" * 200, 400),
    "png_signature_only": ("fake.png", lambda: b"\x89PNG\r\n\x1a\n", 400),
    "png_with_corrupt_pixel_data": ("broken.png", png_with_zeroed_idat, 400),
    "png_with_ztxt_decompression_bomb": ("text.png", png_with_ztxt_bomb, 400),
    "animated_gif_1000_frames": ("anim.gif", gif_with_1000_frames, 400),
    "bmp": ("photo.bmp", lambda: encode(scene(), "BMP"), 400),
    "tiff_named_jpg": ("photo.jpg", lambda: encode(scene(), "TIFF"), 400),
    "over_16_mb": ("huge.jpg", lambda: encode(scene(), "JPEG") + b"\0" * (17 * 1024 * 1024), 413),
}

ACCEPTED = {  # name: (filename, builder, check of the stored image)
    "jpeg_zip_polyglot": ("poly.jpg", jpeg_zip_polyglot, lambda img: near(corner(img, "top left"), ORANGE)),
    "animated_png_first_frame": ("anim.png", lambda: animation("PNG"), lambda img: mostly(img, RED)),
    "animated_webp_first_frame": ("anim.webp", lambda: animation("WEBP"), lambda img: mostly(img, RED)),
    "cmyk_jpeg": (
        "cmyk.jpg",
        lambda: encode(scene().convert("CMYK"), "JPEG"),
        lambda img: near(corner(img, "top left"), ORANGE) and near(corner(img, "top right"), NAVY),
    ),
    "png_16bit_keeps_its_tones": (
        "deep.png",
        png_16bit,
        lambda img: (
            img.getextrema()[0][0] < 20 < 235 < img.getextrema()[0][1] and 80 < ImageStat.Stat(img).mean[0] < 180
        ),
    ),
    "exif_orientation_6_is_applied": (
        "rotated.jpg",
        lambda: jpeg_with_exif(x0112=6),
        lambda img: img.size == (32, 64) and near(corner(img, "top right"), ORANGE),
    ),
    "exif_orientation_out_of_range": ("odd.jpg", lambda: jpeg_with_exif(x0112=99), lambda img: img.size == (64, 32)),
    "exif_with_gps": ("gps.jpg", jpeg_with_gps, lambda img: near(corner(img, "top left"), ORANGE)),
    "png_text_chunks": ("text.png", png_with_text, lambda img: near(corner(img, "top left"), ORANGE)),
    "png_lowercase_comment_chunk": (
        "text.png",
        lambda: png_with_text("comment"),
        lambda img: near(corner(img, "top left"), ORANGE),
    ),
    "png_70kb_comment_chunk": (
        "text.png",
        lambda: png_with_text("comment", SECRET + "x" * 70_000),
        lambda img: near(corner(img, "top left"), ORANGE),
    ),
    "jpeg_comment": (
        "comment.jpg",
        lambda: encode(scene(), "JPEG", comment=SECRET.encode()),
        lambda img: near(corner(img, "bottom right"), NAVY),
    ),
    "palette_png_transparency_on_white": (
        "pal.png",
        palette_png_with_transparency,
        lambda img: near(corner(img, "top left"), WHITE, 5) and near(corner(img, "top right"), BLUE, 5),
    ),
    "rgba_webp_transparency_on_white": (
        "alpha.webp",
        lambda: encode(Image.new("RGBA", (32, 32), (*RED, 0)), "WEBP", lossless=True),
        lambda img: mostly(img, WHITE),
    ),
    "webp_named_jpg": ("really-webp.jpg", lambda: encode(scene(), "WEBP"), lambda img: img.size == (64, 48)),
    "path_traversal_filename": ("../../etc/passwd.jpg", lambda: encode(scene(), "JPEG"), lambda img: True),
    "unicode_filename": ("фото 📷.jpg", lambda: encode(scene(), "JPEG"), lambda img: True),
    "panorama_20000x2": (
        "wide.png",
        lambda: encode(Image.new("RGB", (20000, 2), RED), "PNG"),
        lambda img: img.size == (20000, 2),
    ),
    "one_pixel": ("dot.png", lambda: encode(Image.new("RGB", (1, 1), BLUE), "PNG"), lambda img: img.size == (1, 1)),
}


def accepted_cases():
    return list(ACCEPTED)


# --- helpers ---------------------------------------------------------------------------------------------------


@pytest.fixture
def contest(app, api):
    """An open contest; afterwards `api` speaks for a member who may enter it many times."""
    get_queue("images").empty()  # thumbnail job ids repeat across fresh databases; start from an empty queue
    now = datetime.now(timezone.utc)
    r = api.as_("staff").post(
        "/contests",
        json={
            "title": "Odd uploads",
            "rules": "Your own photos only.",
            "opens_at": (now - timedelta(hours=1)).isoformat(),
            "entries_close_at": (now + timedelta(days=1)).isoformat(),
            "closes_at": (now + timedelta(days=2)).isoformat(),
            "max_entries_per_member": 100,
        },
    )
    assert r.status_code == 201, r.get_json()
    api.as_("member")
    return r.get_json()["id"]


def upload(api, contest_id: int, data: bytes, filename: str = "photo.jpg", caption: str = "Morning light"):
    return api.post(
        f"/contests/{contest_id}/entries",
        data={"caption": caption, "photo": (io.BytesIO(data), filename)},
        content_type="multipart/form-data",
    )


def media_files(app) -> list[Path]:
    root = Path(app.config["MEDIA_DIR"])
    return sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []


def assert_json_error(response, status: int) -> None:
    assert response.status_code == status, response.data[:300]
    assert response.is_json, response.headers["Content-Type"]
    assert isinstance(response.get_json()["error"], str) and response.get_json()["error"]


def assert_clean(path: Path) -> Image.Image:
    raw = path.read_bytes()
    for marker in (SECRET.encode(), b"GPS", b"Exif", b"PK\x03\x04", b"<script"):
        assert marker not in raw, f"{marker!r} survived in {path.name}"
    img = Image.open(path)
    img.load()
    assert img.mode == "RGB"
    assert not img.getexif(), dict(img.getexif())
    assert not {"exif", "comment", "xmp", "icc_profile"} & set(img.info), img.info.keys()
    return img


def fetch_media(client, url: str, mimetype: str) -> bytes:
    r = client.get(url)
    assert r.status_code == 200, url
    assert r.mimetype == mimetype
    assert r.headers["X-Content-Type-Options"] == "nosniff"
    max_age = re.search(r"max-age=(\d+)", r.headers["Cache-Control"])
    assert max_age and int(max_age.group(1)) >= 30 * 86400, r.headers["Cache-Control"]
    return r.data


# --- tests -----------------------------------------------------------------------------------------------------


@pytest.mark.filterwarnings("ignore::PIL.Image.DecompressionBombWarning")
@pytest.mark.parametrize("case", REFUSED)
def test_refused_upload_answers_4xx_json_error_and_stores_nothing(app, api, contest, case):
    filename, build, status = REFUSED[case]
    assert_json_error(upload(api, contest, build(), filename), status)
    assert media_files(app) == []
    assert api.get(f"/contests/{contest}/entries").get_json()["items"] == []


@pytest.mark.worker
@pytest.mark.filterwarnings("ignore:Corrupt EXIF data")
@pytest.mark.parametrize("case", accepted_cases())
def test_accepted_upload_is_stored_clean_and_gets_three_webp_thumbnails(
    app, client, api, contest, database_url, redis_url, tmp_path, case
):
    filename, build, check = ACCEPTED[case]
    r = upload(api, contest, build(), filename)
    assert r.status_code == 202, r.get_json()
    entry = r.get_json()
    assert entry["state"] == "processing" and entry["thumbnails"] == dict.fromkeys(THUMBNAIL_SIZES)

    media = Path(app.config["MEDIA_DIR"])
    [original] = media_files(app)
    assert STORED_KEY.match(original.relative_to(media).as_posix()), original
    assert original.resolve().is_relative_to(media.resolve())
    stored = assert_clean(original)
    assert stored.format == "JPEG"
    assert check(stored), (stored.size, stored.getpixel((0, 0)))
    assert fetch_media(client, entry["image_url"], "image/jpeg") == original.read_bytes()

    run_worker_burst(database_url, redis_url, tmp_path)
    entry = api.get(f"/entries/{entry['id']}").get_json()
    assert entry["state"] == "pending_review" and entry["error"] is None, entry
    for size, side in THUMBNAIL_SIZES.items():
        thumb = Image.open(io.BytesIO(fetch_media(client, entry["thumbnails"][size], "image/webp")))
        assert thumb.format == "WEBP" and thumb.mode == "RGB" and not thumb.getexif()
        assert max(thumb.size) == min(side, max(stored.size))
        assert (thumb.width >= thumb.height) == (stored.width >= stored.height)

    files = media_files(app)
    assert len(files) == 1 + len(THUMBNAIL_SIZES), files  # the original and its thumbnails; no temporary files
    for path in files:
        assert not path.name.startswith(".") and path.suffix in (".jpg", ".webp"), path
        assert_clean(path)
    assert not [p for p in tmp_path.rglob("*passwd*")] and not (tmp_path / "etc").exists()


def textured(seed: int, size=(480, 360)) -> Image.Image:
    """A photo-like picture: a gradient with shapes placed by the seed, so dHash has real structure."""
    img = Image.linear_gradient("L").resize(size).convert("RGB")
    if seed % 2:
        img = img.transpose(Image.Transpose.ROTATE_180)
    draw = ImageDraw.Draw(img)
    for i in range(6):
        x, y = (seed * 97 + i * 131) % size[0], (seed * 53 + i * 71) % size[1]
        draw.ellipse((x, y, x + 90, y + 70), fill=((seed * 40 + i * 60) % 256, 120, 200 - i * 30))
    return img


@pytest.mark.parametrize("second", ["identical_bytes", "reencoded_and_resized"])
def test_same_photo_entered_twice_is_refused_as_duplicate(app, api, contest, second):
    photo = textured(seed=3)
    assert upload(api, contest, encode(photo, "JPEG", quality=92)).status_code == 202
    again = (
        encode(photo, "JPEG", quality=92)
        if second == "identical_bytes"
        else encode(photo.resize((456, 342)), "WEBP", quality=70)
    )
    assert_json_error(upload(api, contest, again, "again.jpg"), 409)
    assert len(media_files(app)) == 1  # the refused copy was not kept

    assert upload(api, contest, encode(textured(seed=8), "JPEG"), "other.jpg").status_code == 202
    assert len(media_files(app)) == 2


@pytest.mark.parametrize(
    "request_kind",
    ["json_body", "urlencoded_form", "missing_photo_field", "photo_sent_as_text_field", "caption_of_301_chars"],
)
def test_malformed_entry_request_answers_400_with_json_error(app, api, contest, request_kind):
    path = f"/contests/{contest}/entries"
    photo = (io.BytesIO(encode(scene(), "JPEG")), "photo.jpg")
    if request_kind == "json_body":
        r = api.post(path, json={"caption": "hello", "photo": "aGVsbG8="})
    elif request_kind == "urlencoded_form":
        r = api.post(path, data={"caption": "hello"})
    elif request_kind == "missing_photo_field":
        r = api.post(path, data={"caption": "hello", "image": photo}, content_type="multipart/form-data")
    elif request_kind == "photo_sent_as_text_field":
        r = api.post(path, data={"caption": "hello", "photo": "photo.jpg"}, content_type="multipart/form-data")
    else:
        r = api.post(path, data={"caption": "x" * 301, "photo": photo}, content_type="multipart/form-data")
    assert_json_error(r, 400)
    assert media_files(app) == []


def test_caption_of_exactly_300_chars_is_accepted(api, contest):
    r = upload(api, contest, encode(scene(), "JPEG"), caption="x" * 300)
    assert r.status_code == 202, r.get_json()
    assert r.get_json()["caption"] == "x" * 300


def test_photos_without_horizontal_detail_are_not_duplicates_of_each_other(api, contest):
    assert upload(api, contest, encode(Image.new("RGB", (640, 480), "black"), "PNG")).status_code == 202
    r = upload(api, contest, encode(Image.new("RGB", (640, 480), "white"), "PNG"))
    assert r.status_code == 202, r.get_json()


@pytest.mark.worker
def test_photo_of_a_failed_entry_can_be_uploaded_again(app, api, contest, database_url, redis_url, tmp_path):
    photo = encode(textured(seed=5), "JPEG")
    entry = upload(api, contest, photo).get_json()
    [original] = media_files(app)
    original.write_bytes(original.read_bytes()[:500])  # the disk lost the file's end before the worker came
    run_worker_burst(database_url, redis_url, tmp_path)
    failed = api.get(f"/entries/{entry['id']}").get_json()
    assert failed["state"] == "failed" and failed["error"], failed
    r = upload(api, contest, photo)
    assert r.status_code == 202, r.get_json()
