"""Inputs for the contest benchmark: photo-like 12-megapixel JPEGs, and contests seeded with COPY.

Rows are written straight into the tables, as `seed.py` does for ideas; vote counters are written with the
entries and must match the vote rows, so `flask recount` afterwards finds nothing to correct.
"""

from __future__ import annotations

import os
import random
import secrets
import shutil
import time
from concurrent.futures import ProcessPoolExecutor
from datetime import datetime, timedelta, timezone
from pathlib import Path

from PIL import Image, ImageChops, ImageDraw, ImageFilter

import seed
from ideas_portal.services import images
from ideas_portal.services.contests import duplicates

PHOTO_SIZE = (4000, 3000)  # 12 megapixels, 4:3 like a phone camera
PHOTO_QUALITY = 90
HASH_HEX = len(images.photo_hash(Image.new("RGB", (64, 64))))  # the app's fingerprint format, whatever its length


def random_hash(rng: random.Random | None = None) -> str:
    """A fingerprint of an unrelated photo: random bits in the app's hex format."""
    return f"{(rng or random.SystemRandom()).getrandbits(4 * HASH_HEX):0{HASH_HEX}x}"


def photo(seed_value: int, size: tuple[int, int] = PHOTO_SIZE) -> Image.Image:
    """Gradient sky, blurred shapes, a mid-frequency texture and fine grain: about 4 MB as JPEG q90,
    the entropy a real photo has, so the decoder does the work it would do for a phone picture."""
    rng = random.Random(seed_value)
    w, h = size
    small = Image.new("RGB", (w // 10, h // 10))
    draw = ImageDraw.Draw(small)
    top, bottom = [tuple(rng.randrange(256) for _ in range(3)) for _ in range(2)]
    for y in range(h // 10):
        t = y / (h // 10)
        draw.line([(0, y), (w // 10, y)], fill=tuple(int(a + (b - a) * t) for a, b in zip(top, bottom)))
    for _ in range(40):
        x, y, r = rng.randrange(w // 10), rng.randrange(h // 10), rng.randrange(5, 60)
        draw.ellipse([x - r, y - r, x + r, y + r], fill=tuple(rng.randrange(256) for _ in range(3)))
    base = small.filter(ImageFilter.GaussianBlur(2)).resize(size, Image.Resampling.BICUBIC)
    texture = Image.merge("RGB", [Image.effect_noise((w // 4, h // 4), 24) for _ in range(3)])
    grain = Image.merge("RGB", [Image.effect_noise(size, 6) for _ in range(3)])
    img = ImageChops.add(base, texture.resize(size, Image.Resampling.BICUBIC), 1.0, -128)
    return ImageChops.add(img, grain, 1.0, -128)


def _write_photo(args: tuple[int, str]) -> str:
    n, path = args
    photo(n).save(path, "JPEG", quality=PHOTO_QUALITY)
    return path


def make_photos(folder: Path, count: int) -> list[Path]:
    """Generated once per run, on every core: the baseline and the portal then read the very same files."""
    folder.mkdir(parents=True, exist_ok=True)
    jobs = [(n, str(folder / f"photo{n:03d}.jpg")) for n in range(count)]
    with ProcessPoolExecutor(max_workers=os.cpu_count() or 1) as pool:
        return [Path(p) for p in pool.map(_write_photo, jobs)]


def members(conn, count: int, pw_hash: str, prefix: str) -> list[int]:
    """Members sharing one password hash; returns their ids in creation order."""
    now = datetime.now(timezone.utc)
    with (
        conn.cursor() as cur,
        cur.copy(
            "COPY users (email, name, password_hash, role, session_token, created_at, email_verified_at) FROM STDIN"
        ) as copy,
    ):
        for n in range(count):
            copy.write_row(
                (
                    f"{prefix}{n}@bench.example.com",
                    f"{prefix.title()} {n}",
                    pw_hash,
                    "member",
                    secrets.token_hex(16),
                    now,
                    now,
                )
            )
    return [
        r[0]
        for r in conn.execute("SELECT id FROM users WHERE email LIKE %s ORDER BY id", (f"{prefix}%@bench.example.com",))
    ]


def contest(conn, title: str, owner_id: int, *, closed: bool, winner_count: int = 1) -> int:
    """A vote-decided, moderated contest: closed an hour ago (not yet announced) or open for entries."""
    now = datetime.now(timezone.utc)
    opens, entries_close, closes = (
        (now - timedelta(days=30), now - timedelta(days=10), now - timedelta(hours=1))
        if closed
        else (now - timedelta(days=1), now + timedelta(days=10), now + timedelta(days=20))
    )
    return conn.execute(
        "INSERT INTO contests (title, rules, rules_html, prize, opens_at, entries_close_at, closes_at,"
        " max_entries_per_member, moderated, winner_count, winner_method, judge_weight, draw_seed, created_by_id,"
        " created_at) VALUES (%s, 'Bench rules.', '<p>Bench rules.</p>', 'A year of donuts', %s, %s, %s, 1, true,"
        " %s, 'votes', 50, %s, %s, %s) RETURNING id",
        (title, opens, entries_close, closes, winner_count, secrets.token_hex(32), owner_id, opens),
    ).fetchone()[0]


def pending_photos(conn, contest_id: int, user_id: int, photos: list[Path], media: Path) -> list[int]:
    """Entries as an upload leaves them ("processing"), each original linked into MEDIA_DIR under a random name."""
    ids = []
    for path in photos:
        key = f"contests/{contest_id}/{secrets.token_hex(16)}.jpg"
        target = media / key
        target.parent.mkdir(parents=True, exist_ok=True)
        try:
            os.link(path, target)
        except OSError:  # another filesystem
            shutil.copyfile(path, target)
        with Image.open(path) as img:
            width, height = img.size
        ids.append(
            conn.execute(
                "INSERT INTO contest_entries (contest_id, user_id, caption, state, original_key, width, height,"
                " photo_hash, thumbnails_ready, votes, created_at) VALUES (%s, %s, 'Bench photo', 'processing', %s,"
                " %s, %s, %s, false, 0, now()) RETURNING id",
                (contest_id, user_id, key, width, height, random_hash()),
            ).fetchone()[0]
        )
    return ids


def vote_counts(entries: int, votes: int, voters: int, rng: random.Random) -> list[int]:
    """seed.py's long tail (a few entries with thousands of votes, most with none or a handful)."""
    return seed.vote_counts(seed.Sizes(users=voters + 1, ideas=entries, votes=votes, voters=0), rng)


def approved_entries(
    conn, contest_id: int, owner_id: int, member_ids: list[int], counts: list[int], rng: random.Random
) -> list[int]:
    """One approved entry per member with its vote counter, and the member's entrant row; returns entry ids."""
    opens, entries_close = conn.execute(
        "SELECT opens_at, entries_close_at FROM contests WHERE id = %s", (contest_id,)
    ).fetchone()
    step = (entries_close - opens) / max(1, len(member_ids))
    with conn.cursor() as cur:
        with cur.copy(
            "COPY contest_entrants (contest_id, user_id, accepted_rules_at, entries, full_name, phone,"
            " postal_address, marketing_consent) FROM STDIN"
        ) as copy:
            for n, user_id in enumerate(member_ids):
                copy.write_row((contest_id, user_id, opens + step * n, 1, "", "", "", n % 3 == 0))
        with cur.copy(
            "COPY contest_entries (contest_id, user_id, caption, state, original_key, width, height,"
            " photo_hash, thumbnails_ready, votes, created_at, processed_at, reviewed_at, reviewed_by_id)"
            " FROM STDIN"
        ) as copy:
            for n, (user_id, votes) in enumerate(zip(member_ids, counts)):
                at = opens + step * n
                copy.write_row(
                    (
                        contest_id,
                        user_id,
                        f"Donut no. {n}",
                        "approved",
                        f"contests/{contest_id}/{n:032x}.jpg",
                        1600,
                        1200,
                        random_hash(rng),
                        True,
                        votes,
                        at,
                        at,
                        at,
                        owner_id,
                    )
                )
    rows = conn.execute(
        "SELECT id, photo_hash FROM contest_entries WHERE contest_id = %s ORDER BY id", (contest_id,)
    ).fetchall()
    with (
        conn.cursor() as cur,
        cur.copy("COPY contest_photo_bands (contest_id, band, value, entry_id) FROM STDIN") as copy,
    ):
        for entry_id, photo_hash in rows:  # the duplicate check's index, as submit() writes it
            for band, value in duplicates.hash_bands(photo_hash):
                copy.write_row((contest_id, band, value, entry_id))
    return [r[0] for r in rows]


def votes(conn, contest_id: int, entry_ids: list[int], counts: list[int], member_ids: list[int]) -> int:
    """Entry n gets its votes from the members after its author, so no pair repeats and nobody votes for
    their own photo."""
    closes = conn.execute("SELECT entries_close_at FROM contests WHERE id = %s", (contest_id,)).fetchone()[0]
    times = [closes + timedelta(hours=5 * k) for k in range(48)]  # spread over the voting days
    total, m = 0, len(member_ids)
    with (
        conn.cursor() as cur,
        cur.copy("COPY contest_votes (entry_id, contest_id, user_id, day, created_at) FROM STDIN") as copy,
    ):
        for n, (entry_id, count) in enumerate(zip(entry_ids, counts)):
            for j in range(count):
                at = times[(n + j) % len(times)]
                copy.write_row((entry_id, contest_id, member_ids[(n + 1 + j) % m], at.date(), at))
            total += count
    return total


def closing_contests(
    conn, owner_id: int, pw_hash: str, entries_n: int, sizes: dict[str, int], winner_count: int
) -> tuple[dict[str, int], dict[str, float]]:
    """One set of members, each entering every contest once; one closed contest per label with that many votes.
    Returns the contest ids by label and the seconds each step took."""
    rng, timings = random.Random(20261124), {}
    step = time.perf_counter()
    member_ids = members(conn, entries_n, pw_hash, "entrant")
    timings["members"] = time.perf_counter() - step
    ids = {}
    for label, votes_n in sizes.items():
        step = time.perf_counter()
        ids[label] = contest(conn, f"Donut photo contest ({label})", owner_id, closed=True, winner_count=winner_count)
        counts = vote_counts(entries_n, votes_n, entries_n - 1, rng)
        entry_ids = approved_entries(conn, ids[label], owner_id, member_ids, counts, rng)
        votes(conn, ids[label], entry_ids, counts, member_ids)
        timings[label] = time.perf_counter() - step
    step = time.perf_counter()
    conn.execute("VACUUM ANALYZE")  # as autovacuum would have by closing day: statistics and the visibility map
    timings["vacuum_analyze"] = time.perf_counter() - step
    return ids, timings
