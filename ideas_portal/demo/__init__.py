"""Demo data for `flask seed-demo`: the ideas story (ideas.py), the photo contests on its timeline (contests.py),
and what that history earned (recognition.py)."""

from __future__ import annotations

from . import contests, ideas, recognition


def seed() -> list[str]:
    """The whole story, then contests alone for a database whose demo ideas were seeded before contests existed."""
    return ideas.seed() + contests.seed() + recognition.seed()
