"""Measure wall time and peak memory of a code block; report model and byte sizes."""

from __future__ import annotations

import ctypes
import numbers
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import psutil
import torch

from .device import DeviceLike, get_device

_CPU_INTERVAL_S = 0.001


@dataclass
class Measurement:
    """Result of :func:`measure`: wall time and peak memory increase on ``device``."""

    device: str
    seconds: float = 0.0
    peak_bytes: int = 0
    method: str = ""

    @property
    def peak_mb(self) -> float:
        """Peak memory increase in MiB (2**20 bytes)."""
        return self.peak_bytes / 2**20

    def __str__(self) -> str:
        peak = format_bytes(self.peak_bytes)
        return f"{self.seconds:.2f} s, peak +{peak} ({self.device}, {self.method})"


@contextmanager
def measure(device: DeviceLike = None) -> Iterator[Measurement]:
    """Time a block and record its peak memory increase on ``device``.

    Usage: ``with measure("cpu") as m: ...`` then read ``m.seconds``, ``m.peak_bytes``
    (filled in on exit). CPU samples the process's resident memory every ~1 ms (its total and, on Linux,
    its anonymous part, which file pages dropped under memory pressure do not hide) and reports the larger
    increase; CUDA uses ``torch.cuda.max_memory_allocated``, MPS estimates end-minus-start driver memory.
    """
    dev = get_device(device)
    m = Measurement(device=str(dev))
    if dev.type == "cuda":
        m.method = "torch.cuda.max_memory_allocated"
        torch.cuda.synchronize(dev)
        torch.cuda.reset_peak_memory_stats(dev)
        start_bytes = torch.cuda.memory_allocated(dev)
        t0 = time.perf_counter()
        try:
            yield m
        finally:
            torch.cuda.synchronize(dev)
            m.seconds = time.perf_counter() - t0
            m.peak_bytes = max(torch.cuda.max_memory_allocated(dev) - start_bytes, 0)
    elif dev.type == "mps":
        m.method = "torch.mps.driver_allocated_memory, end minus start (estimate)"
        torch.mps.synchronize()
        start_bytes = torch.mps.driver_allocated_memory()
        t0 = time.perf_counter()
        try:
            yield m
        finally:
            torch.mps.synchronize()
            m.seconds = time.perf_counter() - t0
            m.peak_bytes = max(torch.mps.driver_allocated_memory() - start_bytes, 0)
    else:
        m.method = f"process RSS sampled every {_CPU_INTERVAL_S * 1000:g} ms"
        proc = psutil.Process()
        start = _resident(proc)
        peak = list(start)
        stop = threading.Event()

        def sample() -> None:
            while not stop.is_set():
                peak[:] = map(max, peak, _resident(proc))
                stop.wait(_CPU_INTERVAL_S)

        sampler = threading.Thread(target=sample, name="utils.measure", daemon=True)
        t0 = time.perf_counter()
        sampler.start()
        try:
            yield m
        finally:
            m.seconds = time.perf_counter() - t0
            peak[:] = map(max, peak, _resident(proc))
            stop.set()
            sampler.join()
            m.peak_bytes = max(peak[0] - start[0], peak[1] - start[1], 0)


def _resident(proc: psutil.Process) -> tuple[int, int]:
    """(resident bytes, anonymous resident bytes) of ``proc``.

    Under memory pressure the kernel drops file-backed pages (mapped libraries, mmapped weights) of the
    process while a block allocates, so the total can stay flat while the block's own (anonymous) pages
    grow; :func:`measure` reports the larger of the two increases. Linux reports shared (file-backed)
    pages; elsewhere the anonymous part is taken to be the total.
    """
    info = proc.memory_info()
    return info.rss, info.rss - getattr(info, "shared", 0)


