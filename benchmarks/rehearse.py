"""Rehearse chapters at real model sizes: per-cell wall time and peak memory, offline.

    make standins-full                                             # once: the full-size cache (see the README)
    .venv/bin/python benchmarks/rehearse.py 05 08                  # chosen chapters, quick mode, on the CPU
    .venv/bin/python benchmarks/rehearse.py --full 09              # full mode
    .venv/bin/python benchmarks/rehearse.py --full 05 --set TRAIN_OWN_MODEL=False   # a size changed, as a learner would
    .venv/bin/python benchmarks/rehearse.py --device cuda --dtype float16   # every chapter on a GPU

Each chapter runs in a fresh kernel against `.cache/hf-fullsize` (random weights of the real architectures;
the real models and data sets of the test cache stay real). For every cell it records the wall time and the
peak resident memory (RSS) of the kernel and the processes it starts (scripts, `accelerate launch`), sampled
every 50 ms; on CUDA also `torch.cuda.max_memory_allocated()` per cell, read by a probe run after the cell.
It writes a JSON report (`--out`, default benchmarks/results/rehearsal-<mode>-<device>.json) and prints a table.

Random weights cannot pass a check meant for real weights (a quality threshold, say), so an AssertionError
is recorded and the chapter goes on; any other error stops that chapter and fails the run.
A benchmark, not a test: numbers depend on the machine and on what else runs on it.
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import threading
import time
from pathlib import Path

import psutil

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

CUDA_PROBE = ("import torch as _t, json as _j\n"
              "if _t.cuda.is_available():\n"
              "    print('REHEARSAL-CUDA', _j.dumps(_t.cuda.max_memory_allocated())); _t.cuda.reset_peak_memory_stats()")


class Sampler:
    """Peak RSS of a process and its descendants since the last `reset()`, sampled in a thread."""

    def __init__(self, interval: float = 0.05):
        self.pid, self.peak, self.interval = None, 0, interval
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self):
        while not self._stop.is_set():
            if self.pid:
                try:
                    proc = psutil.Process(self.pid)
                    rss = proc.memory_info().rss
                    for child in proc.children(recursive=True):
                        try:
                            rss += child.memory_info().rss
                        except psutil.Error:
                            pass
                    self.peak = max(self.peak, rss)
                except psutil.Error:
                    pass
            self._stop.wait(self.interval)

    def reset(self) -> None:
        self.peak = 0

    def stop(self) -> None:
        self._stop.set()
        self._thread.join()


def first_line(source: str) -> str:
    lines = [line for line in source.splitlines() if line.strip() and not line.lstrip().startswith("#")]
    return lines[0][:70] if lines else ""


def mark_unread(hf_home: Path) -> None:
    """Set every model file's access time far into the past. With the usual `relatime` mount option the
    first read after that (read() or mmap) moves it to now, so `read_since` can tell which files a
    chapter opened: what a learner downloads for it."""
    for blob in (hf_home / "hub").glob("models--*/blobs/*"):
        st = blob.stat()
        os.utime(blob, (0, st.st_mtime))


def read_since(hf_home: Path, start: float) -> dict[str, int]:
    """Bytes of model files read since `start` (after `mark_unread`), per repo id."""
    read: dict[str, int] = {}
    for repo in (hf_home / "hub").glob("models--*"):
        size = sum(b.stat().st_size for b in (repo / "blobs").glob("*") if b.stat().st_atime >= start)
        if size:
            read[repo.name.removeprefix("models--").replace("--", "/", 1)] = size
    return read


def is_sizes_cell(source: str) -> bool:
    """The chapter's sizes cell: the first code cell that picks quick and full values."""
    return "pick(quick=" in source


