"""Reproducibility: seed every random number generator in one call."""

from __future__ import annotations

import random

import numpy as np
import torch

from .device import DeviceLike, get_device

_MAX_SEED = 2**32 - 1


def _check_seed(seed: int) -> int:
    """Return ``seed`` as an int, or raise if it is not an int in [0, 2**32 - 1]."""
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)):
        raise TypeError(f"seed must be an int, not {type(seed).__name__}; e.g. set_seed(42).")
    if not 0 <= seed <= _MAX_SEED:
        raise ValueError(f"seed must be between 0 and 2**32 - 1 = {_MAX_SEED}, got {seed}.")
    return int(seed)


def set_seed(seed: int) -> int:
    """Seed Python ``random``, NumPy and PyTorch (CPU and, if present, CUDA).

    Returns the seed, so ``SEED = set_seed(42)`` works.
    """
    seed = _check_seed(seed)
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)
    if torch.cuda.is_available():
        torch.cuda.manual_seed_all(seed)
    return seed


def make_generator(seed: int, device: DeviceLike = None) -> torch.Generator:
    """Return a seeded ``torch.Generator`` for ``device`` (resolved with get_device).

    On MPS a CPU generator is returned, as diffusers recommends.
    """
    seed = _check_seed(seed)
    device = get_device(device)
    gen_device = "cpu" if device.type == "mps" else device
    return torch.Generator(device=gen_device).manual_seed(seed)
