"""Benchmark of Chapter 2's from-scratch GPT: training throughput and the attention timing curve.

    python benchmarks/bench_02_gpt.py                    # CPU sizes of the notebook's full mode
    python benchmarks/bench_02_gpt.py --preset gpu       # the notebook's GPU sizes (on a GPU)
    python benchmarks/bench_02_gpt.py --steps 20 --lengths 256 512 1024 --json out.json

Not a test: it prints numbers so that later changes (to the model, the attention code, the libraries or
the machine) can be compared. The model and attention code are read from the notebook itself
(notebooks/02_transformers.ipynb: the definitions of `attention`, `causal_mask`, `sliding_window_mask`,
`sliding_window_attention` and the GPT classes), so the benchmark measures exactly what learners run.
Training runs on random token ids: throughput does not depend on the text.
"""
from __future__ import annotations

import argparse
import ast
import json
import math
import platform
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(Path(__file__).resolve().parent))
NOTEBOOK = REPO / "notebooks" / "02_transformers.ipynb"
WANTED = {"attention", "causal_mask", "sliding_window_mask", "sliding_window_attention", "GPTConfig",
          "CausalSelfAttention", "MLP", "Block", "GPT"}

# The notebook's full-mode sizes (its sizes cell): CPU and GPU.
PRESETS = {
    "cpu": dict(vocab=4096, n_layer=4, n_head=4, n_embd=128, context=128, batch=32, lr=2e-3),
    "gpu": dict(vocab=8192, n_layer=6, n_head=6, n_embd=384, context=256, batch=64, lr=1e-3),
    "quick": dict(vocab=2048, n_layer=2, n_head=2, n_embd=64, context=64, batch=16, lr=3e-3),
}


def notebook_definitions() -> dict:
    """The chapter's attention functions and GPT classes, executed from the notebook."""
    import torch
    import torch.nn as nn
    import torch.nn.functional as F
    from dataclasses import dataclass

    from notebook_code import notebook_definitions as load

    return load(NOTEBOOK.name, WANTED, {"math": math, "torch": torch, "nn": nn, "F": F, "dataclass": dataclass})


def sync(device) -> None:
    import torch

    if device.type == "cuda":
        torch.cuda.synchronize(device)
    elif device.type == "mps":
        torch.mps.synchronize()


def bench_training(nb: dict, device, preset: dict, steps: int, warmup: int) -> dict:
    import torch
    import torch.nn as nn

    torch.manual_seed(0)
    cfg = nb["GPTConfig"](vocab_size=preset["vocab"], context=preset["context"], n_layer=preset["n_layer"],
                          n_head=preset["n_head"], n_embd=preset["n_embd"])
    model = nb["GPT"](cfg).to(device).train()
    amp_dtype = torch.bfloat16 if device.type == "cuda" and torch.cuda.is_bf16_supported() else torch.float16
    scaler = torch.amp.GradScaler(device.type, enabled=device.type == "cuda" and amp_dtype == torch.float16)
    opt = torch.optim.AdamW(model.parameters(), lr=preset["lr"], betas=(0.9, 0.95), weight_decay=0.1)
    B, T = preset["batch"], preset["context"]
    data = torch.randint(preset["vocab"], (steps + warmup, B, T + 1), device=device)
    times = []
    for i in range(steps + warmup):
        sync(device)
        t0 = time.perf_counter()
        x, y = data[i, :, :-1], data[i, :, 1:]
        with torch.autocast(device_type=device.type, dtype=amp_dtype, enabled=device.type == "cuda"):
            _, loss = model(x, y)
        opt.zero_grad(set_to_none=True)
        scaler.scale(loss).backward()
        scaler.unscale_(opt)
        nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        scaler.step(opt)
        scaler.update()
        loss.item()
        sync(device)
        if i >= warmup:
            times.append(time.perf_counter() - t0)
    seconds = sum(times)
    return {"parameters": sum(p.numel() for p in model.parameters()), "steps": steps, "batch": B, "context": T,
            "seconds_per_step": seconds / steps, "tokens_per_second": steps * B * T / seconds,
            "amp": device.type == "cuda", "amp_dtype": str(amp_dtype).removeprefix("torch.") if device.type == "cuda" else None}


