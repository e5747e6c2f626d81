"""Chapter 6 benchmark: supervised fine-tuning speed (tokens/s) and peak memory of SmolLM2-135M-Instruct,
full fine-tuning versus LoRA, with and without gradient checkpointing, and LoRA on 1 versus 2 data-parallel
processes (the same global batch).

    python benchmarks/bench_06_finetune.py                    # 4 steps of 8 examples per configuration
    python benchmarks/bench_06_finetune.py --quick            # smoke run: 2 steps of 2 examples of at most 96 tokens
    python benchmarks/bench_06_finetune.py --configs lora,lora-2proc --steps 6 --json out.json

Each configuration is a separate run of scripts/sft_accelerate.py (a subprocess, so each peak memory is
its own): 1 process through `python`, 2 through `accelerate launch --multi_gpu --num_processes 2`.
The same commands run on GPUs (accelerate picks the device; 2 processes then need 2 GPUs). On a machine
without CUDA the 2 processes are CPU processes (ACCELERATE_USE_CPU=1, gloo), each with --threads threads,
so the 2-process row uses twice the cores of the 1-process rows. tokens/s counts every trained token
(prompt and answer, not padding) of all processes, timed from the end of step 1 (which carries one-off
warm-up costs) to the end of training. Peak memory: on CPU the process's peak resident memory (model
loading included), on a GPU torch.cuda.max_memory_allocated.
"""
from __future__ import annotations

import argparse
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import torch

REPO = Path(__file__).resolve().parents[1]
SCRIPT = REPO / "scripts" / "sft_accelerate.py"
# name: (processes, extra arguments of the script)
CONFIGS = {
    "full": (1, ["--full-finetune"]),
    "full+gc": (1, ["--full-finetune", "--gradient-checkpointing"]),
    "lora": (1, []),
    "lora+gc": (1, ["--gradient-checkpointing"]),
    "lora-2proc": (2, []),
}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def run_config(name: str, args, out_dir: Path) -> dict:
    """One run of the fine-tuning script; its JSON results plus the run's own wall time."""
    processes, extra = CONFIGS[name]
    out = out_dir / f"{name}.json"
    script_args = [str(SCRIPT), "--model", args.model, "--steps", str(args.steps), "--global-batch",
                   str(args.global_batch), "--max-length", str(args.max_length), "--out", str(out), *extra]
    if processes == 1:
        command = [sys.executable, *script_args]
    else:
        command = [sys.executable, "-m", "accelerate.commands.launch", "--multi_gpu", "--num_processes",
                   str(processes), "--num_machines", "1", "--mixed_precision", "no", "--dynamo_backend", "no",
                   "--main_process_port", str(free_port()), *script_args]
    env = {**os.environ, "OMP_NUM_THREADS": str(args.threads), "TOKENIZERS_PARALLELISM": "false"}
    if not torch.cuda.is_available():
        env["ACCELERATE_USE_CPU"] = "1"  # several CPU processes instead of looking for GPUs
    start = time.perf_counter()
    proc = subprocess.run(command, env=env, text=True, capture_output=True)
    if proc.returncode != 0:
        lines = (proc.stdout + proc.stderr).strip().splitlines()
        error = next((line for line in lines if "sft_accelerate.py: error" in line),  # the script's own message
                     next((line for line in reversed(lines) if "Error" in line), lines[-1] if lines else ""))
        return {"config": name, "error": f"exit {proc.returncode}: {error}"}
    result = json.loads(out.read_text())
    result.update(config=name, run_s=time.perf_counter() - start)
    return result


