"""How well the contest's photo fingerprint tells a copy from another photo of the same subject.

Builds a reproducible set with Pillow alone: synthetic scenes (a busy or a plain backdrop, a table, objects in front)
seen through a camera whose layers move with parallax. Each subject's original is paired with true copies
(re-encoded, resized, cropped 2–5 %, new metadata, another format, slightly brighter or darker) and with
distinct photos of the same subject (another viewpoint, framing, time of day, objects moved). Every image goes
through the app's own upload path (`images.normalise_photo`), then the script prints the copy catch rate and
the false-refusal rate at the app's thresholds, per kind, and the curve over thresholds.

    .venv/bin/python bench/near_duplicates.py [--subjects 40]
"""

from __future__ import annotations

import argparse
import io
import math
import random
import sys
from dataclasses import dataclass, field, replace
from pathlib import Path

from PIL import Image, ImageDraw, ImageEnhance, ImageFilter

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from ideas_portal.services import images  # noqa: E402
from ideas_portal.services.contests import duplicates  # noqa: E402

WORLD = (1600, 1200)
FRAME = (960, 720)
PALETTE = [
    (180, 70, 40),
    (40, 90, 160),
    (230, 190, 60),
    (70, 140, 80),
    (120, 60, 130),
    (210, 120, 160),
    (90, 60, 40),
    (240, 240, 230),
    (30, 30, 35),
    (200, 90, 30),
]


@dataclass(frozen=True)
class Thing:
    kind: str  # cup, donut, box, plant
    x: float  # world position of its centre, in [0, 1]
    y: float
    size: float
    colour: tuple[int, int, int]


@dataclass(frozen=True)
class Shot:
    """One photograph of a subject: where the camera stands, how wide it sees, the light, where things stand."""

    seed: int
    things: tuple[Thing, ...]
    pan: tuple[float, float] = (0.0, 0.0)  # camera offset, in frame widths
    zoom: float = 1.0
    hour: float = 12.0  # time of day: sets brightness, tint and the shadows' direction
    extra: dict = field(default_factory=dict, hash=False, compare=False)


def _noise(rng: random.Random, size: tuple[int, int], cells: tuple[int, int], strength: int) -> Image.Image:
    """Value noise: random cells smoothed up to size, a texture that belongs to the world, not the frame."""
    data = bytes(rng.randrange(128 - strength, 128 + strength) for _ in range(cells[0] * cells[1]))
    return Image.frombytes("L", cells, data).resize(size, Image.Resampling.BICUBIC)


def _light(hour: float) -> tuple[float, tuple[float, float, float], float]:
    """Brightness, RGB tint and sun angle for an hour between 6 and 20."""
    day = math.sin(math.pi * (hour - 6) / 14)
    warmth = 1 - day
    return 0.55 + 0.5 * day, (1 + 0.25 * warmth, 1 + 0.02 * warmth, 1 - 0.3 * warmth), math.pi * (hour - 6) / 14


