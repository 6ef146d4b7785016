"""Uploaded images made safe: content-sniffed allowlist, pixel cap, orientation applied, metadata gone."""

from __future__ import annotations

import io
import math
from contextlib import contextmanager
from dataclasses import dataclass
from typing import cast

from PIL import Image, ImageCms, ImageFile, ImageOps, ImageStat, UnidentifiedImageError

from .exceptions import InvalidInput

FORMATS = ("JPEG", "PNG", "WEBP")
MAX_PIXELS = 40_000_000
ImageFile.LOAD_TRUNCATED_IMAGES = False  # a truncated upload is refused, never half-decoded


class InvalidImage(InvalidInput):
    pass


@dataclass
class Photo:
    data: bytes  # a fresh JPEG made from the pixels alone
    width: int
    height: int
    hash: str  # perceptual fingerprint, see photo_hash()


@contextmanager
def _opened(stream, draft_side: int | None = None):
    """Opens by content (never by name), refuses bombs before decoding, yields upright pixels of frame one."""
    Image.MAX_IMAGE_PIXELS = MAX_PIXELS
    try:
        with Image.open(stream, formats=FORMATS) as img:
            if img.width * img.height > MAX_PIXELS:
                raise InvalidImage(f"The image is too large: at most {MAX_PIXELS // 1_000_000} megapixels.")
            if draft_side:
                # The box keeps the photo's shape: a square box would make a 4:3 photo decode at full size.
                scale = draft_side / max(img.width, img.height)
                img.draft("RGB", (math.ceil(img.width * scale), math.ceil(img.height * scale)))
            img.seek(0)  # animations: the first frame only
            icc = img.info.get("icc_profile") if img.mode == "RGB" else None
            ImageOps.exif_transpose(img, in_place=True)  # no full-size copy
            clean = _to_srgb(_to_rgb(img), icc)
            clean.info = {}  # nothing of the upload's metadata (EXIF, GPS, comments, text chunks) may be saved again
            yield clean
    except (UnidentifiedImageError, Image.DecompressionBombError) as exc:
        raise InvalidImage("That file is not a JPEG, PNG or WebP image we can use.") from exc
    except (OSError, SyntaxError, ValueError, EOFError) as exc:
        raise InvalidImage("The image is damaged or truncated.") from exc


def _to_rgb(img: Image.Image) -> Image.Image:
    """CMYK, palette, 16-bit and transparent images all become plain 8-bit RGB (transparency on white)."""
    if img.mode in ("I;16", "I;16B", "I;16L", "I"):
        img = img.point(lambda v: v * (1 / 256)).convert("L")  # 16-bit: keep the tones, not just the clipped top
    if img.mode == "P":
        img = img.convert("RGBA")
    if img.mode in ("RGBA", "LA", "PA"):
        img = img.convert("RGBA")
        canvas = Image.new("RGB", img.size, "white")
        canvas.paste(img, mask=img.getchannel("A"))
        return canvas
    return img if img.mode == "RGB" else img.convert("RGB")


SRGB = ImageCms.createProfile("sRGB")


def _to_srgb(img: Image.Image, icc: bytes | None) -> Image.Image:
    """Wide-gamut photos (Display P3 phones) keep their colours once the profile itself is dropped."""
    if not icc:
        return img
    try:
        converted = ImageCms.profileToProfile(img, ImageCms.ImageCmsProfile(io.BytesIO(icc)), SRGB, outputMode="RGB")
        return cast(Image.Image, converted)  # None only with inPlace=True
    except (ImageCms.PyCMSError, OSError, ValueError):
        return img  # a broken profile: the pixels as they are


def normalise(stream, max_side: int = 1600) -> bytes:
    """Re-encodes to WebP from the pixels alone, so nothing of the original file (EXIF, GPS) survives."""
    with _opened(stream, draft_side=max_side) as img:
        img.thumbnail((max_side, max_side))
        out = io.BytesIO()
        img.save(out, "WEBP", quality=85, method=4)
        return out.getvalue()


DCT_SIDE = 32  # the greyscale copy the transform runs on
LOW = 10  # the 10×10 lowest frequencies, less the DC term: the layout of the photo, not its fine detail
STRUCTURE_BITS = LOW * LOW - 1
STRUCTURE_HEX = (STRUCTURE_BITS + 3) // 4  # comparing two fingerprints: see contests/duplicates.py
_COS = [[math.cos(math.pi * u * (2 * x + 1) / (2 * DCT_SIDE)) for x in range(DCT_SIDE)] for u in range(LOW)]


def photo_hash(img: Image.Image) -> str:
    """A perceptual fingerprint that survives resizing, re-encoding and slight crops: pHash (the signs of the
    lowest DCT frequencies of a small greyscale copy against their median), plus the mean colour, so flat
    images and the same scene in other light still differ."""
    base = img.resize((DCT_SIDE, DCT_SIDE), Image.Resampling.BOX, reducing_gap=4.0)
    px = base.convert("L").tobytes()
    n, cos = DCT_SIDE, _COS
    rows = [[sum(px[y * n + x] * cu[x] for x in range(n)) for cu in cos] for y in range(n)]
    freqs = [sum(rows[y][u] * cv[y] for y in range(n)) for cv in cos for u in range(LOW)][1:]
    median = sorted(freqs)[len(freqs) // 2]
    bits = 0
    for f in freqs:
        bits = (bits << 1) | (f > median + 1e-6)  # flat images: every term is ~0, all bits 0
    mean = "".join(f"{round(c):02x}" for c in ImageStat.Stat(base).mean[:3])
    return f"{bits:0{STRUCTURE_HEX}x}{mean}"


def normalise_photo(stream) -> Photo:
    """A contest photo at full size: upright, RGB, a clean JPEG with no metadata at all."""
    if _is_empty(stream):
        raise InvalidImage("The file is empty.")
    with _opened(stream) as img:
        out = io.BytesIO()
        img.save(out, "JPEG", quality=90, optimize=False, progressive=False)
        return Photo(out.getvalue(), img.width, img.height, photo_hash(img))


def thumbnails(path, sizes: dict[str, int]) -> dict[str, bytes]:
    """WebP thumbnails, largest first: draft mode lets the JPEG decoder skip pixels it would throw away."""
    largest = max(sizes.values())
    result = {}
    with _opened(path, draft_side=largest) as img:
        for name, side in sorted(sizes.items(), key=lambda item: -item[1]):
            img.thumbnail((side, side), reducing_gap=3.0)
            out = io.BytesIO()
            img.save(out, "WEBP", quality=82, method=4)
            result[name] = out.getvalue()
    return result


def _is_empty(stream) -> bool:
    position = stream.tell()
    empty = not stream.read(1)
    stream.seek(position)
    return empty


def square_thumbnail(stream, side: int) -> bytes:
    """A square WebP cut from the middle (avatars): a portrait photo fills the circle instead of floating in it."""
    with _opened(stream) as img:  # the stored original is already small (profile.AVATAR_SIDE)
        square = ImageOps.fit(img, (side, side), Image.Resampling.LANCZOS)
        out = io.BytesIO()
        square.save(out, "WEBP", quality=82, method=4)
        return out.getvalue()
