"""The registry of stand-ins: one entry per real Hub repo id that a notebook loads.

Each stand-in is a function that writes the repo's files into an empty folder, with the real repo's
layout (config, weights as safetensors, tokenizer, subfolders, variants). Register one with

    @standin("org/name", "what it is: real vocabulary, tiny random weights, ...")
    def _(out: Path) -> None: ...

`tests/test_hub_ids.py` fails when a notebook names a repo id that has no entry here.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Callable


@dataclass(frozen=True)
class Standin:
    repo_id: str
    description: str
    build: Callable[[Path], None]
    repo_type: str = "model"  # or "dataset"
    config: str = "default"  # a data set's configuration name, e.g. "clean"
    data_files: tuple[tuple[str, str], ...] = ()  # (split, file in the real repo) a notebook names instead
    slow: bool = False  # takes many seconds (it converts real weights): built first, beside the quick ones


REGISTRY: dict[str, Standin] = {}


def standin(repo_id: str, description: str, repo_type: str = "model", config: str = "default",
            data_files: dict[str, str] | None = None, slow: bool = False):
    """Decorator that registers a builder for `repo_id` (for a data set, of its configuration `config`).

    `data_files`: for a data set a notebook loads with `load_dataset(repo_id, data_files=...)` (to
    download one shard of the real repo, say), exactly that dict; the stand-in then also answers it.
    `slow`: the build takes many seconds; it starts first, so the build processes end together."""

    def register(build: Callable[[Path], None]) -> Callable[[Path], None]:
        if repo_id in REGISTRY:
            raise ValueError(f"two stand-ins for {repo_id}")
        REGISTRY[repo_id] = Standin(repo_id, description, build, repo_type, config,
                                     tuple((data_files or {}).items()), slow)
        return build

    return register


# Importing the modules fills REGISTRY.
from . import audio, datasets, diffusion, sound, speech, text, vision  # noqa: E402,F401
