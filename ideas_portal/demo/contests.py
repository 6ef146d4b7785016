"""Demo photo contests for `flask seed-demo`: one open for entries, one closed with its winners announced."""

from __future__ import annotations

import io
import math
import random
import secrets
from datetime import timedelta

from PIL import Image, ImageDraw
from sqlalchemy import func, select, update

from ..extensions import db
from ..models import Contest, ContestEntrant, ContestEntry, ContestVote, FeedItem, Notification, User
from ..models.types import utcnow
from ..services import images, markdown
from ..services.contests import processing, results, uploads
from ..storage import storage


def rules(moderated: bool, max_entries: int) -> str:
    """The rules say what the contest's settings do: reviewed before the gallery only when it is moderated."""
    entries = "One entry per member" if max_entries == 1 else f"Up to {max_entries} entries per member"
    gallery = (
        "Photos are checked by our team before they appear in the gallery."
        if moderated
        else "Photos appear in the gallery as soon as they are processed; anything that breaks these rules is "
        "taken down."
    )
    return f"""**How to enter:** upload a photo you took yourself, with a short caption.

- {entries}; JPEG, PNG or WebP up to 16 MB.
- {gallery}
- Vote for as many photos as you like (one vote per photo). Winners are chosen as shown above;
  ties go to the earlier entry, and each member can win once.
- Winners are announced here and in Ideas in Action, and we contact them about the prize.
"""


FROSTING = [(236, 72, 153), (250, 204, 21), (139, 92, 246), (14, 165, 233), (34, 197, 94), (120, 53, 15)]
CAPTIONS = [
    "Strawberry sunrise",
    "Lemon zest ring",
    "Blueberry galaxy",
    "Matcha dream",
    "Mint chip swirl",
    "Double chocolate",
    "Maple bacon crunch",
    "Rainbow sprinkles",
    "Salted caramel halo",
    "Pistachio crumble",
    "Cherry blossom glaze",
    "Espresso glaze",
]
PUMPKINS = [
    "Grinning jack",
    "Cold brew grin",
    "Latte-foam smile",
    "Espresso eyes",
    "The night barista",
    "Caramel glow",
    "Three-tooth Tom",
    "Moonlit pumpkin",
]


def _donut(rng: random.Random, frosting: tuple[int, int, int], size=(1200, 900)) -> bytes:
    img = Image.new("RGB", size)
    draw = ImageDraw.Draw(img)
    top, bottom = rng.choice(
        [
            ((254, 243, 199), (251, 191, 36)),
            ((224, 242, 254), (125, 211, 252)),
            ((252, 231, 243), (244, 114, 182)),
            ((220, 252, 231), (74, 222, 128)),
        ]
    )
    for y in range(size[1]):
        t = y / size[1]
        draw.line([(0, y), (size[0], y)], fill=tuple(int(a + (b - a) * t) for a, b in zip(top, bottom)))
    cx, cy, r = size[0] // 2 + rng.randint(-80, 80), size[1] // 2 + rng.randint(-40, 40), rng.randint(260, 330)
    draw.ellipse([cx - r, cy - r + 30, cx + r, cy + r + 30], fill=(120, 72, 32))  # shadowed dough
    draw.ellipse([cx - r, cy - r, cx + r, cy + r], fill=(217, 160, 91))
    draw.ellipse([cx - r + 25, cy - r + 25, cx + r - 25, cy + r - 25], fill=frosting)
    hole = r // 3
    draw.ellipse([cx - hole, cy - hole, cx + hole, cy + hole], fill=bottom)
    for _ in range(90):
        angle, dist = rng.uniform(0, 2 * math.pi), rng.uniform(hole + 20, r - 40)
        x, y = cx + dist * math.cos(angle), cy + dist * math.sin(angle)
        colour = rng.choice([(255, 255, 255), (239, 68, 68), (59, 130, 246), (34, 197, 94), (250, 204, 21)])
        draw.rounded_rectangle([x - 10, y - 4, x + 10, y + 4], radius=3, fill=colour)
    out = io.BytesIO()
    img.save(out, "JPEG", quality=88)
    return out.getvalue()


