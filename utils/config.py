"""Quick mode: one switch that shrinks notebook workloads (steps, samples, model sizes)."""

from __future__ import annotations

import os
from typing import TypeVar

T = TypeVar("T")

QUICK_ENV_VAR = "GENAI_QUICK"

_TRUE = ("1", "true", "yes", "on")
_FALSE = ("", "0", "false", "no", "off")


def is_quick_mode() -> bool:
    """Return True if the ``GENAI_QUICK`` environment variable asks for quick mode.

    ``1/true/yes/on`` mean quick, ``0/false/no/off``, empty or unset mean full
    (case-insensitive). Any other value raises ``ValueError``.
    """
    raw = os.environ.get(QUICK_ENV_VAR, "")
    value = raw.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ValueError(
        f"{QUICK_ENV_VAR}={raw!r} is not understood; set it to one of "
        f"{', '.join(repr(v) for v in _TRUE)} (quick) or "
        f"{', '.join(repr(v) for v in _FALSE)} (full), or unset it."
    )


def pick(quick: T, full: T) -> T:
    """Return ``quick`` in quick mode and ``full`` otherwise.

    Example: ``STEPS = pick(quick=20, full=2000)``.
    """
    return quick if is_quick_mode() else full
