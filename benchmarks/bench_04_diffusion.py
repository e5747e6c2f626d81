"""Chapter 4 benchmark: training throughput and sampling speed of the chapter's digit diffusion model.

    python benchmarks/bench_04_diffusion.py                 # whatever device utils picks
    python benchmarks/bench_04_diffusion.py --device cpu --train-steps 10 --json out.json

Reports, on the machine that runs it:
- training throughput (images/s): the chapter's class-conditional UNet2DModel (32 px, 1 channel,
  the full-mode channels (16, 32, 64)), AdamW, batch 64, mixed precision on CUDA (bf16 where supported);
- sampling speed (images/s) with classifier-free guidance (two model evaluations per step, as in
  the chapter) at 50 DDPM steps and 20 DDIM steps.
The model is randomly initialised: speed does not depend on the weights. Nothing is downloaded.
"""
from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import torch
import torch.nn.functional as F

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))
from utils import describe_device, get_device  # noqa: E402

CHAPTER = {}  # make_unet and NO_LABEL, executed from notebooks/04_diffusion.ipynb by load_chapter()


def load_chapter(channels) -> None:
    """The chapter's own `make_unet` (and `NO_LABEL`), read from the notebook with these channels."""
    from diffusers import UNet2DModel

    from notebook_code import notebook_definitions

    namespace = {"UNet2DModel": UNet2DModel, "IMAGE_SIZE": 32, "UNET_CHANNELS": tuple(channels)}
    CHAPTER.update(notebook_definitions("04_diffusion.ipynb", {"make_unet", "NO_LABEL"}, namespace))


def sync(device):
    if device.type == "cuda":
        torch.cuda.synchronize(device)
    elif device.type == "mps":
        torch.mps.synchronize()


def bench_training(model, device, amp_dtype, batch, steps, warmup):
    from diffusers import DDPMScheduler

    scheduler = DDPMScheduler(num_train_timesteps=1000)
    optimizer = torch.optim.AdamW(model.parameters(), lr=1e-4)
    use_amp = device.type == "cuda"
    scaler = torch.amp.GradScaler(device.type, enabled=use_amp and amp_dtype == torch.float16)
    x0 = torch.rand(batch, 1, 32, 32, device=device) * 2 - 1
    labels = torch.randint(0, CHAPTER["NO_LABEL"] + 1, (batch,), device=device)
    model.train()
    for i in range(warmup + steps):
        if i == warmup:
            sync(device)
            start = time.perf_counter()
        noise = torch.randn_like(x0)
        t = torch.randint(0, 1000, (batch,), device=device)
        with torch.autocast(device_type=device.type, dtype=amp_dtype, enabled=use_amp):
            pred = model(scheduler.add_noise(x0, noise, t), t, class_labels=labels).sample
        loss = F.mse_loss(pred.float(), noise)
        optimizer.zero_grad(set_to_none=True)
        scaler.scale(loss).backward()
        scaler.step(optimizer)
        scaler.update()
    sync(device)
    seconds = time.perf_counter() - start
    return steps * batch / seconds, seconds


@torch.no_grad()
def bench_sampling(model, device, amp_dtype, scheduler_cls, steps, batch, guidance=3.0):
    from diffusers import DDPMScheduler

    scheduler = scheduler_cls.from_config(DDPMScheduler(num_train_timesteps=1000).config)
    scheduler.set_timesteps(steps)
    model.eval()
    labels = torch.arange(batch, device=device) % 10
    x = torch.randn(batch, 1, 32, 32, device=device)
    sync(device)
    start = time.perf_counter()
    for t in scheduler.timesteps:
        t_batch = t.to(device).expand(2 * batch)
        with torch.autocast(device_type=device.type, dtype=amp_dtype, enabled=device.type == "cuda"):
            both = model(torch.cat([x, x]), t_batch,
                         class_labels=torch.cat([labels, torch.full_like(labels, CHAPTER["NO_LABEL"])])).sample.float()
        cond, uncond = both.chunk(2)
        x = scheduler.step(uncond + guidance * (cond - uncond), t, x).prev_sample
    sync(device)
    seconds = time.perf_counter() - start
    return batch / seconds, seconds


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--device", default=None, help="cpu, cuda, cuda:N or mps (default: utils.get_device())")
    parser.add_argument("--batch", type=int, default=64, help="training batch size (the chapter's full mode: 64)")
    parser.add_argument("--channels", default="16,32,64", help="UNet block_out_channels (the chapter's full mode: 16,32,64)")
    parser.add_argument("--train-steps", type=int, default=None, help="timed training steps (default 20 on CPU, 200 on GPU)")
    parser.add_argument("--sample-batch", type=int, default=None, help="images per sampling run (default 32 on CPU, 256 on GPU)")
    parser.add_argument("--json", default=None, help="also write the results to this JSON file")
    args = parser.parse_args(argv)

    from diffusers import DDIMScheduler, DDPMScheduler

    device = get_device(args.device)
    on_cpu = device.type == "cpu"
    amp_dtype = torch.bfloat16 if device.type == "cuda" and torch.cuda.is_bf16_supported() else torch.float16
    train_steps = args.train_steps or (20 if on_cpu else 200)
    sample_batch = args.sample_batch or (32 if on_cpu else 256)
    torch.manual_seed(0)
    channels = tuple(int(c) for c in args.channels.split(","))
    load_chapter(channels)
    model = CHAPTER["make_unet"]().to(device)
    n_params = sum(p.numel() for p in model.parameters())
    print(f"device: {describe_device(device)}, torch threads: {torch.get_num_threads()}")
    print(f"model: UNet2DModel {channels}, {n_params / 1e6:.2f} M parameters, 32x32x1, "
          f"mixed precision: {device.type == 'cuda' and str(amp_dtype)}")

    train_ips, train_s = bench_training(model, device, amp_dtype, args.batch, train_steps, warmup=3)
    print(f"training:            {train_ips:8.1f} images/s  (batch {args.batch}, {train_steps} steps in {train_s:.1f} s)")
    results = {"device": describe_device(device), "threads": torch.get_num_threads(), "params": n_params,
               "train_images_per_s": train_ips, "train_batch": args.batch, "channels": channels}
    bench_sampling(model, device, amp_dtype, DDIMScheduler, 2, min(sample_batch, 8))  # warm-up
    for name, cls, steps in [("DDPM", DDPMScheduler, 50), ("DDIM", DDIMScheduler, 20)]:
        ips, seconds = bench_sampling(model, device, amp_dtype, cls, steps, sample_batch)
        print(f"sampling {name} {steps:3d} steps: {ips:8.2f} images/s  ({sample_batch} images with guidance in {seconds:.1f} s)")
        results[f"sample_{name.lower()}_{steps}_images_per_s"] = ips
    results["sample_batch"] = sample_batch
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=2))
    return results


if __name__ == "__main__":
    main()
