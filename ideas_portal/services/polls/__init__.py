"""Polls, one module per part: set-up and what a caller sees (polls), answers (answers), the end (results)."""

from .polls import open_polls

__all__ = ["open_polls"]
