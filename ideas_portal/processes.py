"""Child processes that die with their parent, so a SIGKILLed worker or supervisor leaves no orphan behind."""

from __future__ import annotations

import ctypes
import signal

_PR_SET_PDEATHSIG = 1
try:  # resolved now: loading a library between fork and exec is unsafe
    _prctl = ctypes.CDLL(None, use_errno=True).prctl
except (OSError, AttributeError):  # not Linux
    _prctl = None


def die_with_parent() -> None:
    """Popen preexec_fn: the child gets SIGTERM if the thread that started it dies, even by SIGKILL."""
    if _prctl is not None:
        _prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)