def _pumpkin(rng: random.Random, size=(1200, 900)) -> bytes:
    img = Image.new("RGB", size, (30, 27, 75))
    draw = ImageDraw.Draw(img)
    for _ in range(60):
        x, y = rng.randint(0, size[0]), rng.randint(0, size[1] // 2)
        draw.ellipse([x, y, x + 4, y + 4], fill=(250, 250, 210))
    cx, cy, w, h = size[0] // 2 + rng.randint(-150, 150), 560, rng.randint(300, 380), 250
    for dx in (-w // 2, 0, w // 2):
        draw.ellipse([cx + dx - w // 2, cy - h, cx + dx + w // 2, cy + h], fill=(234, 88, 12))
    draw.rectangle([cx - 15, cy - h - 60, cx + 15, cy - h + 10], fill=(63, 98, 18))
    eye = rng.randint(40, 70)
    for ex in (cx - 110, cx + 110):
        draw.polygon([(ex - eye, cy - 40), (ex + eye, cy - 40), (ex, cy - 40 - eye)], fill=(253, 224, 71))
    draw.chord([cx - 170, cy - 20, cx + 170, cy + 150], 0, 180, fill=(253, 224, 71))
    out = io.BytesIO()
    img.save(out, "JPEG", quality=88)
    return out.getvalue()


def _entry(contest: Contest, user: User, caption: str, photo: bytes, at) -> ContestEntry:
    clean = images.normalise_photo(io.BytesIO(photo))
    key = storage().save(clean.data, ".jpg", folder=f"contests/{contest.id}")
    db.session.add(ContestEntrant(contest_id=contest.id, user_id=user.id, entries=1, accepted_rules_at=at))
    return uploads.stored_entry(contest, user, caption, clean, key, at)


def _contest(title: str, prize: str, opens, entries_close, closes, moderated: bool = False) -> Contest:
    text = rules(moderated, 1)
    contest = Contest(
        title=title,
        rules=text,
        rules_html=markdown.render(text),
        prize=prize,
        opens_at=opens,
        entries_close_at=entries_close,
        closes_at=closes,
        moderated=moderated,
        winner_count=3,
        max_entries_per_member=1,
        draw_seed=secrets.token_hex(16),
        created_at=opens - timedelta(days=2),
    )
    db.session.add(contest)
    db.session.flush()
    return contest


def _fill(contest: Contest, rng, members: list[User], photos: list[tuple[str, bytes]], start) -> None:
    made = []
    for n, (caption, photo) in enumerate(photos):
        made.append(_entry(contest, members[n], caption, photo, start + timedelta(hours=3 * n + 1)))
    db.session.commit()
    for entry in made:
        processing.process(entry.id)  # thumbnails right away: the worker may not be running yet
        db.session.execute(
            update(ContestEntry)
            .where(ContestEntry.id == entry.id)
            .values(processed_at=entry.created_at + timedelta(minutes=1))
        )
    for entry in made:
        chosen = [u for u in rng.sample(members, k=rng.randint(2, len(members) - 1)) if u.id != entry.user_id]
        for user in chosen:
            voted = entry.created_at + timedelta(hours=rng.randint(2, 30))
            db.session.add(
                ContestVote(
                    entry_id=entry.id, contest_id=contest.id, user_id=user.id, day=voted.date(), created_at=voted
                )
            )
        entry.votes = len(chosen)
    db.session.commit()


def _announce(contest_id: int, at) -> None:
    """Closes the contest through the real path, then dates the result and the notices when it happened."""
    results.close(contest_id)
    results.notify(contest_id)
    db.session.execute(update(Contest).where(Contest.id == contest_id).values(announced_at=at, notified_at=at))
    db.session.execute(update(FeedItem).where(FeedItem.contest_id == contest_id).values(created_at=at))
    db.session.execute(update(Notification).where(Notification.contest_id == contest_id).values(created_at=at))
    db.session.commit()


def build(now) -> tuple[list[str], list[tuple]]:
    """The contests and their entries; returns what to say and the dated announcement to run in story order."""
    rng = random.Random(20261125)
    members = list(db.session.scalars(select(User).where(User.email.like("demo%@example.com")).order_by(User.id)))
    if len(members) < 40:
        return ["no demo members to enter the contests; skipped"], []
    donut = _contest(
        "Create our next donut",
        "Your donut on our menu for a month, and a year of free coffee",
        now - timedelta(days=6),
        now + timedelta(days=8),
        now + timedelta(days=15),
    )
    donut.winner_method = "judges"
    donut.judge_weight = 40
    _fill(
        donut,
        rng,
        members[:20],
        [(c, _donut(rng, FROSTING[i % len(FROSTING)])) for i, c in enumerate(CAPTIONS)],
        donut.opens_at,
    )
    pumpkins = _contest(
        "Halloween pumpkin carving",
        "A $100 gift card for each of three winners",
        now - timedelta(days=40),
        now - timedelta(days=26),
        now - timedelta(days=24),
    )
    _fill(pumpkins, rng, members[20:40], [(c, _pumpkin(rng)) for c in PUMPKINS], pumpkins.opens_at)
    announce_at = pumpkins.closes_at + timedelta(minutes=5)  # the sweeper closes a contest within minutes
    return (
        [f"seeded 2 photo contests with {len(CAPTIONS) + len(PUMPKINS)} photos"],
        [(announce_at, 0, lambda: _announce(pumpkins.id, announce_at))],
    )


def seed() -> list[str]:
    """Contests alone, for a database whose demo ideas were seeded before contests existed."""
    if db.session.scalar(select(func.count()).select_from(Contest)):
        return []
    lines, events = build(utcnow())
    for _, _, run in events:
        run()
    return lines
