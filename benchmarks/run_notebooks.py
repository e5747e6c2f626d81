"""Run chapter notebooks offline (as the tests do) and report wall time and the kernel's peak memory.

    .venv/bin/python benchmarks/run_notebooks.py                 # every notebook, quick mode
    .venv/bin/python benchmarks/run_notebooks.py --full 03 04    # chosen chapters, full mode

A benchmark, not a test: numbers depend on the machine and on what else runs on it.
"""
from __future__ import annotations

import argparse
import os
import sys
import threading
import time
from pathlib import Path

import psutil

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))


def run(path: Path, timeout: int) -> tuple[float, int, str]:
    import nbformat
    from nbclient import NotebookClient

    nb = nbformat.read(path, as_version=4)
    client = NotebookClient(nb, timeout=timeout, kernel_name="python3",
                            resources={"metadata": {"path": str(path.parent)}})
    peak, stop = [0], threading.Event()

    def sample():
        while not stop.is_set():
            km = getattr(client, "km", None)
            pid = getattr(getattr(km, "provisioner", None), "pid", None) if km else None
            if pid:
                try:
                    proc = psutil.Process(pid)
                    rss = proc.memory_info().rss + sum(c.memory_info().rss for c in proc.children(recursive=True))
                    peak[0] = max(peak[0], rss)
                except psutil.Error:
                    pass
            stop.wait(0.05)

    thread = threading.Thread(target=sample, daemon=True)
    thread.start()
    t0, status = time.perf_counter(), "ok"
    try:
        client.execute()
    except Exception as err:  # report, keep going with the other notebooks
        status = f"FAILED: {type(err).__name__}"
    seconds = time.perf_counter() - t0
    stop.set()
    thread.join()
    return seconds, peak[0], status


def main() -> None:
    from tests.harness.build import DEFAULT_HF_HOME, build_all
    from tests.harness.env import harness_env

    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("chapters", nargs="*", help="chapter numbers, e.g. 01 04 (default: all)")
    parser.add_argument("--full", action="store_true", help="full mode (GENAI_QUICK=0) instead of quick mode")
    parser.add_argument("--threads", type=int, default=None, help="OMP_NUM_THREADS for the kernel (tests use 1)")
    parser.add_argument("--timeout", type=int, default=3600, help="seconds per cell")
    args = parser.parse_args()

    hf_home = os.environ.get("GENAI_TEST_HF_HOME", str(DEFAULT_HF_HOME))
    os.environ.update(harness_env(hf_home))
    os.environ["GENAI_QUICK"] = "0" if args.full else "1"
    if args.threads:
        os.environ["OMP_NUM_THREADS"] = str(args.threads)
    elif args.full:
        os.environ.pop("OMP_NUM_THREADS", None)  # full mode uses every core, as a learner's run does
    build_all(hf_home, verbose=False)

    paths = sorted((REPO / "notebooks").glob("[0-9][0-9]_*.ipynb"))
    if args.chapters:
        paths = [p for p in paths if p.name[:2] in args.chapters]
    mode = "full" if args.full else "quick"
    print(f"{'notebook':32s} {'mode':5s} {'seconds':>8s} {'peak RSS':>10s}  status  "
          f"({os.cpu_count()} CPUs, OMP_NUM_THREADS={os.environ.get('OMP_NUM_THREADS', 'unset')})")
    for path in paths:
        seconds, peak, status = run(path, args.timeout)
        print(f"{path.name:32s} {mode:5s} {seconds:8.1f} {peak / 2**20:8.0f} MiB  {status}", flush=True)


if __name__ == "__main__":
    main()
