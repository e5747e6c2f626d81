"""Build (or reuse) the local Hugging Face cache of stand-ins.

    python -m tests.harness.build [HF_HOME]      # default: .cache/hf-standins in the repo
    python -m tests.harness.build --only openai/whisper-base,Systran/faster-whisper-base

Each stand-in is rebuilt only when its stamp changes: a hash of the builder module's source, the
shared harness code and the versions of the libraries that write the files.
"""
from __future__ import annotations

import hashlib
import importlib.metadata as md
import inspect
import shutil
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from multiprocessing import get_context
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
DEFAULT_HF_HOME = REPO / ".cache" / "hf-standins"
LIBRARIES = ("torch", "transformers", "diffusers", "tokenizers", "datasets", "huggingface_hub", "safetensors")


def _stamp(standin) -> str:
    here = Path(__file__).parent
    h = hashlib.sha256()
    module = sys.modules[standin.build.__module__]
    harness = [p for p in sorted(here.glob("*.py")) if not p.name.startswith("fullsize")]   # not the full-size ones
    for src in [Path(inspect.getfile(module)), *harness, *sorted((here / "standins").glob("_*.py")),
                here / "standins" / "vocab.py"]:
        h.update(src.read_bytes())
    for lib in LIBRARIES:
        try:
            h.update(f"{lib}={md.version(lib)}".encode())
        except md.PackageNotFoundError:
            pass
    h.update(standin.repo_id.encode())
    return h.hexdigest()[:16]


def _build_one(hf_home: str, repo_id: str) -> tuple[str, str | None, float]:
    """Build one stand-in into the cache (in a worker process): (repo id, error or None, seconds)."""
    import random
    import zlib

    import numpy as np
    import torch

    from .hubcache import install_dataset, install_snapshot
    from .standins import REGISTRY

    standin = REGISTRY[repo_id]
    seed = zlib.crc32(repo_id.encode())          # the same seed whichever process builds it
    random.seed(seed), np.random.seed(seed), torch.manual_seed(seed)
    t0 = time.perf_counter()
    try:
        with tempfile.TemporaryDirectory(prefix="standin-") as tmp:
            standin.build(Path(tmp))
            if standin.repo_type == "model":
                install_snapshot(Path(hf_home), repo_id, Path(tmp))
            else:
                install_dataset(Path(hf_home), repo_id, Path(tmp), standin.config, dict(standin.data_files))
    except Exception as err:
        return repo_id, f"{type(err).__name__}: {err}", time.perf_counter() - t0
    return repo_id, None, time.perf_counter() - t0


def build_all(hf_home: Path = DEFAULT_HF_HOME, *, verbose: bool = True, only: set[str] | None = None,
              workers: int = 2) -> Path:
    """Make sure every registered stand-in is in the cache at `hf_home`; return `hf_home`.

    A builder that fails is reported (and listed in standin-failures.txt, which a test reads) but does
    not stop the others, so the notebooks that do not need it still run."""
    from .hubcache import dataset_folder, repo_folder
    from .standins import REGISTRY

    hf_home = Path(hf_home)
    stamps = hf_home / "standin-stamps"
    stamps.mkdir(parents=True, exist_ok=True)
    todo: dict[str, tuple[Path, str]] = {}   # repo id -> (stamp file, stamp) of every stand-in to (re)build
    for repo_id, standin in REGISTRY.items():
        if only is not None and repo_id not in only:
            continue
        stamp_file = stamps / (repo_id.replace("/", "--") + f".{standin.repo_type}")
        stamp = _stamp(standin)
        done = repo_folder(hf_home, repo_id) if standin.repo_type == "model" else dataset_folder(hf_home, repo_id)
        if not (stamp_file.exists() and stamp_file.read_text() == stamp and done.exists()):
            todo[repo_id] = (stamp_file, stamp)
    todo = dict(sorted(todo.items(), key=lambda item: not REGISTRY[item[0]].slow))   # slow ones first
    failed: dict[str, str] = {}
    # Builders are independent (each writes its own repo folder), so two processes share the work: a fresh
    # clone's cache is ready in about half the time. The random builders seed themselves; _build_one also
    # seeds every build by its repo id, so a new builder that forgets cannot depend on the order either.
    with ProcessPoolExecutor(max_workers=min(workers, len(todo)) or 1, mp_context=get_context("spawn")) as pool:
        for repo_id, error, seconds in pool.map(_build_one, [str(hf_home)] * len(todo), list(todo)):
            stamp_file, stamp = todo[repo_id]
            if error is not None:  # keep going: the other stand-ins still serve their notebooks
                failed[repo_id] = error
                print(f"[stand-ins] FAILED to build {repo_id}: {error}", file=sys.stderr, flush=True)
                stamp_file.unlink(missing_ok=True)
                continue
            stamp_file.write_text(stamp)
            if verbose:
                print(f"[stand-ins] built {repo_id} in {seconds:.1f} s", flush=True)
    if only is not None:  # a partial build leaves the record of the last full one alone
        return hf_home
    (hf_home / "standin-failures.txt").write_text("".join(f"{k}: {v}\n" for k, v in failed.items()))
    return hf_home


if __name__ == "__main__":
    args = sys.argv[1:]
    only = set(args.pop(args.index("--only") + 1).split(",")) if "--only" in args else None
    positional = [a for a in args if not a.startswith("--")]
    home = Path(positional[0]) if positional else DEFAULT_HF_HOME
    if "--clean" in args:
        shutil.rmtree(home, ignore_errors=True)
    build_all(home, only=only)
    print(f"stand-in cache ready at {home}")
