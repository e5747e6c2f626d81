"""Chapter 6, "training past one device": supervised fine-tuning (SFT) with a hand-written accelerate loop.

A small chat model (SmolLM2-135M-Instruct) learns to name the topic of a text, with LoRA (or, with
--full-finetune, all of its weights). The same file runs on one device or data-parallel on several:

    python scripts/sft_accelerate.py --steps 20 --global-batch 8 --out sft.json            # 1 process
    ACCELERATE_USE_CPU=1 accelerate launch --multi_gpu --num_processes 2 \\
        scripts/sft_accelerate.py --steps 20 --global-batch 8 --out sft.json                # 2 CPU processes (gloo)
    accelerate launch --multi_gpu --num_processes 4 --mixed_precision bf16 scripts/sft_accelerate.py \\
        --model HuggingFaceTB/SmolLM2-1.7B-Instruct --global-batch 32                         # 4 GPUs
    (`accelerate launch --cpu --num_processes 2` starts only ONE process: use the line above for 2 on CPU.)
    runpy.run_path("scripts/sft_accelerate.py")["main"](["--steps", "20"])                   # 1 process: this one

Data parallelism in one sentence: every process holds a full copy of the model, works on its own share of
each step's examples, and the gradients are averaged across processes before each optimizer step, so all
copies stay identical. Done right, N processes compute exactly the update that one process would.
"""
from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import torch
import torch.nn.functional as F
from accelerate import Accelerator
from accelerate.utils import set_seed
from datasets import load_dataset
from tqdm.auto import tqdm
from transformers import AutoModelForCausalLM, AutoTokenizer

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the course folder, for its utils package
from utils import process_peak_memory_bytes  # noqa: E402

PROMPT = "Which topic is this text about? Answer with one of: {labels}.\n\nText: {text}"