def bench_attention(nb: dict, device, lengths: list[int], heads: int, head_dim: int, window: int, repeats: int) -> list[dict]:
    import torch
    import torch.nn.functional as F

    attention, causal_mask, swa = nb["attention"], nb["causal_mask"], nb["sliding_window_attention"]
    dtype = torch.float32 if device.type == "cpu" else torch.float16
    methods = {
        "ours_full_matrix": lambda q, k, v: attention(q, k, v, causal_mask(q.shape[2], q.device))[0],
        "fused_sdpa": lambda q, k, v: F.scaled_dot_product_attention(q, k, v, is_causal=True),
        f"sliding_window_{window}": lambda q, k, v: swa(q, k, v, window),
    }
    rows = []
    with torch.no_grad():
        for T in lengths:
            q, k, v = (torch.randn(1, heads, T, head_dim, device=device, dtype=dtype) for _ in range(3))
            row = {"T": T}
            for name, fn in methods.items():
                fn(q, k, v)
                sync(device)
                best = math.inf
                for _ in range(repeats):
                    t0 = time.perf_counter()
                    fn(q, k, v)
                    sync(device)
                    best = min(best, time.perf_counter() - t0)
                row[name + "_ms"] = best * 1000
            rows.append(row)
    return rows


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--device", default=None, help="cpu, cuda, mps (default: utils.get_device())")
    parser.add_argument("--preset", choices=sorted(PRESETS), default=None,
                        help="model sizes (default: gpu on CUDA, else cpu)")
    parser.add_argument("--steps", type=int, default=20, help="timed training steps")
    parser.add_argument("--warmup", type=int, default=3, help="untimed training steps first")
    parser.add_argument("--lengths", type=int, nargs="+", default=[256, 512, 1024, 2048, 4096])
    parser.add_argument("--heads", type=int, default=8)
    parser.add_argument("--head-dim", type=int, default=64)
    parser.add_argument("--window", type=int, default=64)
    parser.add_argument("--repeats", type=int, default=3, help="attention timings: best of N")
    parser.add_argument("--json", type=Path, default=None, help="also write the results here")
    args = parser.parse_args(argv)

    sys.path.insert(0, str(REPO))
    import torch

    from utils import describe_device, get_device

    device = get_device(args.device)
    preset_name = args.preset or ("gpu" if device.type == "cuda" else "cpu")
    nb = notebook_definitions()
    info = {"device": describe_device(device), "torch": torch.__version__, "python": platform.python_version(),
            "machine": platform.machine(), "threads": torch.get_num_threads(), "preset": preset_name}
    print("; ".join(f"{k}: {v}" for k, v in info.items()))

    train = bench_training(nb, device, PRESETS[preset_name], args.steps, args.warmup)
    print(f"\nGPT training ({preset_name} sizes, {train['parameters'] / 1e6:.2f} M parameters, batch {train['batch']} x "
          f"{train['context']} tokens, mixed precision: {train['amp_dtype'] or 'off'}):")
    print(f"  {train['seconds_per_step'] * 1000:.1f} ms/step, {train['tokens_per_second']:,.0f} tokens/s")

    rows = bench_attention(nb, device, args.lengths, args.heads, args.head_dim, args.window, args.repeats)
    names = [k for k in rows[0] if k != "T"]
    print(f"\ncausal attention, {args.heads} heads x {args.head_dim}, best of {args.repeats} (ms):")
    print("      T " + " ".join(f"{n.removesuffix('_ms'):>22s}" for n in names))
    for row in rows:
        print(f"{row['T']:7d} " + " ".join(f"{row[n]:22.2f}" for n in names))

    if args.json:
        args.json.write_text(json.dumps({"info": info, "training": train, "attention": rows}, indent=2))
        print(f"\nwrote {args.json}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
