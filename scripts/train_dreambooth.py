"""Chapter 7: teach a Stable Diffusion model a new subject from a few pictures (DreamBooth), optionally
with LoRA adapters instead of training the whole UNet, and optionally with prior preservation.

The same file trains the course's small model on a CPU and Stable Diffusion 1.5 on a GPU:

    python scripts/train_dreambooth.py --base data/tiny-sd-mnist --instance-dir my_sevens \\
        --instance-prompt "a sks seven" --class-prompt "a seven" --prior-preservation --lora-rank 4 --out runs/sks
    accelerate launch --mixed_precision fp16 scripts/train_dreambooth.py \\
        --base stable-diffusion-v1-5/stable-diffusion-v1-5 --instance-dir my_dog_photos \\
        --instance-prompt "a photo of sks dog" --class-prompt "a photo of a dog" --prior-preservation \\
        --lora-rank 8 --steps 400 --batch-size 1 --lr 1e-4 --out runs/my-dog          # one GPU
    ACCELERATE_USE_CPU=1 accelerate launch --multi_gpu --num_processes 2 scripts/train_dreambooth.py ...
                                                                        # 2 CPU processes (gloo), as the tests do

DreamBooth in three sentences. The model sees a few pictures of *one* subject captioned with a rare
identifier ("sks") and the subject's class ("seven", "dog"), and is trained with the ordinary diffusion
loss to reproduce them. Left alone, the whole class then drifts towards the subject (every "seven"
becomes yours). Prior preservation mixes in pictures the model itself drew for the plain class prompt
before training, with the same loss, so that it keeps its idea of the class.

Results (in --out): with --lora-rank R > 0, `pytorch_lora_weights.safetensors`, which
`StableDiffusionPipeline.load_lora_weights(out)` reads; with --lora-rank 0, the whole trained UNet in
`unet/` (diffusers format). Always `results.json`: losses, time, steps/s, peak memory, sizes.
"""
from __future__ import annotations

import argparse
import gc
import json
import random
import sys
import time
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from accelerate import Accelerator
from accelerate.utils import set_seed
from diffusers import DDPMScheduler, StableDiffusionPipeline
from PIL import Image
from tqdm.auto import tqdm

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the course folder, for its utils package
from utils import process_peak_memory_bytes  # noqa: E402

IMAGE_SUFFIXES = {".png", ".jpg", ".jpeg", ".webp", ".bmp"}
# LoRA adapters go on the attention projections, as in diffusers' own DreamBooth-LoRA script.
UNET_LORA_TARGETS = ["to_k", "to_q", "to_v", "to_out.0"]
TEXT_LORA_TARGETS = ["q_proj", "k_proj", "v_proj", "out_proj"]