def _backdrop(seed: int) -> Image.Image:
    rng = random.Random(seed)
    top, bottom = rng.choice(PALETTE), rng.choice(PALETTE)
    img = Image.linear_gradient("L").resize(WORLD)
    img = Image.composite(Image.new("RGB", WORLD, bottom), Image.new("RGB", WORLD, top), img)
    if seed % 2:  # a product shot against a plain wall: little but the subject to tell photos apart
        return img
    draw = ImageDraw.Draw(img)
    for _ in range(rng.randint(3, 6)):  # shelves, frames, windows on the wall
        x, y = rng.randrange(WORLD[0]), rng.randrange(WORLD[1] // 2)
        w, h = rng.randint(120, 400), rng.randint(60, 260)
        draw.rectangle((x, y, x + w, y + h), fill=rng.choice(PALETTE), outline=(20, 20, 20), width=6)
    grain = _noise(rng, WORLD, (80, 60), 50).convert("RGB")
    return Image.blend(img, grain, 0.25)


def _table(seed: int, sun: float) -> Image.Image:
    rng = random.Random(seed + 1)
    layer = Image.new("RGBA", WORLD, (0, 0, 0, 0))
    top = int(WORLD[1] * rng.uniform(0.55, 0.65))
    wood = rng.choice(PALETTE)
    grain = _noise(rng, (WORLD[0], WORLD[1] - top), (12, 160), 60)
    surface = Image.new("RGB", grain.size, wood)
    surface = Image.blend(surface, grain.convert("RGB"), 0.35)
    layer.paste(surface, (0, top))
    return layer


def _things(shot: Shot, sun: float) -> Image.Image:
    layer = Image.new("RGBA", WORLD, (0, 0, 0, 0))
    draw = ImageDraw.Draw(layer)
    shadow_dx = 120 * math.cos(sun)
    for t in shot.things:
        cx, cy, r = t.x * WORLD[0], t.y * WORLD[1], t.size * WORLD[0]
        draw.ellipse((cx - r + shadow_dx, cy + r * 0.7, cx + r + shadow_dx * 2, cy + r * 1.1), fill=(0, 0, 0, 110))
        if t.kind == "cup":
            draw.rounded_rectangle((cx - r * 0.7, cy - r, cx + r * 0.7, cy + r), radius=int(r * 0.2), fill=t.colour)
            draw.arc(
                (cx + r * 0.5, cy - r * 0.5, cx + r * 1.1, cy + r * 0.3),
                -90,
                90,
                fill=t.colour,
                width=max(4, int(r * 0.15)),
            )
            draw.ellipse((cx - r * 0.7, cy - r * 1.15, cx + r * 0.7, cy - r * 0.85), fill=(90, 55, 30))
        elif t.kind == "donut":
            draw.ellipse((cx - r, cy - r * 0.6, cx + r, cy + r * 0.6), fill=(215, 160, 90))
            draw.ellipse((cx - r * 0.85, cy - r * 0.5, cx + r * 0.85, cy + r * 0.45), fill=t.colour)
            draw.ellipse((cx - r * 0.25, cy - r * 0.15, cx + r * 0.25, cy + r * 0.15), fill=(0, 0, 0, 0))
        elif t.kind == "box":
            draw.rectangle((cx - r, cy - r * 0.8, cx + r, cy + r * 0.8), fill=t.colour, outline=(25, 25, 25), width=5)
            draw.line((cx - r, cy, cx + r, cy), fill=(250, 250, 250), width=8)
        else:  # a plant in a pot
            draw.polygon(
                [(cx - r * 0.5, cy), (cx + r * 0.5, cy), (cx + r * 0.35, cy + r), (cx - r * 0.35, cy + r)],
                fill=t.colour,
            )
            for k in range(7):
                a = math.pi * (0.15 + 0.7 * k / 6)
                draw.ellipse(
                    (
                        cx + r * math.cos(a) - r * 0.25,
                        cy - r * math.sin(a) - r * 0.25,
                        cx + r * math.cos(a) + r * 0.25,
                        cy - r * math.sin(a) + r * 0.25,
                    ),
                    fill=(50, 130, 60),
                )
    return layer


def _camera(layer: Image.Image, shot: Shot, parallax: float) -> Image.Image:
    """The part of a world layer the camera sees; nearer layers (parallax 1) move further when the camera does."""
    scale = WORLD[0] * 0.7 / shot.zoom / FRAME[0]
    cx = WORLD[0] / 2 + shot.pan[0] * FRAME[0] * scale * parallax
    cy = WORLD[1] / 2 + shot.pan[1] * FRAME[1] * scale * parallax
    matrix = (scale, 0, cx - FRAME[0] / 2 * scale, 0, scale, cy - FRAME[1] / 2 * scale)
    return layer.transform(FRAME, Image.Transform.AFFINE, matrix, Image.Resampling.BILINEAR)


def render(shot: Shot) -> Image.Image:
    brightness, tint, sun = _light(shot.hour)
    img = _camera(_backdrop(shot.seed), shot, 0.4)
    for layer, parallax in ((_table(shot.seed, sun), 0.7), (_things(shot, sun), 1.0)):
        seen = _camera(layer, shot, parallax)
        img.paste(seen, (0, 0), seen)
    img = img.filter(ImageFilter.GaussianBlur(0.8))  # a lens, not a vector drawing
    bands = [band.point(lambda v, f=f * brightness: min(255, int(v * f))) for band, f in zip(img.split(), tint)]
    return Image.merge("RGB", bands)


def subject(seed: int) -> Shot:
    rng = random.Random(seed)
    things = tuple(
        Thing(
            rng.choice(["cup", "donut", "box", "plant"]),
            rng.uniform(0.3, 0.7),
            rng.uniform(0.62, 0.78),
            rng.uniform(0.04, 0.09),
            rng.choice(PALETTE),
        )
        for _ in range(rng.randint(2, 4))
    )
    return Shot(seed, things, hour=rng.uniform(10, 14))


def encode(img: Image.Image, fmt: str = "JPEG", **options) -> bytes:
    out = io.BytesIO()
    img.save(out, fmt, **({"quality": 92} if fmt == "JPEG" and not options else options))
    return out.getvalue()


def copies(rng: random.Random, img: Image.Image) -> dict[str, bytes]:
    """The same photograph again, as it arrives after passing through phones, apps and editors."""
    w, h = img.size
    exif = Image.Exif()
    exif[0x010F], exif[0x0110], exif[0x0132] = "OtherPhone", "Model X", "2026:11:30 12:00:00"
    c = rng.uniform(0.02, 0.05)
    side = rng.choice(["all", "left", "top", "right", "bottom"])
    box = {
        "all": (w * c / 2, h * c / 2, w * (1 - c / 2), h * (1 - c / 2)),
        "left": (w * c, 0, w, h),
        "top": (0, h * c, w, h),
        "right": (0, 0, w * (1 - c), h),
        "bottom": (0, 0, w, h * (1 - c)),
    }[side]
    small = rng.uniform(0.25, 0.7)
    return {
        "re-encoded": encode(img, "JPEG", quality=rng.randint(35, 80)),
        "resized": encode(img.resize((int(w * small), int(h * small)), Image.Resampling.LANCZOS), "JPEG", quality=85),
        "cropped 2-5%": encode(img.crop(tuple(int(v) for v in box)), "JPEG", quality=90),
        "metadata changed": encode(img, "JPEG", quality=90, exif=exif.tobytes(), comment=b"edited"),
        "PNG": encode(img, "PNG"),
        "WebP": encode(img, "WEBP", quality=rng.randint(60, 90)),
        "brightness": encode(ImageEnhance.Brightness(img).enhance(rng.choice([0.93, 0.96, 1.04, 1.07])), "JPEG"),
        "resized+cropped+WebP": encode(
            img.crop(tuple(int(v) for v in box)).resize((int(w * small), int(h * small))), "WEBP", quality=80
        ),
    }


def distinct(rng: random.Random, shot: Shot) -> dict[str, Shot]:
    """Other photographs of the same subject: what another member standing nearby would take."""
    sign = lambda: rng.choice([-1, 1])  # noqa: E731
    moved = tuple(
        replace(t, x=t.x + sign() * rng.uniform(0.04, 0.08), y=t.y + sign() * rng.uniform(0.0, 0.03))
        for t in shot.things
    )
    return {
        "viewpoint shifted": replace(shot, pan=(sign() * rng.uniform(0.12, 0.25), sign() * rng.uniform(0.0, 0.08))),
        "framed closer": replace(shot, zoom=rng.uniform(1.25, 1.6), pan=(sign() * rng.uniform(0.0, 0.1), 0.0)),
        "framed wider": replace(shot, zoom=rng.uniform(0.7, 0.8)),
        "another time of day": replace(shot, hour=rng.choice([7.0, 8.0, 18.0, 19.0])),
        "objects moved": replace(shot, things=moved),
    }


def fingerprint(data: bytes) -> str:
    return images.normalise_photo(io.BytesIO(data)).hash


def build(subjects: int) -> tuple[list[tuple[str, str, str]], list[tuple[str, str, str]], list[str]]:
    """(kind, original hash, other hash) for copies and for distinct photos, and every original's hash."""
    rng = random.Random(20261201)
    same, other, originals = [], [], []
    for n in range(subjects):
        shot = subject(1000 + n)
        picture = render(shot)
        original = fingerprint(encode(picture))
        originals.append(original)
        same += [(kind, original, fingerprint(data)) for kind, data in copies(rng, picture).items()]
        other += [(kind, original, fingerprint(encode(render(s)))) for kind, s in distinct(rng, shot).items()]
        print(f"\rbuilt {n + 1}/{subjects} subjects", end="", file=sys.stderr, flush=True)
    print(file=sys.stderr)
    return same, other, originals


def rate(pairs, test) -> float:
    return sum(test(a, b) for _, a, b in pairs) / len(pairs) if pairs else 0.0


def within(distance: tuple[int, int], bits: int, levels: int) -> bool:
    return distance[0] <= bits and distance[1] <= levels


def report(same, other, originals) -> None:
    unrelated = [("other subject", a, b) for i, a in enumerate(originals) for b in originals[i + 1 :]]
    print(f"{len(same)} copy pairs, {len(other)} distinct pairs of one subject, {len(unrelated)} unrelated pairs")
    print(
        f"thresholds: structure ≤ {duplicates.SAME_STRUCTURE_BITS} of {images.STRUCTURE_BITS} bits, "
        f"mean colour ≤ {duplicates.SAME_COLOUR_LEVELS} levels\n"
    )
    print(f"{'copies caught':<34}{rate(same, duplicates.same_photo):7.1%}")
    for kind in dict.fromkeys(k for k, _, _ in same):
        print(f"  {kind:<32}{rate([p for p in same if p[0] == kind], duplicates.same_photo):7.1%}")
    print(f"{'distinct photos refused':<34}{rate(other, duplicates.same_photo):7.1%}")
    for kind in dict.fromkeys(k for k, _, _ in other):
        print(f"  {kind:<32}{rate([p for p in other if p[0] == kind], duplicates.same_photo):7.1%}")
    print(f"{'unrelated photos refused':<34}{rate(unrelated, duplicates.same_photo):7.1%}\n")
    print("structure bits  copies caught  distinct refused  (colour check on | off)")
    for bits in (4, 8, 10, 12, 14, 16, 18, 20, 24, 32, 48, 64):
        cells = []
        for colour in (duplicates.SAME_COLOUR_LEVELS, 256):
            test = lambda a, b, c=colour, bits=bits: within(duplicates.photo_distance(a, b), bits, c)  # noqa: E731
            cells.append(f"{rate(same, test):6.1%} {rate(other, test):6.1%}")
        print(f"{bits:>14}  {'   |   '.join(cells)}")
    print("\nworst copy / closest distinct (structure bits, colour levels):")
    print("  copy     ", max(duplicates.photo_distance(a, b) for _, a, b in same))
    print("  distinct ", min(duplicates.photo_distance(a, b) for _, a, b in other))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--subjects", type=int, default=40, help="scenes to build (13 pairs each)")
    args = parser.parse_args()
    report(*build(args.subjects))


if __name__ == "__main__":
    main()
