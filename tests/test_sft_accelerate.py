"""scripts/sft_accelerate.py (chapter 6): data-parallel SFT with accelerate gives the same training as one
process. It runs the real SmolLM2-135M-Instruct on the cached topic data set, once as a plain Python process
and once as 2 data-parallel CPU processes (gloo) started by `accelerate launch`, on the same global batch."""
import json
import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parents[1] / "scripts" / "sft_accelerate.py"
# One global batch of 2 examples, trained on 3 times (--examples 2): 3 optimizer steps on the same batch.
# With 2 processes each holds one example, so their answer-token counts differ (what the normalisation is for).
ARGS = ["--steps", "3", "--global-batch", "2", "--examples", "2", "--max-length", "96", "--seed", "0"]
# Measured on 2 CPU cores with these arguments: the largest relative difference between the 1- and 2-process
# runs was 9.7e-7 for the losses and 1.6e-6 for the gradient norms (float32 sums in another order, padding to
# 1 row instead of 2); with a global batch of 4 it was 2.3e-7. The tolerance leaves room for other CPUs'
# kernels. Two broken variants, measured with a global batch of 4:
# a per-process mean loss changed the losses by 0.5-1.1 % and the gradient norms by 1-2 %; a missing
# `* world` halved the gradient norms but moved the losses by only 7e-6 (AdamW rescales the gradient).
REL_TOL = 1e-5


def env():
    return {**os.environ, "ACCELERATE_USE_CPU": "1", "OMP_NUM_THREADS": "1", "TOKENIZERS_PARALLELISM": "false"}


def free_port() -> int:
    """A free local port for the processes' rendezvous (29500, the default, may be in use by someone else)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def command(num_processes: int, *args) -> list[str]:
    """1 process: plain `python script.py` (it must run without a launcher); more: `accelerate launch`."""
    if num_processes == 1:
        return [sys.executable, str(SCRIPT), *args]
    return [sys.executable, "-m", "accelerate.commands.launch", "--multi_gpu", "--num_processes", str(num_processes),
            "--num_machines", "1", "--mixed_precision", "no", "--dynamo_backend", "no",
            "--main_process_port", str(free_port()), str(SCRIPT), *args]


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    """{num_processes: the script's JSON results}; the two runs go side by side to save wall time."""
    out = tmp_path_factory.mktemp("sft")
    procs = {n: subprocess.Popen(command(n, *ARGS, "--out", str(out / f"{n}.json")), env=env(), text=True,
                                 stdout=subprocess.PIPE, stderr=subprocess.STDOUT) for n in (1, 2)}
    results = {}
    for n, proc in procs.items():
        log, _ = proc.communicate(timeout=600)
        assert proc.returncode == 0, f"{n}-process run failed:\n{log[-4000:]}"
        results[n] = json.loads((out / f"{n}.json").read_text())
    return results


def test_both_process_counts_ran(runs):
    for n, result in runs.items():
        assert result["num_processes"] == n and result["per_device_batch"] == 2 // n
        assert len(result["peak_memory_bytes"]) == n and all(b > 0 for b in result["peak_memory_bytes"])
        assert len(result["losses"]) == 3 and result["tokens_per_s"] > 0
        assert result["full_finetune"] is False and 0 < result["trainable_params"] < result["total_params"]
        assert result["mixed_precision"] == "no"  # chapter 6 compares the runs only when both say so


def test_an_earlier_accelerator_in_the_process_is_what_the_precision_check_catches():
    """Why chapter 6 starts both runs as new processes: in a process where a Trainer already ran with
    bf16=True (as chapter 6's GRPO does on a bfloat16 GPU), a later ``Accelerator()`` (the script's main,
    called in-process) silently inherits bfloat16. The script reports what it trained in, so the chapter's
    check ``one["mixed_precision"] == two["mixed_precision"] == "no"`` fails on that instead of comparing
    a bfloat16 run with float32 ones."""
    code = ("from accelerate import Accelerator\n"
            "Accelerator(mixed_precision='bf16', cpu=True)\n"
            "print(Accelerator().mixed_precision)")
    out = subprocess.run([sys.executable, "-c", code], env=env(), text=True, capture_output=True, timeout=120)
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.strip().splitlines()[-1] == "bf16"


def test_one_and_two_processes_train_identically(runs):
    """Same losses at every step (so the same updates) and the same gradient norms (see REL_TOL)."""
    one, two = runs[1], runs[2]
    assert one["tokens"] == two["tokens"]  # the same examples were trained on
    for key in ("losses", "grad_norms"):
        for step, (a, b) in enumerate(zip(one[key], two[key]), 1):
            assert b == pytest.approx(a, rel=REL_TOL), f"{key} of step {step}: 1 process {a}, 2 processes {b}"


def test_loss_goes_down_on_the_repeated_batch(runs):
    losses = runs[1]["losses"]
    assert losses[0] > losses[1] > losses[2], losses
    assert losses[2] < 0.8 * losses[0], losses


def test_global_batch_not_divisible_fails_clearly():
    result = subprocess.run(command(2, "--steps", "1", "--global-batch", "3"), env=env(), text=True,
                            capture_output=True, timeout=300)
    assert result.returncode != 0
    assert "--global-batch 3 cannot be split evenly over 2 processes" in result.stdout + result.stderr


def test_zero_steps_fails_clearly():
    result = subprocess.run(command(1, "--steps", "0"), env=env(), text=True, capture_output=True, timeout=300)
    assert result.returncode != 0
    assert "--steps, --global-batch and --examples must be at least 1" in result.stderr
