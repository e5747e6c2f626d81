"""Write files into the Hugging Face hub cache layout, so `from_pretrained(repo_id)` finds them offline.

Layout (what huggingface_hub itself writes):
    $HF_HOME/hub/models--org--name/
        blobs/<sha256 of the file>            the content
        snapshots/<commit>/<path> -> ../../blobs/<sha256>   relative symlinks
        refs/main                              the commit hash, no newline
The commit hash is derived from the files' hashes, so an unchanged stand-in gets the same commit.
"""
from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
from pathlib import Path


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def repo_folder(hf_home: Path, repo_id: str, repo_type: str = "model") -> Path:
    """The cache folder of `repo_id`, e.g. hub/models--openai-community--gpt2."""
    return Path(hf_home) / "hub" / f"{repo_type}s--{repo_id.replace('/', '--')}"


def install_snapshot(hf_home: Path, repo_id: str, src: Path, repo_type: str = "model") -> Path:
    """Move the files under `src` into the cache as the `main` revision of `repo_id`.

    Returns the snapshot folder. Any earlier snapshot of the repo is replaced.
    """
    src = Path(src)
    files = sorted(p for p in src.rglob("*") if p.is_file())
    if not files:
        raise ValueError(f"stand-in for {repo_id} produced no files in {src}")
    folder = repo_folder(hf_home, repo_id, repo_type)
    if folder.exists():
        shutil.rmtree(folder)
    hashes = {p.relative_to(src).as_posix(): _sha256(p) for p in files}
    commit = hashlib.sha1("\n".join(f"{k} {v}" for k, v in sorted(hashes.items())).encode()).hexdigest()
    snapshot = folder / "snapshots" / commit
    (folder / "blobs").mkdir(parents=True)
    for p in files:
        rel = p.relative_to(src).as_posix()
        blob = folder / "blobs" / hashes[rel]
        if not blob.exists():
            shutil.move(str(p), blob)
        link = snapshot / rel
        link.parent.mkdir(parents=True, exist_ok=True)
        os.symlink(os.path.relpath(blob, link.parent), link)
    (folder / "refs").mkdir()
    (folder / "refs" / "main").write_text(commit)
    return snapshot


def dataset_folder(hf_home: Path, repo_id: str) -> Path:
    """The prepared-dataset cache folder of `repo_id`, e.g. datasets/ylecun___mnist or, for
    roneneldan/TinyStories, datasets/roneneldan___tiny_stories (datasets snake-cases the name)."""
    from datasets.naming import camelcase_to_snakecase

    org, name = repo_id.split("/")
    return Path(hf_home) / "datasets" / f"{org}___{camelcase_to_snakecase(name)}"


def install_dataset(hf_home: Path, repo_id: str, src: Path, config: str = "default",
                    data_files: dict[str, str] | None = None) -> Path:
    """Prepare the `<split>.parquet` files under `src` as the cached Arrow copy of dataset `repo_id`
    (configuration `config`: `load_dataset(repo_id, config)`).

    With `data_files`, the same copy is also filed under the configuration id that
    `load_dataset(repo_id, data_files=data_files)` looks for offline (datasets names it
    `<config>-<hash of the data_files>`, computed here with datasets' own `create_config_id`).

    With HF_DATASETS_OFFLINE=1, `load_dataset("org/name")` does not read a hub snapshot: it falls back
    to the prepared cache `$HF_HOME/datasets/org___name/<config>/0.0.0/<hash>/`, which this writes
    (dataset_info.json + `<name>-<split>.arrow`, through datasets' own Parquet builder).
    """
    from datasets.packaged_modules.parquet.parquet import Parquet

    splits = {p.stem: str(p) for p in sorted(Path(src).glob("*.parquet"))}
    if not splits:
        raise ValueError(f"stand-in for dataset {repo_id} wrote no <split>.parquet files")
    name = repo_id.split("/")[1]
    root = dataset_folder(hf_home, repo_id)
    if root.exists():
        shutil.rmtree(root)
    with tempfile.TemporaryDirectory(prefix="dataset-") as tmp:
        builder = Parquet(cache_dir=tmp, dataset_name=name, data_files=splits, config_name=config)
        builder.download_and_prepare()
        prepared = Path(builder.cache_dir)
        digest = hashlib.sha1("".join(_sha256(Path(p)) for p in splits.values()).encode()).hexdigest()[:16]
        target = root / config / "0.0.0" / digest
        target.parent.mkdir(parents=True)
        shutil.move(str(prepared), target)
    for lock in target.glob("*.lock"):
        lock.unlink()
    if data_files:
        from datasets import BuilderConfig

        config_id = BuilderConfig(config).create_config_id(config_kwargs={"data_files": data_files})
        shutil.copytree(target, root / config_id / "0.0.0" / target.name)
    return target
