"""Pick the compute device (CUDA, Apple MPS or CPU) and a matching dtype."""

from __future__ import annotations

import os
import re

import torch

DEVICE_ENV_VAR = "GENAI_DEVICE"
DTYPE_ENV_VAR = "GENAI_DTYPE"

DeviceLike = str | torch.device | None

_VALID = '"cpu", "cuda", "cuda:N" (N = GPU index) or "mps"'
_DEVICE_RE = re.compile(r"^(cpu|mps|cuda)(?::(\d+))?$")
_CPU_HINT = "or call get_device('cpu') to run on the CPU (slower)."
_DTYPES = {"float32": torch.float32, "float16": torch.float16, "bfloat16": torch.bfloat16}


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


def dtype_override() -> torch.dtype | None:
    """Return the dtype that ``GENAI_DTYPE`` asks for, or None when it is unset or empty.

    Raises:
        ValueError: a value other than ``float32``, ``float16`` or ``bfloat16``.
    """
    raw = os.environ.get(DTYPE_ENV_VAR, "")
    value = raw.strip().lower().removeprefix("torch.")
    if not value:
        return None
    if value not in _DTYPES:
        raise ValueError(
            f"{DTYPE_ENV_VAR}={raw!r} is not a dtype the course runs in; set it to "
            f"{', '.join(repr(name) for name in _DTYPES)}, or unset it to let the device decide."
        )
    return _DTYPES[value]


def get_dtype(device: DeviceLike = None, *, allow_bf16: bool = False) -> torch.dtype:
    """Return a sensible compute dtype for ``device`` (resolved with :func:`get_device`).

    float32 on CPU (never half precision), float16 on MPS, and on CUDA float16,
    or bfloat16 if ``allow_bf16`` and the GPU computes in bfloat16 natively (compute
    capability 8.0 or newer: A100, L4, H100, RTX 30xx). A T4 or V100 only emulates
    bfloat16, slowly, so it gets float16.

    The ``GENAI_DTYPE`` environment variable overrides this choice on every device, so a
    CPU computes in the number formats a GPU learner gets:

    - ``float32``: float32 for every call (a CPU learner);
    - ``float16``: float16 for every call (a T4 learner, ``allow_bf16`` or not);
    - ``bfloat16``: what a GPU with native bfloat16 gives (an A100 learner): bfloat16
      where the call has ``allow_bf16=True``, float16 where it has not.

    Raises:
        ValueError: ``GENAI_DTYPE`` holds another value (the message lists the valid ones).
    """
    override = dtype_override()
    device = get_device(device)
    if override == torch.bfloat16 and not allow_bf16:
        return torch.float16  # the course's choice on every GPU where a chapter does not ask for bfloat16
    if override is not None:
        return override
    if device.type == "cpu":
        return torch.float32
    if device.type == "mps":
        return torch.float16
    if allow_bf16 and torch.cuda.is_bf16_supported(including_emulation=False):
        return torch.bfloat16
    return torch.float16


def tolerance(dtype: torch.dtype, float32: float = 1e-4) -> float:
    """How far apart two computations of the same values (of order one) may be in ``dtype``.

    The one rule the course uses when it checks code written by hand against a library's
    version run in the same dtype: in float32 (or float64) the check keeps its own
    tolerance ``float32``; in float16 or bfloat16 it may differ by 20 machine epsilons of
    that dtype (float16: 0.0195, bfloat16: 0.156), or ``float32`` if that is larger.
    Half precision rounds every intermediate result, so a tighter bound fails on correct
    code; float32 is never loosened.
    """
    if not dtype.is_floating_point:
        raise TypeError(f"tolerance() takes a floating-point dtype, not {dtype}")
    if torch.finfo(dtype).bits >= 32:
        return float32
    return max(float32, 20 * torch.finfo(dtype).eps)


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