def rehearse(path: Path, timeout: int, cuda: bool, hf_home: Path | None = None, overrides: list[str] = (),
             chapter_limit: float | None = None, on_cell=None) -> dict:
    """Run one notebook cell by cell; return its report. `overrides` ("NAME=VALUE") run right after the
    sizes cell, as a learner would edit it (e.g. chapter 5's TRAIN_OWN_MODEL=False). After `chapter_limit`
    seconds no further cell starts: the report then covers the cells that ran (status "stopped ..."). `on_cell`,
    if given, gets the cells measured so far after each one (so a run that is killed still leaves them)."""
    import nbformat
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError

    nb = nbformat.read(path, as_version=4)
    client = NotebookClient(nb, timeout=timeout, kernel_name="python3",
                            resources={"metadata": {"path": str(path.parent)}})
    sampler, cells, status = Sampler(), [], "ok"
    if hf_home is not None:
        mark_unread(hf_home)
    wall_start = time.time() - 1
    t_start = time.perf_counter()
    try:
        with client.setup_kernel():
            sampler.pid = client.km.provisioner.pid
            for index, cell in enumerate(nb.cells):
                if cell.cell_type != "code":
                    continue
                sampler.reset()
                t0, outcome = time.perf_counter(), "ok"
                try:
                    client.execute_cell(cell, index)
                except CellExecutionError as err:
                    outcome = f"{err.ename}: {str(err.evalue)[:160]}"
                    if err.ename != "AssertionError":
                        status = f"FAILED in cell {index}: {outcome}"
                seconds, peak = time.perf_counter() - t0, sampler.peak
                row = {"cell": index, "seconds": round(seconds, 2), "peak_rss_bytes": peak,
                       "source": first_line(cell.source), "outcome": outcome}
                if cuda:
                    probe = nbformat.v4.new_code_cell(CUDA_PROBE)
                    client.execute_cell(probe, index)
                    text = "".join(o.get("text", "") for o in probe.outputs if o.get("output_type") == "stream")
                    row["cuda_peak_bytes"] = next((int(l.split()[1]) for l in text.splitlines()
                                                   if l.startswith("REHEARSAL-CUDA")), None)
                cells.append(row)
                if on_cell is not None:
                    on_cell(cells)
                if status != "ok":
                    break
                if chapter_limit is not None and time.perf_counter() - t_start > chapter_limit:
                    status = f"stopped after cell {index}: past the {chapter_limit:.0f} s limit"
                    break
                if overrides and is_sizes_cell(cell.source):
                    override = nbformat.v4.new_code_cell("\n".join(overrides))
                    client.execute_cell(override, index)
                    overrides = ()
    finally:
        sampler.stop()
    return {"notebook": path.name, "status": status, "seconds": round(time.perf_counter() - t_start, 1),
            "peak_rss_bytes": max((c["peak_rss_bytes"] for c in cells), default=0),
            "cuda_peak_bytes": max((c.get("cuda_peak_bytes") or 0 for c in cells), default=0) if cuda else None,
            "assertions": [c for c in cells if c["outcome"].startswith("AssertionError")],
            "model_files_read": read_since(hf_home, wall_start) if hf_home is not None else None, "cells": cells}


GB = 1e9                                      # the budgets are in GB (10^9 bytes), as memory is sold
RAM_BUDGET = {"quick": 6 * GB, "full": 8 * GB}   # peak RSS a chapter may reach on a CPU at real sizes


