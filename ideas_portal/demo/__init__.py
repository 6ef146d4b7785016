"""Demo data for `flask seed-demo`: the ideas story (ideas.py) and the photo contests on its timeline (contests.py)."""

from __future__ import annotations

from . import contests, ideas


def seed() -> list[str]:
    """The whole story, then contests alone for a database whose demo ideas were seeded before contests existed."""
    return ideas.seed() + contests.seed()
