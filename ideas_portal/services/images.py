"""Uploaded images made safe: content-sniffed allowlist, pixel cap, orientation applied, metadata gone."""
from __future__ import annotations

import io

from PIL import Image, ImageOps, UnidentifiedImageError

from .exceptions import InvalidInput

FORMATS = ("JPEG", "PNG", "WEBP")
MAX_PIXELS = 40_000_000


def normalise(stream, max_side: int = 1600) -> bytes:
    """Re-encodes to WebP from the pixels alone, so nothing of the original file (EXIF, GPS) survives."""
    Image.MAX_IMAGE_PIXELS = MAX_PIXELS
    try:
        with Image.open(stream, formats=FORMATS) as img:
            if img.width * img.height > MAX_PIXELS:
                raise InvalidInput(f"The image is too large (at most {MAX_PIXELS // 1_000_000} megapixels).")
            img.draft("RGB", (max_side, max_side))
            img = ImageOps.exif_transpose(img)
            img = img.convert("RGB")
            img.thumbnail((max_side, max_side))
            out = io.BytesIO()
            img.save(out, "WEBP", quality=85, method=4)
            return out.getvalue()
    except (UnidentifiedImageError, Image.DecompressionBombError) as exc:
        raise InvalidInput("That file is not a JPEG, PNG or WebP image we can use.") from exc
    except (OSError, SyntaxError, ValueError) as exc:
        raise InvalidInput("The image is damaged or truncated.") from exc
