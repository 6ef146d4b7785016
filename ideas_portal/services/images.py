"""Uploaded images made safe: content-sniffed allowlist, pixel cap, orientation applied, metadata gone."""
from __future__ import annotations

import io
import math
from contextlib import contextmanager
from dataclasses import dataclass

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
        return ImageCms.profileToProfile(img, ImageCms.ImageCmsProfile(io.BytesIO(icc)), SRGB, outputMode="RGB")
    except (ImageCms.PyCMSError, OSError, ValueError):
        return img  # a broken profile: the pixels as they are


def normalise(stream, max_side: int = 1600) -> bytes:
    """Re-encodes to WebP from the pixels alone, so nothing of the original file (EXIF, GPS) survives."""
    with _opened(stream, draft_side=max_side) as img:
        img.thumbnail((max_side, max_side))
        out = io.BytesIO()
        img.save(out, "WEBP", quality=85, method=4)
        return out.getvalue()


HASH_SIDE = 16  # 16×16 gradients each way: 64 bits were too coarse for many photos of one kind of subject
STRUCTURE_HEX = 2 * HASH_SIDE * HASH_SIDE // 4
SAME_STRUCTURE_BITS = 24  # of 512 gradient bits that may differ between two copies of one photo
SAME_COLOUR_LEVELS = 24  # of 255, per channel of the mean colour


def photo_hash(img: Image.Image) -> str:
    """A perceptual fingerprint that survives resizing and re-encoding: dHash (Krawetz) of brightness gradients
    across and down a small greyscale copy, plus the mean colour, so flat or gradient-only images still differ."""
    base = img.resize((64, 64), Image.Resampling.BILINEAR, reducing_gap=2.0)
    grey = base.convert("L")
    side = HASH_SIDE
    wide = grey.resize((side + 1, side), Image.Resampling.LANCZOS).tobytes()
    tall = grey.resize((side, side + 1), Image.Resampling.LANCZOS).tobytes()
    across = down = 0
    for row in range(side):
        for col in range(side):
            across = (across << 1) | (wide[row * (side + 1) + col] > wide[row * (side + 1) + col + 1])
            down = (down << 1) | (tall[row * side + col] > tall[(row + 1) * side + col])
    mean = "".join(f"{round(c):02x}" for c in ImageStat.Stat(base).mean[:3])
    return f"{across:0{STRUCTURE_HEX // 2}x}{down:0{STRUCTURE_HEX // 2}x}{mean}"


BANDS = SAME_STRUCTURE_BITS + 1  # pigeonhole: copies within SAME_STRUCTURE_BITS share at least one band exactly


def hash_bands(photo_hash: str) -> list[tuple[int, int]]:
    """(band, value) slices of the structure bits, for the indexed look-up of likely copies."""
    bits, total = int(photo_hash[:STRUCTURE_HEX], 16), STRUCTURE_HEX * 4
    bands, start = [], 0
    for band in range(BANDS):
        width = total // BANDS + (band < total % BANDS)
        bands.append((band, (bits >> (total - start - width)) & ((1 << width) - 1)))
        start += width
    return bands


def same_photo(a: str, b: str) -> bool:
    if len(a) != len(b):
        return False
    if (int(a[:STRUCTURE_HEX], 16) ^ int(b[:STRUCTURE_HEX], 16)).bit_count() > SAME_STRUCTURE_BITS:
        return False
    return all(abs(int(a[i:i + 2], 16) - int(b[i:i + 2], 16)) <= SAME_COLOUR_LEVELS
               for i in range(STRUCTURE_HEX, STRUCTURE_HEX + 6, 2))


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
