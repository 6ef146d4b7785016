"""Processes as /proc shows them (every Linux kernel has /proc/<pid>/stat, unlike /proc/<pid>/task/*/children)."""

from __future__ import annotations

from pathlib import Path
from typing import NamedTuple


class Child(NamedTuple):
    pid: int
    state: str  # R, S, Z …
    pgrp: int


def children(parent_pid: int) -> list[Child]:
    """The processes whose parent is `parent_pid`, by pid."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue  # gone meanwhile
        # The command name in parentheses may hold spaces and ")": the fields after the last ")" are fixed.
        state, ppid, pgrp = stat[stat.rindex(")") + 2 :].split()[:3]
        if int(ppid) == parent_pid:
            found.append(Child(int(entry.name), state, int(pgrp)))
    return sorted(found)