def parse_args(argv: list[str] | None = None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--base", required=True, help="a StableDiffusionPipeline: Hub id or local folder")
    p.add_argument("--instance-dir", required=True, help="folder with the subject's pictures (3-10 is typical)")
    p.add_argument("--instance-prompt", required=True, help='e.g. "a photo of sks dog": identifier + class')
    p.add_argument("--class-prompt", default=None, help='e.g. "a photo of a dog" (needed for --prior-preservation)')
    p.add_argument("--prior-preservation", action="store_true", help="also train on the model's own class pictures")
    p.add_argument("--class-dir", default=None, help="where the class pictures are kept (default: OUT/class_images)")
    p.add_argument("--num-class-images", type=int, default=100, help="class pictures to draw before training")
    p.add_argument("--prior-loss-weight", type=float, default=1.0)
    p.add_argument("--lora-rank", type=int, default=4, help="LoRA rank; 0 trains every UNet weight")
    p.add_argument("--train-text-encoder", action="store_true",
                   help="also train the text encoder (LoRA on it with --lora-rank > 0), at half the learning rate")
    p.add_argument("--resolution", type=int, default=None, help="pixels per side (default: the VAE's sample size)")
    p.add_argument("--steps", type=int, default=200, help="optimizer steps")
    p.add_argument("--batch-size", type=int, default=4, help="subject pictures per step and process")
    p.add_argument("--lr", type=float, default=None, help="default 1e-4 with LoRA, 5e-6 for the whole UNet")
    p.add_argument("--sample-steps", type=int, default=25, help="denoising steps when drawing class pictures")
    p.add_argument("--class-guidance", type=float, default=7.5, help="guidance scale when drawing class pictures")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--out", required=True, help="output folder")
    return p.parse_args(argv)


def fail(message: str):
    """Stop with a readable message (every process checks the same things, so all of them stop)."""
    sys.exit(f"train_dreambooth.py: error: {message}")


def image_files(folder: Path) -> list[Path]:
    return sorted(f for f in folder.iterdir() if f.suffix.lower() in IMAGE_SUFFIXES) if folder.is_dir() else []


def load_images(files: list[Path], resolution: int, channels: int) -> torch.Tensor:
    """Pictures -> [N, channels, resolution, resolution] in [-1, 1]: centre-cropped square, resized."""
    out = []
    for f in files:
        image = Image.open(f).convert("L" if channels == 1 else "RGB")
        side = min(image.size)
        left, top = (image.width - side) // 2, (image.height - side) // 2
        image = image.crop((left, top, left + side, top + side)).resize((resolution, resolution), Image.BICUBIC)
        array = np.asarray(image, dtype=np.float32) / 127.5 - 1.0
        out.append(torch.from_numpy(array.reshape(resolution, resolution, channels)).permute(2, 0, 1))
    return torch.stack(out)


def draw_class_images(pipe, prompt: str, n: int, folder: Path, accelerator: Accelerator, args) -> None:
    """Let the untrained model draw `n` pictures for the class prompt (the 'prior'), once, into `folder`."""
    have = len(image_files(folder))
    if have >= n:
        return
    if accelerator.is_main_process:
        folder.mkdir(parents=True, exist_ok=True)
        pipe.set_progress_bar_config(disable=True)
        generator = torch.Generator(accelerator.device).manual_seed(args.seed + 1)
        for start in tqdm(range(have, n, 16), desc="class pictures"):
            count = min(16, n - start)
            images = pipe([prompt] * count, num_inference_steps=args.sample_steps, generator=generator,
                          guidance_scale=args.class_guidance, height=args.resolution, width=args.resolution).images
            for i, image in enumerate(images):
                image.save(folder / f"class_{start + i:04d}.png")
    accelerator.wait_for_everyone()


def main(argv: list[str] | None = None) -> dict:
    """Train as the command line (or `argv`) says; returns the results."""
    args = parse_args(argv)
    if args.steps < 1 or args.batch_size < 1 or args.lora_rank < 0 or args.num_class_images < 1:
        fail("--steps, --batch-size and --num-class-images must be at least 1, and --lora-rank at least 0")
    if args.prior_preservation and not args.class_prompt:
        fail("--prior-preservation needs --class-prompt, the plain class (e.g. 'a photo of a dog')")
    instance_files = image_files(Path(args.instance_dir))
    if not instance_files:
        fail(f"no pictures ({', '.join(sorted(IMAGE_SUFFIXES))}) in --instance-dir {args.instance_dir!r}: "
             "put 3-10 pictures of your subject there")
    accelerator = Accelerator()
    world, rank, device = accelerator.num_processes, accelerator.process_index, accelerator.device
    set_seed(args.seed)  # the same seed in every process: the same LoRA initialisation everywhere

    # The five parts of the pipeline. Only the UNet (or its LoRA adapters) is trained.
    # Frozen parts in half precision if accelerate was asked for mixed precision; trained weights in float32.
    weight_dtype = {"fp16": torch.float16, "bf16": torch.bfloat16}.get(accelerator.mixed_precision, torch.float32)
    pipe = StableDiffusionPipeline.from_pretrained(args.base, dtype=weight_dtype, safety_checker=None,
                                                   requires_safety_checker=False).to(device)
    vae, text_encoder, tokenizer, unet = pipe.vae, pipe.text_encoder, pipe.tokenizer, pipe.unet
    args.resolution = args.resolution or vae.config.sample_size
    factor = 2 ** (len(vae.config.block_out_channels) - 1)
    if args.resolution % factor:
        fail(f"--resolution {args.resolution} must be a multiple of {factor} (the VAE's downscaling factor)")
    class_dir = Path(args.class_dir) if args.class_dir else Path(args.out) / "class_images"
    if args.prior_preservation:
        draw_class_images(pipe, args.class_prompt, args.num_class_images, class_dir, accelerator, args)

    # Encode the pictures and the prompts once: the VAE and the text encoder stay frozen. One picture per VAE
    # call (slicing): in one call, the activations of every class picture (a hundred, at 512 px) would be held at once.
    channels = vae.config.in_channels
    vae.enable_slicing()
    with torch.no_grad():
        instance_latents = vae.encode(load_images(instance_files, args.resolution, channels)
                                      .to(device, weight_dtype)).latent_dist
        class_latents = (vae.encode(load_images(image_files(class_dir)[: args.num_class_images], args.resolution,
                                                channels).to(device, weight_dtype)).latent_dist
                         if args.prior_preservation else None)
        prompts = [args.instance_prompt] + ([args.class_prompt] if args.prior_preservation else [])
        max_length = min(tokenizer.model_max_length, text_encoder.config.max_position_embeddings)
        ids = tokenizer(prompts, padding="max_length", max_length=max_length, truncation=True,
                        return_tensors="pt").input_ids.to(device)
        prompt_embeds = text_encoder(ids)[0]
    noise_scheduler = DDPMScheduler.from_config(pipe.scheduler.config)
    scaling = vae.config.scaling_factor
    del pipe
    vae = None    # the pictures are encoded: the VAE's weights can go (84 M parameters in SD 1.5)
    gc.collect()
    text_encoder.requires_grad_(False)

    # What trains: LoRA adapters or every weight; the UNet always, the text encoder only with --train-text-encoder.
    trained = [(unet, UNET_LORA_TARGETS)]
    if args.train_text_encoder:
        trained.append((text_encoder, TEXT_LORA_TARGETS))
    for model, targets in trained:
        if args.lora_rank > 0:
            from peft import LoraConfig

            model.requires_grad_(False)  # the base stays frozen; only the adapters added next will train
            model.add_adapter(LoraConfig(r=args.lora_rank, lora_alpha=args.lora_rank, init_lora_weights="gaussian",
                                         target_modules=targets))
        else:
            model.requires_grad_(True)
        for p in model.parameters():
            if p.requires_grad:
                p.data = p.data.float()  # trained weights stay float32 even when the frozen base is half precision
    lr = args.lr if args.lr is not None else (1e-4 if args.lora_rank > 0 else 5e-6)
    groups = [{"params": [p for p in model.parameters() if p.requires_grad], "lr": lr * (1 if model is unet else 0.5)}
              for model, _ in trained]
    optimizer = torch.optim.AdamW(groups, lr=lr, weight_decay=1e-2)
    if args.train_text_encoder:  # prepare(): DDP wrappers with several processes
        unet, text_encoder, optimizer = accelerator.prepare(unet, text_encoder, optimizer)
        text_encoder.train()
    else:
        unet, optimizer = accelerator.prepare(unet, optimizer)
    unet.train()
    params = [p for group in groups for p in group["params"]]
    set_seed(args.seed, device_specific=True)  # from here on each process draws its own examples and noise
    trainable = sum(p.numel() for p in params)
    accelerator.print(f"{world} process(es) on {device.type}; training {trainable:,} of "
                      f"{sum(p.numel() for m, _ in trained for p in accelerator.unwrap_model(m).parameters()):,} "
                      f"weights ({'LoRA rank ' + str(args.lora_rank) if args.lora_rank else 'every weight'} of the "
                      f"UNet{' and the text encoder' if args.train_text_encoder else ''}); "
                      f"{len(instance_files)} subject pictures{', with prior preservation' if args.prior_preservation else ''}")

    rng = random.Random(args.seed + rank)
    unet_dtype = next(accelerator.unwrap_model(unet).parameters()).dtype
    losses, start = [], time.perf_counter()
    progress = tqdm(range(args.steps), desc="DreamBooth", disable=not accelerator.is_main_process)
    for step in progress:
        rows = [rng.randrange(len(instance_files)) for _ in range(args.batch_size)]
        latents = instance_latents.sample()[rows].float() * scaling
        if args.train_text_encoder:  # the prompts' encodings change as the text encoder learns
            prompt_embeds = text_encoder(ids)[0]
        embeds = prompt_embeds[[0] * args.batch_size]
        if args.prior_preservation:  # the same number of class pictures, with the class prompt
            class_rows = [rng.randrange(len(class_latents.mean)) for _ in range(args.batch_size)]
            latents = torch.cat([latents, class_latents.sample()[class_rows].float() * scaling])
            embeds = torch.cat([embeds, prompt_embeds[[1] * args.batch_size]])
        noise = torch.randn_like(latents)
        t = torch.randint(0, noise_scheduler.config.num_train_timesteps, (len(latents),), device=device)
        noisy = noise_scheduler.add_noise(latents, noise, t)
        pred = unet(noisy, t, encoder_hidden_states=embeds.to(unet_dtype)).sample
        per_example = F.mse_loss(pred.float(), noise.float(), reduction="none").mean(dim=(1, 2, 3))
        instance_loss = per_example[: args.batch_size].mean()
        prior_loss = per_example[args.batch_size:].mean() if args.prior_preservation else torch.zeros((), device=device)
        loss = instance_loss + args.prior_loss_weight * prior_loss
        accelerator.backward(loss)  # with several processes, DDP averages the gradients here
        optimizer.step()
        optimizer.zero_grad(set_to_none=True)
        logged = accelerator.reduce(torch.stack([instance_loss.detach(), prior_loss.detach()]), reduction="mean")
        losses.append([float(v) for v in logged])
        progress.set_postfix(loss=f"{losses[-1][0]:.4f}")
        if step == 0:
            first_step_end = time.perf_counter()  # step 1 carries one-off warm-up costs
    accelerator.wait_for_everyone()
    end = time.perf_counter()
    seconds = end - start

    out = Path(args.out)
    unet, text_encoder = accelerator.unwrap_model(unet), accelerator.unwrap_model(text_encoder)
    saved = [out / "pytorch_lora_weights.safetensors"] if args.lora_rank > 0 else (
        [out / "unet" / "diffusion_pytorch_model.safetensors"]
        + ([out / "text_encoder" / "model.safetensors"] if args.train_text_encoder else []))
    if accelerator.is_main_process:
        out.mkdir(parents=True, exist_ok=True)
        if args.lora_rank > 0:
            from diffusers.utils import convert_state_dict_to_diffusers
            from peft.utils import get_peft_model_state_dict

            lora = lambda m: convert_state_dict_to_diffusers(get_peft_model_state_dict(m))
            StableDiffusionPipeline.save_lora_weights(
                out, unet_lora_layers=lora(unet),
                text_encoder_lora_layers=lora(text_encoder) if args.train_text_encoder else None)
        else:
            unet.save_pretrained(out / "unet")
            if args.train_text_encoder:
                text_encoder.save_pretrained(out / "text_encoder")
    accelerator.wait_for_everyone()
    peaks = accelerator.gather(torch.tensor([process_peak_memory_bytes(device)], device=device)).tolist()
    results = {
        "num_processes": world, "steps": args.steps, "batch_per_process": args.batch_size,
        "prior_preservation": args.prior_preservation, "lora_rank": args.lora_rank, "lr": lr,
        "train_text_encoder": args.train_text_encoder, "class_guidance": args.class_guidance,
        "trainable_params": trainable, "seconds": seconds, "steps_per_s": args.steps / seconds,
        "steps_per_s_after_step1": (args.steps - 1) / (end - first_step_end) if args.steps > 1 else None,
        "losses": losses, "peak_memory_bytes": peaks, "file_bytes": sum(f.stat().st_size for f in saved),
        "resolution": args.resolution, "base": args.base, "device": device.type,
    }
    if accelerator.is_main_process:
        (out / "results.json").write_text(json.dumps(results, indent=2))
        print(f"done: {args.steps / seconds:.2f} steps/s, final loss {np.mean([l[0] for l in losses[-10:]]):.4f}; "
              f"saved {results['file_bytes'] / 2**20:.2f} MiB to {out}")
    accelerator.end_training()
    return results


if __name__ == "__main__":
    main()