def markdown_rows(report: dict) -> str:
    """The report as rows for the README's "What each chapter needs" table."""
    lines = [f"<!-- rehearse.py, {report['date']}, commit {report['commit']}, {report['mode']} mode, "
             f"{report['device']}, {report['cpus']} CPUs -->",
             "| chapter | mode | wall time | peak RAM | peak GPU memory | model files read (download) |",
             "|---|---|---|---|---|---|"]
    for r in report["chapters"]:
        gpu = f"{r['cuda_peak_bytes'] / GB:.1f} GB" if r["cuda_peak_bytes"] is not None else "not measured"
        files = r.get("model_files_read")
        download = f"{sum(files.values()) / GB:.1f} GB" if files is not None else "not measured"
        lines.append(f"| {r['notebook'][:2]} | {report['mode']} | {r['seconds'] / 60:.1f} min | "
                     f"{r['peak_rss_bytes'] / GB:.1f} GB | {gpu} | {download} |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    from tests.harness.env import harness_env
    from tests.harness.fullsize import DEFAULT_FULLSIZE_HOME

    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("chapters", nargs="*", help="chapter numbers, e.g. 05 08 (default: all)")
    parser.add_argument("--full", action="store_true", help="full mode (GENAI_QUICK=0) instead of quick mode")
    parser.add_argument("--device", default="cpu", help="GENAI_DEVICE for the kernels: cpu (default) or cuda")
    parser.add_argument("--dtype", default=None, help="GENAI_DTYPE for the kernels (default: what the device gets)")
    parser.add_argument("--hf-home", default=str(DEFAULT_FULLSIZE_HOME), help="the full-size cache")
    parser.add_argument("--timeout", type=int, default=7200, help="seconds per cell")
    parser.add_argument("--out", default=None, help="the JSON report")
    parser.add_argument("--cells", action="store_true", help="print every cell, not only the slowest and largest")
    parser.add_argument("--chapter-limit", type=float, default=None,
                        help="seconds per chapter after which no further cell starts (the report says where it stopped)")
    parser.add_argument("--set", action="append", default=[], metavar="NAME=VALUE",
                        help="change a size after the sizes cell, e.g. --set TRAIN_OWN_MODEL=False (repeatable)")
    args = parser.parse_args(argv)
    for item in args.set:
        name, _, value = item.partition("=")
        if not name.isidentifier() or not value:
            parser.error(f"--set takes NAME=VALUE with a Python name and a value, got {item!r}")

    hf_home = Path(args.hf_home)
    if not (hf_home / "fullsize-stamps").is_dir():
        parser.error(f"{hf_home} holds no full-size stand-ins: build them with `make standins-full`")
    os.environ.update(harness_env(hf_home))
    os.environ.pop("OMP_NUM_THREADS", None)       # every core, as a learner's kernel has (the tests use 1)
    os.environ["GENAI_QUICK"] = "0" if args.full else "1"
    os.environ["GENAI_DEVICE"] = args.device
    if args.dtype:
        os.environ["GENAI_DTYPE"] = args.dtype
    mode = "full" if args.full else "quick"
    out = Path(args.out or REPO / "benchmarks" / "results" / f"rehearsal-{mode}-{args.device}.json")

    paths = sorted((REPO / "notebooks").glob("[0-9][0-9]_*.ipynb"))
    if args.chapters:
        paths = [p for p in paths if p.name[:2] in args.chapters]
    import torch
    import subprocess
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=REPO, capture_output=True, text=True).stdout.strip()
    report = {"date": time.strftime("%Y-%m-%d"), "commit": commit, "mode": mode, "device": args.device,
              "dtype": args.dtype or "default", "cpus": os.cpu_count(), "set": args.set,
              "ram_bytes": psutil.virtual_memory().total, "torch": torch.__version__, "chapters": []}
    budget = RAM_BUDGET[mode]
    print(f"{'notebook':32s} {'mode':5s} {'seconds':>8s} {'peak RSS':>9s} {'GPU peak':>9s}  asserts  status "
          f"(RAM budget {budget / GB:.0f} GB)")
    failed = False
    for path in paths:
        def save_partial(cells, name=path.name):
            partial = {**report, "chapters": report["chapters"] + [{"notebook": name, "status": "running", "cells": cells}]}
            out.parent.mkdir(parents=True, exist_ok=True)
            out.write_text(json.dumps(partial, indent=1))

        result = rehearse(path, args.timeout, cuda=args.device.startswith("cuda"), hf_home=hf_home, overrides=args.set,
                          chapter_limit=args.chapter_limit, on_cell=save_partial)
        report["chapters"].append(result)
        gpu = f"{result['cuda_peak_bytes'] / GB:6.2f} GB" if result["cuda_peak_bytes"] is not None else f"{'-':>9s}"
        over = "" if result["peak_rss_bytes"] <= budget else "  OVER the RAM budget"
        print(f"{path.name:32s} {mode:5s} {result['seconds']:8.1f} {result['peak_rss_bytes'] / GB:6.2f} GB "
              f"{gpu}  {len(result['assertions']):7d}  {result['status']}{over}", flush=True)
        if result["model_files_read"]:
            print(f"    model files read: {sum(result['model_files_read'].values()) / GB:.2f} GB from "
                  + ", ".join(sorted(result["model_files_read"])))
        shown = result["cells"] if args.cells else sorted(result["cells"], key=lambda c: -c["seconds"])[:5]
        for c in sorted(shown, key=lambda c: c["cell"]):
            print(f"    cell {c['cell']:3d} {c['seconds']:8.1f} s {c['peak_rss_bytes'] / GB:6.2f} GB  {c['source']}"
                  + ("" if c["outcome"] == "ok" else f"  [{c['outcome'][:60]}]"))
        failed |= not (result["status"] == "ok" or result["status"].startswith("stopped"))
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(json.dumps(report, indent=1))
    print(f"report: {out}")
    print(markdown_rows(report))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
