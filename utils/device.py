"""Pick the compute device (CUDA, Apple MPS or CPU) and a matching dtype."""

from __future__ import annotations

import os
import re

import torch

DEVICE_ENV_VAR = "GENAI_DEVICE"

DeviceLike = str | torch.device | None

_VALID = '"cpu", "cuda", "cuda:N" (N = GPU index) or "mps"'
_DEVICE_RE = re.compile(r"^(cpu|mps|cuda)(?::(\d+))?$")
_CPU_HINT = "or call get_device('cpu') to run on the CPU (slower)."


def _parse(preferred: str | torch.device, source: str) -> torch.device:
    """Turn a string or torch.device into a torch.device of a supported type."""
    if isinstance(preferred, torch.device):
        if preferred.type not in ("cpu", "cuda", "mps"):
            raise ValueError(f"unsupported device {str(preferred)!r}{source}; use {_VALID}.")
        return preferred
    if not isinstance(preferred, str):
        raise TypeError(
            f"device must be a str, torch.device or None, not {type(preferred).__name__}{source}; "
            f"use {_VALID}."
        )
    match = _DEVICE_RE.match(preferred.strip().lower())
    if match is None or (match.group(2) is not None and match.group(1) != "cuda"):
        raise ValueError(f"unknown device {preferred!r}{source}; use {_VALID}.")
    return torch.device(preferred.strip().lower())


def _check_available(device: torch.device, source: str) -> None:
    """Raise RuntimeError with a hint if ``device`` cannot be used on this machine."""
    if device.type == "cuda":
        if not torch.cuda.is_available():
            raise RuntimeError(
                f"CUDA was requested{source} but no CUDA GPU is available. "
                "In Colab: Runtime > Change runtime type > GPU; locally install a CUDA build "
                f"of PyTorch; {_CPU_HINT}"
            )
        count = torch.cuda.device_count()
        if device.index is not None and device.index >= count:
            raise RuntimeError(
                f"{device} was requested{source} but only {count} GPU(s) are visible "
                f"(valid: cuda:0 .. cuda:{count - 1}); pick one of those, {_CPU_HINT}"
            )
    elif device.type == "mps" and not torch.backends.mps.is_available():
        raise RuntimeError(
            f"MPS was requested{source} but is not available: it needs an Apple Silicon Mac "
            f"with macOS 12.3+ and a recent PyTorch; {_CPU_HINT}"
        )


def get_device(preferred: DeviceLike = None) -> torch.device:
    """Return the device to compute on.

    Args:
        preferred: ``"cpu"``, ``"cuda"``, ``"cuda:N"``, ``"mps"`` or a ``torch.device``.
            If None, the ``GENAI_DEVICE`` environment variable is used when set,
            otherwise the first available of cuda, mps, cpu.

    Raises:
        ValueError: unknown device name. RuntimeError: device not available here.
        TypeError: ``preferred`` is not a str, torch.device or None.
    """
    source = ""
    if preferred is None:
        env = os.environ.get(DEVICE_ENV_VAR, "").strip()
        if env:
            preferred, source = env, f" (from {DEVICE_ENV_VAR}={env!r})"
    if preferred is None:
        if torch.cuda.is_available():
            return torch.device("cuda")
        if torch.backends.mps.is_available():
            return torch.device("mps")
        return torch.device("cpu")
    device = _parse(preferred, source)
    _check_available(device, source)
    return device


def get_dtype(device: DeviceLike = None, *, allow_bf16: bool = False) -> torch.dtype:
    """Return a sensible compute dtype for ``device`` (resolved with :func:`get_device`).

    float32 on CPU (never half precision), float16 on MPS, and on CUDA float16,
    or bfloat16 if ``allow_bf16`` and the GPU supports it.
    """
    device = get_device(device)
    if device.type == "cpu":
        return torch.float32
    if device.type == "mps":
        return torch.float16
    if allow_bf16 and torch.cuda.is_bf16_supported():
        return torch.bfloat16
    return torch.float16


def describe_device(device: DeviceLike = None) -> str:
    """Return a one-line description, e.g. ``"cpu (2 threads), float32"``."""
    device = get_device(device)
    dtype = str(get_dtype(device)).removeprefix("torch.")
    if device.type == "cuda":
        index = device.index if device.index is not None else torch.cuda.current_device()
        props = torch.cuda.get_device_properties(index)
        detail = f"cuda:{index} ({props.name}, {props.total_memory / 1024**3:.1f} GiB)"
    elif device.type == "mps":
        detail = "mps (Apple GPU)"
    else:
        detail = f"cpu ({torch.get_num_threads()} threads)"
    return f"{detail}, {dtype}"
