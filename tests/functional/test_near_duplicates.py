"""Another member's photo of the same subject is welcome; a copy of an entered photo is not, and is told so kindly."""

from __future__ import annotations

import io
import random

import pytest
from PIL import Image, ImageDraw, ImageEnhance, ImageFilter

from ideas_portal.services import images
from ideas_portal.services.contests import duplicates
from tests.functional.test_contest_uploads import contest, encode, media_files, upload  # noqa: F401 (fixture)

WORDING = "looks the same as one already entered in this contest"


def donut_on_a_plate(x: float, y: float, size: float = 0.16, light: float = 1.0) -> Image.Image:
    """A product shot: a pink donut on a pale plate on a plain counter; x and y place it in the frame."""
    w, h = 960, 720
    img = Image.new("RGB", (w, h), (236, 230, 220))
    draw = ImageDraw.Draw(img)
    draw.rectangle((0, int(h * 0.62), w, h), fill=(196, 170, 140))  # the counter's edge
    cx, cy, r = x * w, y * h, size * w
    draw.ellipse((cx - r * 1.5, cy - r * 0.9, cx + r * 1.5, cy + r * 0.9), fill=(250, 250, 248))
    draw.ellipse((cx - r, cy - r * 0.6, cx + r, cy + r * 0.6), fill=(214, 160, 92))
    draw.ellipse((cx - r * 0.85, cy - r * 0.5, cx + r * 0.85, cy + r * 0.45), fill=(236, 72, 153))
    draw.ellipse((cx - r * 0.25, cy - r * 0.15, cx + r * 0.25, cy + r * 0.15), fill=(250, 250, 248))
    img = img.filter(ImageFilter.GaussianBlur(1.2))
    return ImageEnhance.Brightness(img).enhance(light)


def copy_of(img: Image.Image) -> bytes:
    """Through a messaging app: cropped 3 % at one side, shrunk to 60 %, re-encoded as a low-quality JPEG."""
    w, h = img.size
    return encode(img.crop((int(w * 0.03), 0, w, h)).resize((int(w * 0.58), int(h * 0.6))), "JPEG", quality=60)


def fingerprint(data: bytes) -> str:
    return images.normalise_photo(io.BytesIO(data)).hash


@pytest.mark.parametrize("other", ["moved_along_the_counter", "taken_closer"])
def test_another_members_photo_of_the_same_subject_is_accepted(app, api, contest, other):  # noqa: F811
    first = upload(api, contest, encode(donut_on_a_plate(0.3, 0.45), "JPEG", quality=92))
    assert first.status_code == 202, first.get_json()
    second = donut_on_a_plate(0.62, 0.42) if other == "moved_along_the_counter" else donut_on_a_plate(0.42, 0.4, 0.26)
    r = upload(api.as_("member"), contest, encode(second, "JPEG", quality=92))
    assert r.status_code == 202, r.get_json()
    assert r.get_json()["author"]["id"] != first.get_json()["author"]["id"]
    assert len(media_files(app)) == 2  # both photos kept


def test_cropped_shrunk_reencoded_copy_by_another_member_is_refused_without_accusing(api, contest):  # noqa: F811
    photo = donut_on_a_plate(0.3, 0.45)
    assert upload(api, contest, encode(photo, "JPEG", quality=92)).status_code == 202
    r = upload(api.as_("member"), contest, copy_of(photo), "copy.jpg")
    assert r.status_code == 409, r.get_json()
    message = r.get_json()["error"]
    assert WORDING in message and "If it's a different photo" in message
    assert "already been entered" not in message


def test_html_form_gives_the_same_kind_words_for_a_copy(client, api, contest, auth, make_user):  # noqa: F811
    photo = donut_on_a_plate(0.3, 0.45)
    assert upload(api, contest, encode(photo, "JPEG", quality=92)).status_code == 202
    auth.login(make_user().email)
    r = client.post(
        f"/contests/{contest}/enter",
        data={"photo": (io.BytesIO(copy_of(photo)), "copy.jpg"), "caption": "Mine", "accept_rules": "y"},
        content_type="multipart/form-data",
    )
    assert r.status_code == 409
    assert WORDING in r.get_data(as_text=True).replace("&#39;", "'")


def test_fingerprints_of_copies_are_close_and_of_other_shots_are_not():
    photo = donut_on_a_plate(0.3, 0.45)
    original = fingerprint(encode(photo, "JPEG", quality=92))
    for copy in (
        copy_of(photo),
        encode(photo, "PNG"),
        encode(photo, "WEBP", quality=70),
        encode(ImageEnhance.Brightness(photo).enhance(1.06), "JPEG"),
    ):
        assert duplicates.same_photo(original, fingerprint(copy)), duplicates.photo_distance(
            original, fingerprint(copy)
        )
    for other in (
        donut_on_a_plate(0.62, 0.42),
        donut_on_a_plate(0.42, 0.4, 0.26),
        donut_on_a_plate(0.3, 0.45, light=0.7),
    ):  # the same shot at dusk
        distance = duplicates.photo_distance(original, fingerprint(encode(other, "JPEG", quality=92)))
        assert not duplicates.same_photo(original, fingerprint(encode(other, "JPEG", quality=92))), distance


def test_a_copy_shares_an_indexed_band_probe_with_its_original():
    photo = donut_on_a_plate(0.3, 0.45)
    original, copy = fingerprint(encode(photo, "JPEG", quality=92)), fingerprint(copy_of(photo))
    assert set(duplicates.hash_bands(original)) & set(duplicates.hash_band_probes(copy))


def test_any_fingerprint_within_the_threshold_is_found_through_the_band_index():
    rng = random.Random(9)
    for _ in range(300):
        bits = rng.getrandbits(images.STRUCTURE_BITS)
        flipped = bits
        for bit in rng.sample(range(images.STRUCTURE_BITS), duplicates.SAME_STRUCTURE_BITS):
            flipped ^= 1 << bit
        a, b = (f"{v:0{images.STRUCTURE_HEX}x}808080" for v in (bits, flipped))
        assert duplicates.same_photo(a, b)
        assert set(duplicates.hash_bands(a)) & set(duplicates.hash_band_probes(b))
