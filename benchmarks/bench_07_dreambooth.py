"""Chapter 7 benchmark: training speed (steps/s) and peak memory of scripts/train_dreambooth.py, on the
course's small model and on Stable Diffusion 1.5's architecture.

    python benchmarks/bench_07_dreambooth.py                       # small model: every weight vs LoRA ranks
    python benchmarks/bench_07_dreambooth.py --sd15                # also SD 1.5's architecture (GPU: 512 px)
    python benchmarks/bench_07_dreambooth.py --quick               # smoke run: 3 steps per configuration
    python benchmarks/bench_07_dreambooth.py --sd15 --sd-resolution 64 --sd-steps 3 --configs lora4 --json out.json

Small model (data/tiny-sd-mnist): the chapter's settings (5 subject pictures, batch 4, prior
preservation with 100 class pictures, so each step trains on 8 pictures, text encoder trained too) for
each configuration: every weight, LoRA ranks 4 and 16. The class pictures are drawn once, before any
timed run, into a shared folder.

SD 1.5 (--sd15): a StableDiffusionPipeline with the real SD 1.5 architecture (benchmarks/bench_05_sd.py
builds it) and random weights, saved to a temporary folder, then LoRA rank 8 with batch 1 and no prior
preservation, the settings of section 7 of the chapter; on a GPU at 512 px with fp16 mixed precision
(`accelerate launch --mixed_precision fp16`), on a CPU at --sd-resolution (default 128) in float32.
Nothing is downloaded: the speed depends on neither the weights nor the pictures (five drawn
seven-like strokes, resized to the resolution).

Each configuration is a separate process (`accelerate launch`, 1 process), so each peak memory is its
own: on CPU the process's peak resident memory (model loading included), on a GPU
torch.cuda.max_memory_allocated. steps/s is timed from the end of step 1 (which carries one-off warm-up
costs) to the end of training.
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import torch
from PIL import Image

REPO = Path(__file__).resolve().parents[1]
SCRIPT = REPO / "scripts" / "train_dreambooth.py"
SMALL = REPO / "data" / "tiny-sd-mnist"
# name: arguments of the script
CONFIGS = {"every-weight": ["--lora-rank", "0", "--lr", "1e-4"],
           "lora4": ["--lora-rank", "4", "--lr", "1e-3"],
           "lora16": ["--lora-rank", "16", "--lr", "1e-3"]}


def subject_pictures(folder: Path) -> Path:
    """Five drawn seven-like strokes as 32-px PNG files: the speed does not depend on the pictures."""
    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(0)
    for i in range(5):  # a thick diagonal stroke with a bar: a seven-like shape, enough for timing
        pixels = np.zeros((32, 32), np.uint8)
        for r in range(6, 26):
            c = 22 - (r - 6) // 2 + int(rng.integers(-1, 2))
            pixels[r, max(c - 1, 0):c + 2] = 255
        pixels[6:9, 8:24] = 255
        Image.fromarray(pixels).save(folder / f"seven_{i}.png")
    return folder


def launch(args_list: list[str], mixed_precision: str, threads: int) -> tuple[dict | None, str, float]:
    """One run of the script through `accelerate launch` (1 process): (results or None, stderr tail, wall s)."""
    env = dict(os.environ, OMP_NUM_THREADS=str(threads))
    command = [sys.executable, "-m", "accelerate.commands.launch", "--num_processes", "1", "--num_machines", "1",
               "--mixed_precision", mixed_precision, "--dynamo_backend", "no", str(SCRIPT), *args_list]
    start = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True, env=env)
    wall = time.perf_counter() - start
    out = Path(args_list[args_list.index("--out") + 1])
    if done.returncode != 0:
        return None, done.stderr[-2000:], wall
    return json.loads((out / "results.json").read_text()), "", wall


def build_sd15_folder(folder: Path) -> Path:
    """SD 1.5's architecture with random weights, saved as a pipeline folder (the real tokenizer if cached)."""
    sys.path.insert(0, str(REPO / "benchmarks"))
    from bench_05_sd import build_sd15, load_tokenizer

    tokenizer = load_tokenizer()
    if tokenizer is None:  # not cached: a byte-level CLIP tokenizer; the speed does not depend on it
        from transformers import CLIPTokenizer

        vocab = {"<|startoftext|>": 0, "<|endoftext|>": 1}
        for i in range(33, 127):
            vocab.setdefault(chr(i), len(vocab))
            vocab.setdefault(chr(i) + "</w>", len(vocab))
        (folder / "vocab.json").parent.mkdir(parents=True, exist_ok=True)
        (folder / "vocab.json").write_text(json.dumps(vocab))
        (folder / "merges.txt").write_text("#version: 0.2\n")
        tokenizer = CLIPTokenizer(str(folder / "vocab.json"), str(folder / "merges.txt"), model_max_length=77,
                                  pad_token="<|endoftext|>")
    tokenizer.model_max_length = 77  # SD 1.5's; a tokenizer read from a bare cache may not say
    pipe = build_sd15(tokenizer)
    pipe.save_pretrained(folder / "sd15")
    return folder / "sd15"