def print_table(rows: list[dict], args) -> None:
    print(f"\nSFT of {args.model}: {args.steps} steps, global batch {args.global_batch}, max length "
          f"{args.max_length}, {args.threads} thread(s) per process\n")
    print("| config | processes | trained params | tokens/s (after step 1) | tokens/s (all steps) | "
          "examples/s | peak memory per process | vs lora |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|")
    base = next((r for r in rows if r["config"] == "lora" and "error" not in r), None)
    for r in rows:
        if "error" in r:
            print(f"| {r['config']} | | | not run: {r['error']} | | | | |")
            continue
        speed = r["tokens_per_s_after_step1"] or r["tokens_per_s"]
        base_speed = base and (base["tokens_per_s_after_step1"] or base["tokens_per_s"])
        memory = " / ".join(f"{b / 2**30:.2f} GiB" for b in r["peak_memory_bytes"])
        print(f"| {r['config']} | {r['num_processes']} | {r['trainable_params'] / 1e6:.1f} M | {speed:.0f} | "
              f"{r['tokens_per_s']:.0f} | {r['examples_per_s']:.2f} | {memory} | "
              + (f"{speed / base_speed:.2f}x |" if base_speed else "n/a |"))
    print("\nvs lora: tokens/s (after step 1) as a ratio to LoRA on 1 process; above 1.00x is faster. "
          "+gc: gradient checkpointing.")


def main(argv=None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", default="HuggingFaceTB/SmolLM2-135M-Instruct")
    parser.add_argument("--configs", default=",".join(CONFIGS), help=f"comma-separated, from {','.join(CONFIGS)}")
    parser.add_argument("--steps", type=int, default=None, help="optimizer steps per configuration, at least 2 "
                        "(default 4; --quick: 2)")
    parser.add_argument("--global-batch", type=int, default=None,
                        help="examples per step, over all processes (default 8; --quick: 2)")
    parser.add_argument("--max-length", type=int, default=None, help="tokens per example (default 128; --quick: 96)")
    parser.add_argument("--threads", type=int, default=int(os.environ.get("OMP_NUM_THREADS", 1)),
                        help="OMP_NUM_THREADS of each process (default: inherited, else 1)")
    parser.add_argument("--quick", action="store_true", help="smoke run: 2 steps, global batch 2, max length 96")
    parser.add_argument("--json", type=Path, default=None, help="also write the results to this JSON file")
    args = parser.parse_args(argv)
    for key, full, quick in [("steps", 4, 2), ("global_batch", 8, 2), ("max_length", 128, 96)]:
        if getattr(args, key) is None:
            setattr(args, key, quick if args.quick else full)
    names = [n.strip() for n in args.configs.split(",") if n.strip()]
    unknown = set(names) - set(CONFIGS)
    if unknown:
        parser.error(f"unknown configs {sorted(unknown)}; choose from {list(CONFIGS)}")
    if args.steps < 2:
        parser.error("--steps must be at least 2 (step 1 is left out of the timing)")
    if torch.cuda.is_available() and torch.cuda.device_count() < 2:
        names = [n for n in names if CONFIGS[n][0] == 1]  # 2 GPU processes need 2 GPUs
    print(f"torch {torch.__version__}; " + (f"{torch.cuda.device_count()} x {torch.cuda.get_device_name()}"
                                            if torch.cuda.is_available() else f"CPU, {os.cpu_count()} cores"))

    begin, rows = time.perf_counter(), []
    with tempfile.TemporaryDirectory() as tmp:
        for name in names:
            row = run_config(name, args, Path(tmp))
            rows.append(row)
            print(f"  {name}: " + (f"failed: {row['error']}" if "error" in row else
                                   f"{row['tokens_per_s_after_step1']:.0f} tokens/s, run {row['run_s']:.0f} s"),
                  flush=True)
    print_table(rows, args)
    results = {"model": args.model, "steps": args.steps, "global_batch": args.global_batch,
               "max_length": args.max_length, "threads": args.threads, "configs": rows,
               "wall_s": time.perf_counter() - begin}
    print(f"\nbenchmark wall time: {results['wall_s']:.0f} s")
    if args.json:
        args.json.write_text(json.dumps(results, indent=2))
        print(f"wrote {args.json}")
    return results


if __name__ == "__main__":
    main()