def parse_args(argv: list[str] | None = None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--model", default="HuggingFaceTB/SmolLM2-135M-Instruct", help="any causal LM on the Hub")
    p.add_argument("--dataset", default="fancyzhx/dbpedia_14", help="Hub id or local folder (title/content/label)")
    p.add_argument("--steps", type=int, default=20, help="optimizer steps")
    p.add_argument("--global-batch", type=int, default=8, help="examples per optimizer step, over ALL processes")
    p.add_argument("--examples", type=int, default=None,
                   help="training examples, cycled through (default steps x global batch: each seen once)")
    p.add_argument("--lr", type=float, default=2e-4)
    p.add_argument("--max-length", type=int, default=128, help="tokens per example (the text is shortened to fit)")
    p.add_argument("--gradient-checkpointing", action="store_true", help="recompute activations: less memory")
    p.add_argument("--full-finetune", action="store_true", help="train every weight instead of LoRA adapters")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--out", default=None, help="JSON file for the results (written by the main process)")
    return p.parse_args(argv)


def fail(message: str):
    """Stop every process with a readable message (each process checks the same things)."""
    sys.exit(f"sft_accelerate.py: error: {message}")


def first_sentence(content: str) -> str:
    return (content.split(". ")[0].rstrip(".") + ".")[:240]


def tokenize_example(tokenizer, text: str, answer: str, labels: list[str], max_length: int):
    """input_ids and labels of one chat example; labels are -100 (ignored) everywhere but the answer."""
    while True:
        messages = [{"role": "user", "content": PROMPT.format(labels=", ".join(labels), text=text)},
                    {"role": "assistant", "content": answer}]
        full = tokenizer.apply_chat_template(messages, tokenize=False)
        prompt = tokenizer.apply_chat_template(messages[:1], tokenize=False, add_generation_prompt=True)
        ids = tokenizer(full, add_special_tokens=False).input_ids
        n_prompt = len(tokenizer(prompt, add_special_tokens=False).input_ids)
        if len(ids) <= max_length:
            break
        if not text:
            fail(f"--max-length {max_length} is too short for the prompt and answer alone ({len(ids)} tokens)")
        # Too long: shorten the text (never the answer) by the excess tokens and try again.
        text_ids = tokenizer(text, add_special_tokens=False).input_ids
        text = tokenizer.decode(text_ids[: max(0, len(text_ids) - (len(ids) - max_length))]).strip()
    return ids, [-100] * n_prompt + ids[n_prompt:]  # the loss only sees the answer (and its end token)


def make_batch(examples, pad_id: int, device):
    """Right-pad a list of (input_ids, labels) to the longest one; padding gets label -100 and mask 0."""
    width = max(len(ids) for ids, _ in examples)
    ids = torch.full((len(examples), width), pad_id)
    labels = torch.full((len(examples), width), -100)
    mask = torch.zeros((len(examples), width), dtype=torch.long)
    for row, (x, y) in enumerate(examples):
        ids[row, : len(x)], labels[row, : len(y)], mask[row, : len(x)] = torch.tensor(x), torch.tensor(y), 1
    return ids.to(device), labels.to(device), mask.to(device)


def main(argv: list[str] | None = None) -> dict:
    """Train as the command line (or `argv`) says; returns the results (the same on every process)."""
    args = parse_args(argv)
    accelerator = Accelerator()  # reads what `accelerate launch` set: process count, device, mixed precision
    world, rank, device = accelerator.num_processes, accelerator.process_index, accelerator.device
    n_examples = args.examples or args.steps * args.global_batch
    if args.steps < 1 or args.global_batch < 1 or n_examples < 1:
        fail("--steps, --global-batch and --examples must be at least 1")
    if args.global_batch % world:
        fail(f"--global-batch {args.global_batch} cannot be split evenly over {world} processes")
    per_device = args.global_batch // world
    set_seed(args.seed)  # the same seed in every process: identical LoRA initialisation everywhere

    # Data: the first sentence of each article, and the name of its topic as the answer.
    ds = load_dataset(args.dataset, split="train")
    if len(ds) < n_examples:
        fail(f"the dataset has {len(ds)} training rows; {n_examples} are needed")
    # keep_in_memory: no shuffle index is written to the cache, where parallel processes could race on it
    ds = ds.shuffle(seed=args.seed, keep_in_memory=True).select(range(n_examples), keep_in_memory=True)
    labels = ds.features["label"].names
    tokenizer = AutoTokenizer.from_pretrained(args.model)
    pad_id = tokenizer.pad_token_id if tokenizer.pad_token_id is not None else tokenizer.eos_token_id
    examples = [tokenize_example(tokenizer, first_sentence(row["content"]), labels[row["label"]], labels,
                                 args.max_length) for row in ds]

    # Model: float32 weights; mixed precision only if you ask accelerate (launch --mixed_precision bf16).
    model = AutoModelForCausalLM.from_pretrained(args.model, dtype=torch.float32)
    if args.gradient_checkpointing:
        model.gradient_checkpointing_enable(gradient_checkpointing_kwargs={"use_reentrant": False})
        model.enable_input_require_grads()  # with frozen embeddings (LoRA), checkpoints still need a grad path
    if not args.full_finetune:
        from peft import LoraConfig, get_peft_model

        model = get_peft_model(model, LoraConfig(r=16, lora_alpha=32, lora_dropout=0.0,
                                                 target_modules="all-linear", task_type="CAUSAL_LM"))
    total = sum(p.numel() for p in model.parameters())
    trainable = sum(p.numel() for p in model.parameters() if p.requires_grad)
    accelerator.print(f"{world} process(es) on {device.type}; {trainable:,} of {total:,} parameters trained; "
                      f"global batch {args.global_batch} = {world} x {per_device}")
    optimizer = torch.optim.AdamW([p for p in model.parameters() if p.requires_grad], lr=args.lr)
    # prepare() moves the model to this process's device and, with several processes, wraps it in
    # DistributedDataParallel, which averages the gradients over the processes during backward().
    model, optimizer = accelerator.prepare(model, optimizer)
    model.train()

    losses, grad_norms, tokens_seen, step1_s, step1_tokens = [], [], 0, None, 0
    progress = tqdm(range(args.steps), desc="SFT", disable=not accelerator.is_main_process)
    start = time.perf_counter()
    for step in progress:
        # The step's global batch is the same examples whatever the number of processes;
        # process `rank` takes its contiguous share of them (rows rank*per_device ... +per_device).
        rows = [(step * args.global_batch + j) % n_examples for j in range(args.global_batch)]
        mine = rows[rank * per_device: (rank + 1) * per_device]
        input_ids, target, mask = make_batch([examples[i] for i in mine], pad_id, device)

        # Normalise by the answer tokens of the WHOLE global batch, not of this process's share: a
        # per-process mean would weigh a token more on a process that happens to hold fewer answer
        # tokens, and the result would change with the number of processes.
        answer_tokens = (target[:, 1:] != -100).sum()
        global_answer_tokens = accelerator.reduce(answer_tokens, reduction="sum")

        logits = model(input_ids=input_ids, attention_mask=mask).logits
        # Token t predicts token t+1: shift by one; -100 (prompt, padding) is ignored.
        loss_sum = F.cross_entropy(logits[:, :-1].float().flatten(0, 1), target[:, 1:].flatten(),
                                   ignore_index=-100, reduction="sum")
        # DDP AVERAGES the gradients: it adds the processes' gradients and divides by `world`. Multiplying
        # by `world` here cancels that division, so the applied gradient is
        #   (1/world) * sum_k world * grad(loss_sum_k) / G = grad(sum of all token losses) / G,
        # with G = global_answer_tokens: exactly one process's gradient of the mean loss of the global batch.
        loss = loss_sum * world / global_answer_tokens
        accelerator.backward(loss)
        # After backward every process holds the same averaged gradient. Its norm is a handy check: a missing
        # `* world` above would halve it, yet barely change the losses (AdamW divides the scale out).
        grad_norm = torch.linalg.vector_norm(torch.stack(
            [p.grad.norm() for p in model.parameters() if p.grad is not None])).item()
        optimizer.step()
        optimizer.zero_grad(set_to_none=True)

        # Report the loss of the global batch: summed token losses of all processes / all answer tokens.
        step_loss = (accelerator.reduce(loss_sum.detach(), reduction="sum") / global_answer_tokens).item()
        losses.append(step_loss)
        grad_norms.append(grad_norm)
        tokens_seen += int(accelerator.reduce(mask.sum(), reduction="sum"))  # all tokens but padding
        if step == 0:  # the first step includes one-off warm-up costs: also time the steps after it
            step1_s, step1_tokens = time.perf_counter() - start, tokens_seen
        progress.set_postfix(loss=f"{step_loss:.4f}")
        if accelerator.is_main_process:
            progress.write(f"step {step + 1}/{args.steps}: loss {step_loss:.4f}, gradient norm {grad_norm:.4f}")
    accelerator.wait_for_everyone()
    train_s = time.perf_counter() - start

    # Every process's peak memory, collected on all of them (gather), written by the main process.
    peaks = accelerator.gather(torch.tensor([process_peak_memory_bytes(device)], device=device)).tolist()
    rest_s = train_s - step1_s
    results = {
        "num_processes": world, "mixed_precision": accelerator.mixed_precision, "losses": losses, "grad_norms": grad_norms, "tokens_per_s": tokens_seen / train_s,
        "tokens_per_s_after_step1": (tokens_seen - step1_tokens) / rest_s if args.steps > 1 else None,
        "examples_per_s": args.steps * args.global_batch / train_s, "peak_memory_bytes": peaks,
        "trainable_params": trainable, "total_params": total, "gradient_checkpointing": args.gradient_checkpointing,
        "full_finetune": args.full_finetune, "model": args.model, "device": device.type, "steps": args.steps,
        "global_batch": args.global_batch, "per_device_batch": per_device, "max_length": args.max_length,
        "lr": args.lr, "seed": args.seed, "train_s": train_s, "tokens": tokens_seen,
    }
    if accelerator.is_main_process:
        print(f"done: {results['tokens_per_s']:.0f} tokens/s, peak memory per process "
              + ", ".join(f"{b / 2**30:.2f} GiB" for b in peaks))
        if args.out:
            with open(args.out, "w") as f:
                json.dump(results, f, indent=2)
    accelerator.end_training()
    return results


if __name__ == "__main__":
    main()