def process_peak_memory_bytes(device: DeviceLike = None) -> int:
    """Peak memory of this process so far: ``torch.cuda.max_memory_allocated`` on CUDA, else the peak
    resident memory (Linux: ``VmHWM``, this program's own; macOS: ``ru_maxrss``).

    Training scripts report it at the end of a run. Linux's ``ru_maxrss`` is not used there because it also
    counts the memory of the process that started the program (e.g. a large Jupyter kernel) from before
    the program replaced it.
    """
    dev = get_device(device)
    if dev.type == "cuda":
        return torch.cuda.max_memory_allocated(dev)
    try:
        with open("/proc/self/status") as status:
            return next(int(line.split()[1]) * 1024 for line in status if line.startswith("VmHWM:"))
    except (OSError, StopIteration):
        import resource

        rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        return rss if sys.platform == "darwin" else rss * 1024  # bytes on macOS, KiB elsewhere


def format_bytes(n: int) -> str:
    """Format a byte count using powers of 1024.

    Examples: ``"512 B"``, ``"1.5 KiB"``, ``"12.3 MiB"``, ``"1.20 GiB"``.
    """
    if isinstance(n, bool) or not isinstance(n, numbers.Real):
        raise TypeError(f"n must be a number of bytes, got {type(n).__name__}.")
    sign, size = ("-" if n < 0 else ""), abs(float(n))
    if size < 1024:
        return f"{sign}{int(size)} B"
    units = ("KiB", "MiB", "GiB", "TiB")
    i, size = 0, size / 1024
    while size >= 1024 and i < len(units) - 1:
        i, size = i + 1, size / 1024
    return f"{sign}{size:.{1 if i < 2 else 2}f} {units[i]}"


def model_size_bytes(model: torch.nn.Module) -> int:
    """Return the bytes taken by a model's parameters and buffers (numel * element_size)."""
    if not isinstance(model, torch.nn.Module):
        raise TypeError(f"model must be a torch.nn.Module, got {type(model).__name__}.")
    tensors = [*model.parameters(), *model.buffers()]
    return sum(t.numel() * t.element_size() for t in tensors)


def free_memory() -> None:
    """Hand the memory of objects you have let go (``pipe = None``) back to the system.

    Collects garbage and empties the accelerator's cache (accelerate's ``release_memory``), and on Linux
    asks glibc to return its free heap pages (``malloc_trim``). Without that last step a freed model still
    counts in the process's memory on Linux (Colab included): glibc keeps freed small blocks for the
    process's own later use, so other processes (a training script, a second model's loader) cannot have
    them. Elsewhere (macOS, Windows) the step is skipped.
    """
    from accelerate.utils import release_memory

    release_memory()   # gc.collect() and the CUDA / MPS / XPU cache
    if sys.platform.startswith("linux"):
        try:
            ctypes.CDLL("libc.so.6").malloc_trim(0)
        except (OSError, AttributeError):   # a C library other than glibc (musl, say): nothing to ask
            pass


def projected_cost(section: str, calls: int, seconds_per_call: float) -> float:
    """Print what a long section will cost before it runs, projected from one measured call.

    ``calls`` is how many calls of the measured kind (a UNet step, one generated picture...) the section
    makes, ``seconds_per_call`` what one took on this machine. Returns the projected seconds, so a notebook
    can also report how close the projection came.
    """
    if isinstance(calls, bool) or not isinstance(calls, numbers.Integral) or calls < 0:
        raise ValueError(f"calls must be a whole number of calls, 0 or more; got {calls!r}.")
    if isinstance(seconds_per_call, bool) or not isinstance(seconds_per_call, numbers.Real) or not seconds_per_call >= 0:
        raise ValueError(f"seconds_per_call must be a measured time in seconds, 0 or more; got {seconds_per_call!r}.")
    seconds = calls * float(seconds_per_call)
    when = f"{seconds / 60:.1f} minutes" if seconds >= 90 else f"{seconds:.0f} seconds"
    print(f"{section}: {calls} calls x {seconds_per_call:.2f} s (measured here) = about {when}")
    return seconds
