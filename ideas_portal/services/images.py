"""Uploaded images made safe: content-sniffed allowlist, pixel cap, orientation applied, metadata gone."""
from __future__ import annotations

import io
from contextlib import contextmanager
from dataclasses import dataclass

from PIL import Image, ImageFile, ImageOps, UnidentifiedImageError

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
    hash: str  # 256-bit difference hash, hex


@contextmanager
def _opened(stream, draft_side: int | None = None):
    """Opens by content (never by name), refuses bombs before decoding, yields upright pixels of frame one."""
    Image.MAX_IMAGE_PIXELS = MAX_PIXELS
    try:
        with Image.open(stream, formats=FORMATS) as img:
            if img.width * img.height > MAX_PIXELS:
                raise InvalidImage(f"The image is too large: at most {MAX_PIXELS // 1_000_000} megapixels.")
            if draft_side:
                img.draft("RGB", (draft_side, draft_side))
            img.seek(0)  # animations: the first frame only
            upright = ImageOps.exif_transpose(img)
            yield _to_rgb(upright)
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
    return img.convert("RGB")


def normalise(stream, max_side: int = 1600) -> bytes:
    """Re-encodes to WebP from the pixels alone, so nothing of the original file (EXIF, GPS) survives."""
    with _opened(stream, draft_side=max_side) as img:
        img.thumbnail((max_side, max_side))
        out = io.BytesIO()
        img.save(out, "WEBP", quality=85, method=4)
        return out.getvalue()


HASH_SIDE = 16  # 256 bits: 64 were too coarse to tell apart different photos of the same kind of subject


def difference_hash(img: Image.Image) -> str:
    """dHash (Krawetz): brightness gradients of a small greyscale copy; survives resizing and re-encoding."""
    small = img.convert("L").resize((HASH_SIDE + 1, HASH_SIDE), Image.Resampling.LANCZOS, reducing_gap=2.0)
    px, width = small.tobytes(), HASH_SIDE + 1
    bits = 0
    for row in range(HASH_SIDE):
        for col in range(HASH_SIDE):
            bits = (bits << 1) | (px[row * width + col] > px[row * width + col + 1])
    return f"{bits:0{HASH_SIDE * HASH_SIDE // 4}x}"


def hash_distance(a: str, b: str) -> int:
    return (int(a, 16) ^ int(b, 16)).bit_count()


def normalise_photo(stream) -> Photo:
    """A contest photo at full size: upright, RGB, a clean JPEG with no metadata at all."""
    if _is_empty(stream):
        raise InvalidImage("The file is empty.")
    with _opened(stream) as img:
        out = io.BytesIO()
        img.save(out, "JPEG", quality=90, optimize=False, progressive=False)
        return Photo(out.getvalue(), img.width, img.height, difference_hash(img))


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
