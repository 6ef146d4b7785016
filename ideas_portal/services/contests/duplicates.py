"""Near-duplicate photos within a contest: fingerprints compared, and a band index that finds the candidates fast."""

from __future__ import annotations

from typing import cast

from sqlalchemy import select, tuple_

from ...extensions import db
from ...models import Contest, ContestEntry, PhotoHashBand
from ..dialect import insert
from ..exceptions import Conflict
from ..images import STRUCTURE_BITS, STRUCTURE_HEX

# Tuned on bench/near_duplicates.py (see the README): copies (re-encoded, resized, cropped 2–5 %, another format,
# ±7 % brightness) mostly differ by fewer bits, other photos of one subject by more. Where the two overlap, the
# threshold leans towards letting a member's own photo in: staff review can still take a copy down.
SAME_STRUCTURE_BITS = 14
SAME_COLOUR_LEVELS = 20  # of 255, per channel of the mean colour: tells one scene by day from the same at dusk
BANDS = 8  # copies differ in at most SAME_STRUCTURE_BITS < 2 × BANDS bits, so one band differs in at most one bit
assert SAME_STRUCTURE_BITS < 2 * BANDS


def _bands(bits: int) -> list[tuple[int, int, int]]:
    """(band, value, width) slices of the structure bits."""
    bands, start, total = [], 0, STRUCTURE_BITS
    for band in range(BANDS):
        width = total // BANDS + (band < total % BANDS)
        bands.append((band, (bits >> (total - start - width)) & ((1 << width) - 1), width))
        start += width
    return bands


def hash_bands(photo_hash: str) -> list[tuple[int, int]]:
    """(band, value) slices of the structure bits, as indexed for each entry."""
    return [(band, value) for band, value, _ in _bands(int(photo_hash[:STRUCTURE_HEX], 16))]


def hash_band_probes(photo_hash: str) -> list[tuple[int, int]]:
    """Every (band, value) within one bit of this hash's: a copy's index rows include at least one of them."""
    probes = []
    for band, value, width in _bands(int(photo_hash[:STRUCTURE_HEX], 16)):
        probes += [(band, value)] + [(band, value ^ (1 << bit)) for bit in range(width)]
    return probes


def photo_distance(a: str, b: str) -> tuple[int, int]:
    """(structure bits that differ, largest per-channel difference of the mean colour) between two hashes."""
    if len(a) != len(b):  # a fingerprint of an older kind
        return STRUCTURE_BITS, 255
    bits = (int(a[:STRUCTURE_HEX], 16) ^ int(b[:STRUCTURE_HEX], 16)).bit_count()
    colour = max(abs(int(a[i : i + 2], 16) - int(b[i : i + 2], 16)) for i in range(STRUCTURE_HEX, STRUCTURE_HEX + 6, 2))
    return bits, colour


def same_photo(a: str, b: str) -> bool:
    bits, colour = photo_distance(a, b)
    return bits <= SAME_STRUCTURE_BITS and colour <= SAME_COLOUR_LEVELS


LOOKS_THE_SAME = (
    "This photo looks the same as one already entered in this contest. If it's a different photo, "
    "please try another shot of it: the check compares how photos look, not who took them."
)


def refuse_duplicate(contest: Contest, photo_hash: str) -> None:
    """Candidates have a hash band within one bit of this photo's (indexed); failed entries drop their hash
    (see processing.fail), so may be sent again."""
    candidates = (
        select(PhotoHashBand.entry_id)
        .where(
            PhotoHashBand.contest_id == contest.id,
            tuple_(PhotoHashBand.band, PhotoHashBand.value).in_(hash_band_probes(photo_hash)),
        )
        .distinct()
    )
    hashes = db.session.scalars(
        select(ContestEntry.photo_hash).where(ContestEntry.id.in_(candidates), ContestEntry.photo_hash.is_not(None))
    )
    if any(h is not None and same_photo(photo_hash, h) for h in hashes):  # None only to the type checker
        raise Conflict(LOOKS_THE_SAME)


def index_photo(entry: ContestEntry) -> None:
    db.session.execute(
        insert(PhotoHashBand.__table__),
        [
            {"contest_id": entry.contest_id, "band": band, "value": value, "entry_id": entry.id}
            for band, value in hash_bands(cast(str, entry.photo_hash))
        ],
    )  # set on every entry until it fails
