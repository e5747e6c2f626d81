"""Run a command and report its wall time and the peak memory of its whole process tree.

    .venv/bin/python benchmarks/tree_memory.py -- make test      # the test suite, every worker and kernel

The peak is of the summed resident memory (RSS) of the command and all its descendants (pytest, its
xdist workers, their notebook kernels and the scripts those launch), sampled every 0.2 s. Shared pages
count once per process, so the sum can overstate what the machine really had in use.
A benchmark, not a test: numbers depend on the machine and on what else runs on it.
"""
from __future__ import annotations

import argparse
import subprocess
import sys
import time

import psutil


def tree_rss(proc: psutil.Process) -> int:
    total = 0
    for p in [proc, *proc.children(recursive=True)]:
        try:
            total += p.memory_info().rss
        except psutil.Error:
            pass
    return total


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("command", nargs=argparse.REMAINDER, help="the command to run, after --")
    args = parser.parse_args(argv)
    command = args.command[1:] if args.command[:1] == ["--"] else args.command
    if not command:
        parser.error("give the command to run after --, e.g. tree_memory.py -- make test")
    start = time.perf_counter()
    child = subprocess.Popen(command)
    proc, peak = psutil.Process(child.pid), 0
    while child.poll() is None:
        try:
            peak = max(peak, tree_rss(proc))
        except psutil.Error:
            pass
        time.sleep(0.2)
    wall = time.perf_counter() - start
    print(f"[tree_memory] exit {child.returncode}; wall {wall:.1f} s; peak RSS of the process tree "
          f"{peak / 2**30:.2f} GiB", file=sys.stderr)
    return child.returncode


if __name__ == "__main__":
    sys.exit(main())