def main(argv=None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--configs", default=",".join(CONFIGS), help=f"comma-separated, from {','.join(CONFIGS)}")
    parser.add_argument("--steps", type=int, default=None, help="steps per small-model run (default 100; --quick: 3)")
    parser.add_argument("--sd15", action="store_true", help="also SD 1.5's architecture (LoRA rank 8, batch 1)")
    parser.add_argument("--sd-steps", type=int, default=None, help="steps of the SD 1.5 run (default 20; --quick: 2)")
    parser.add_argument("--sd-resolution", type=int, default=None, help="pixels (default: 512 on a GPU, 128 on CPU)")
    parser.add_argument("--threads", type=int, default=int(os.environ.get("OMP_NUM_THREADS", 1)),
                        help="OMP_NUM_THREADS of each run (default: inherited, else 1)")
    parser.add_argument("--quick", action="store_true", help="smoke run: 3 steps, 8 class pictures")
    parser.add_argument("--json", type=Path, default=None, help="also write the results to this JSON file")
    args = parser.parse_args(argv)
    args.steps = args.steps or (3 if args.quick else 100)
    args.sd_steps = args.sd_steps or (2 if args.quick else 20)
    on_gpu = torch.cuda.is_available()
    args.sd_resolution = args.sd_resolution or (512 if on_gpu else 128)
    names = [n.strip() for n in args.configs.split(",") if n.strip()]
    if set(names) - set(CONFIGS):
        parser.error(f"unknown configs {sorted(set(names) - set(CONFIGS))}; choose from {list(CONFIGS)}")
    if args.steps < 2 or args.sd_steps < 2:
        parser.error("--steps and --sd-steps must be at least 2 (step 1 is left out of the timing)")
    device = torch.cuda.get_device_name() if on_gpu else f"CPU, {args.threads} thread(s)"
    print(f"torch {torch.__version__}; {device}", flush=True)

    rows, begin = [], time.perf_counter()
    num_class = "8" if args.quick else "100"
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        subject = subject_pictures(tmp / "subject")
        common = ["--instance-dir", str(subject), "--instance-prompt", "a sks seven", "--batch-size", "4",
                  "--train-text-encoder", "--seed", "0"]
        prior = ["--prior-preservation", "--class-prompt", "a seven", "--class-dir", str(tmp / "class"),
                 "--num-class-images", num_class, "--class-guidance", "4"]
        # Draw the class pictures once (a 1-step run), so that no timed run pays for them.
        launch(["--base", str(SMALL), *common, *prior, *CONFIGS["lora4"], "--steps", "1", "--out", str(tmp / "warm")],
               "no", args.threads)
        for name in names:
            results, error, wall = launch(["--base", str(SMALL), *common, *prior, *CONFIGS[name], "--steps",
                                           str(args.steps), "--out", str(tmp / name)], "no", args.threads)
            rows.append({"model": "tiny-sd-mnist 32 px", "config": name, "batch": "4 + 4 class", "wall_s": wall,
                         **({"error": error} if results is None else results)})
            print(f"  small model, {name}: " + (f"failed: {error}" if results is None else
                                                f"{results['steps_per_s_after_step1']:.1f} steps/s"), flush=True)
        if args.sd15:
            base = build_sd15_folder(tmp / "sd")
            results, error, wall = launch(
                ["--base", str(base), "--instance-dir", str(subject), "--instance-prompt", "a photo of sks dog",
                 "--lora-rank", "8", "--lr", "1e-4", "--batch-size", "1", "--steps", str(args.sd_steps),
                 "--resolution", str(args.sd_resolution), "--out", str(tmp / "sd-lora8")],
                "fp16" if on_gpu else "no", args.threads)
            rows.append({"model": f"SD 1.5 architecture {args.sd_resolution} px", "config": "lora8", "batch": "1",
                         "wall_s": wall, **({"error": error} if results is None else results)})
            print("  SD 1.5, lora8: " + (f"failed: {error}" if results is None else
                                         f"{results['steps_per_s_after_step1']:.2f} steps/s"), flush=True)

    print(f"\n{'model':28s} {'config':13s} {'batch':12s} {'trained':>11s} {'steps':>6s} {'steps/s':>8s} "
          f"{'peak memory':>12s} {'file':>9s} {'run s':>6s}")
    for row in rows:
        if "error" in row:
            print(f"{row['model']:28s} {row['config']:13s} failed")
            continue
        print(f"{row['model']:28s} {row['config']:13s} {row['batch']:12s} {row['trainable_params']:>11,} "
              f"{row['steps']:>6d} {row['steps_per_s_after_step1']:8.2f} {max(row['peak_memory_bytes']) / 2**20:9.0f} MiB "
              f"{row['file_bytes'] / 2**20:6.2f} MiB {row['wall_s']:6.0f}")
    results = {"device": device, "steps": args.steps, "configs": rows, "wall_s": time.perf_counter() - begin}
    for row in rows:
        row.pop("losses", None)
    print(f"\nbenchmark wall time: {results['wall_s']:.0f} s")
    if args.json:
        args.json.write_text(json.dumps(results, indent=2))
        print(f"wrote {args.json}")
    if any("error" in row for row in rows):
        sys.exit("some configurations failed (see above)")
    return results


if __name__ == "__main__":
    main()
