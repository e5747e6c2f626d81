"""Chapter 5 benchmark: seconds per Stable Diffusion 1.5 image, default setup versus faster ones.

    python benchmarks/bench_05_sd.py                           # GPU: 512 px; CPU: 256 px (about 7 min on 2 cores)
    python benchmarks/bench_05_sd.py --device cpu --size 128 --steps 5 --dpm-steps 4,2 --euler-steps 5
    python benchmarks/bench_05_sd.py --setups default,channels_last,bf16 --compile --json out.json
    python benchmarks/bench_05_sd.py --small data/tiny-sd-mnist --skip-sd   # only the course's small model

Part 1 builds a StableDiffusionPipeline with the real Stable Diffusion 1.5 architecture and random
weights (the time does not depend on the weights; nothing is downloaded). The configs below are those of
stable-diffusion-v1-5/stable-diffusion-v1-5 on the Hub (unet/, vae/, text_encoder/, scheduler/ config.json),
restricted to the keys that differ from the class defaults, and match diffusers' own conversion of the
original v1-inference.yaml (diffusers/loaders/single_file_utils.py). It then times one image (batch 1,
classifier-free guidance, so the UNet sees a batch of 2) after a warm-up run, for each setup:
  default        float32, diffusers' default attention (already SDPA: AttnProcessor2_0), PNDM, --steps steps
  classic-attn   AttnProcessor(): attention as explicit matmul + softmax, a *slower* reference without SDPA
  tf32           TensorFloat-32 matmuls (CUDA only)
  channels_last  unet.to(memory_format=torch.channels_last)
  fp16 / bf16    the whole pipeline in half precision (fp16: GPU only; bf16: CUDA when supported, and on
                 CPU only when named in --setups)
  dpm / euler    DPMSolverMultistepScheduler at --dpm-steps, EulerDiscreteScheduler at --euler-steps:
                 fewer steps are faster but change the image, so judge their quality in the notebook
  compile        fastest dtype + channels_last + torch.compile(unet) (--compile, on by default on CUDA only);
                 its compile time (the first call) is reported apart from the steady-state time
Each row gives the denoising time (output_type="latent"), the VAE decode time, their sum and that sum as a
ratio to the default (below 1.00 is faster). The text encoder (run once per prompt) is timed separately.

Part 2 measures the sampling speed (images/s) of the course's own small Stable Diffusion trained on MNIST
(data/tiny-sd-mnist, or --small PATH), with its saved scheduler and with DPM-Solver, when it exists.
"""
from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import diffusers
import torch
import transformers

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
from utils import describe_device, get_device  # noqa: E402

SD15 = "stable-diffusion-v1-5/stable-diffusion-v1-5"
UNET = dict(sample_size=64, in_channels=4, out_channels=4, block_out_channels=(320, 640, 1280, 1280),
            layers_per_block=2, cross_attention_dim=768, attention_head_dim=8, norm_num_groups=32,
            down_block_types=("CrossAttnDownBlock2D",) * 3 + ("DownBlock2D",),
            up_block_types=("UpBlock2D",) + ("CrossAttnUpBlock2D",) * 3)
VAE = dict(in_channels=3, out_channels=3, latent_channels=4, block_out_channels=(128, 256, 512, 512),
           layers_per_block=2, norm_num_groups=32, sample_size=512, scaling_factor=0.18215,
           down_block_types=("DownEncoderBlock2D",) * 4, up_block_types=("UpDecoderBlock2D",) * 4)
TEXT_ENCODER = dict(vocab_size=49408, hidden_size=768, intermediate_size=3072, num_hidden_layers=12,
                    num_attention_heads=12, max_position_embeddings=77, hidden_act="quick_gelu",
                    layer_norm_eps=1e-5, projection_dim=768, bos_token_id=0, eos_token_id=2, pad_token_id=1)
SCHEDULER = dict(num_train_timesteps=1000, beta_start=0.00085, beta_end=0.012, beta_schedule="scaled_linear",
                 skip_prk_steps=True, set_alpha_to_one=False, steps_offset=1)
PROMPT = "a photograph of an astronaut riding a horse"
SMALL_GUIDANCE = 4.0  # chapter 5's recommended guidance scale for its small model
# What each setup changes; every setup starts again from the default (float32, SDPA, contiguous, PNDM).
SETUPS = {"default": {}, "classic-attn": {"attn": "classic"}, "tf32": {"tf32": True},
          "channels_last": {"channels_last": True}, "fp16": {"dtype": torch.float16},
          "bf16": {"dtype": torch.bfloat16}, "dpm": {"scheduler": "dpm"}, "euler": {"scheduler": "euler"},
          "compile": {"compile": True, "channels_last": True}}


def sync(device) -> None:
    """Wait for the device's queued work, so that wall-clock times are complete."""
    if device.type == "cuda":
        torch.cuda.synchronize(device)
    elif device.type == "mps":
        torch.mps.synchronize()


def load_tokenizer():
    """The real CLIP tokenizer of SD 1.5 from a local Hugging Face cache (yours, then the tests' stand-in
    cache built by `python -m tests.harness.build`), or None when neither has it."""
    from transformers import CLIPTokenizer

    for cache_dir in (None, REPO / ".cache" / "hf-standins" / "hub"):
        try:
            return CLIPTokenizer.from_pretrained(SD15, subfolder="tokenizer", cache_dir=cache_dir, local_files_only=True)
        except Exception:  # noqa: BLE001 - not cached there: try the next place
            continue
    return None


def build_sd15(tokenizer):
    """A StableDiffusionPipeline with the SD 1.5 architecture and random weights, on the CPU."""
    from diffusers import AutoencoderKL, PNDMScheduler, StableDiffusionPipeline, UNet2DConditionModel
    from transformers import CLIPTextConfig, CLIPTextModel

    torch.manual_seed(0)
    pipe = StableDiffusionPipeline(
        vae=AutoencoderKL(**VAE), text_encoder=CLIPTextModel(CLIPTextConfig(**TEXT_ENCODER)), tokenizer=tokenizer,
        unet=UNet2DConditionModel(**UNET), scheduler=PNDMScheduler(**SCHEDULER), safety_checker=None,
        feature_extractor=None, requires_safety_checker=False)
    pipe.set_progress_bar_config(disable=True)
    return pipe


@torch.inference_mode()
def encode_prompts(pipe, device) -> tuple[torch.Tensor, torch.Tensor, float]:
    """(prompt, empty negative prompt) embeddings of shape (1, 77, 768), and the text encoder's time for both.
    Without a tokenizer, CLIP-like token ids stand in: the encoder's time does not depend on them."""
    if pipe.tokenizer is not None:
        ids = pipe.tokenizer([PROMPT, ""], padding="max_length", max_length=77, truncation=True,
                             return_tensors="pt").input_ids
    else:
        ids = torch.full((2, 77), 49407)  # <|endoftext|>, also the padding token of SD's tokenizer
        ids[:, 0] = 49406  # <|startoftext|>
        ids[0, 1:9] = torch.randint(0, 49406, (8,))
    ids = ids.to(device)
    pipe.text_encoder(ids)  # warm-up
    sync(device)
    start = time.perf_counter()
    embeds = pipe.text_encoder(ids)[0]
    sync(device)
    return embeds[:1], embeds[1:], time.perf_counter() - start


def configure(pipe, unet, spec: dict, device, compile_mode: str | None):
    """Put the pipeline in the state of a setup (see SETUPS), starting again from the default; returns its dtype."""
    from diffusers import DPMSolverMultistepScheduler, EulerDiscreteScheduler, PNDMScheduler
    from diffusers.models.attention_processor import AttnProcessor, AttnProcessor2_0

    dtype = spec.get("dtype", torch.float32)
    if spec.get("compile") and device.type == "cuda":  # compile the fastest half-precision setup
        dtype = torch.bfloat16 if torch.cuda.is_bf16_supported() else torch.float16
    if dtype == torch.float16 and device.type == "cpu":
        raise RuntimeError("fp16 is a GPU format: CPU kernels for it are slow or missing (try bf16)")
    if dtype == torch.bfloat16 and device.type == "cuda" and not torch.cuda.is_bf16_supported():
        raise RuntimeError("this GPU does not support bf16")
    if spec.get("tf32") and device.type != "cuda":
        raise RuntimeError("TF32 is a CUDA (Ampere or newer) feature")
    pipe.unet = unet  # drop a compiled wrapper from an earlier setup
    pipe.to(device, dtype)
    unet.to(memory_format=torch.channels_last if spec.get("channels_last") else torch.contiguous_format)
    processor = AttnProcessor if spec.get("attn") == "classic" else AttnProcessor2_0
    unet.set_attn_processor(processor())
    pipe.vae.set_attn_processor(processor())
    scheduler_cls = {"dpm": DPMSolverMultistepScheduler, "euler": EulerDiscreteScheduler}.get(spec.get("scheduler"),
                                                                                               PNDMScheduler)
    pipe.scheduler = scheduler_cls.from_config(PNDMScheduler(**SCHEDULER).config)
    if device.type == "cuda":  # TF32 matmuls (convolutions already use TF32 by default on CUDA)
        torch.set_float32_matmul_precision("high" if spec.get("tf32") else "highest")
    if spec.get("compile"):
        pipe.unet = torch.compile(unet, mode=compile_mode)
    return dtype


@torch.inference_mode()
def time_image(pipe, embeds, device, steps: int, size: int) -> tuple[float, torch.Tensor]:
    """Seconds for one image's denoising loop (latents out), and the latents."""
    generator = torch.Generator("cpu").manual_seed(0)
    sync(device)
    start = time.perf_counter()
    latents = pipe(prompt_embeds=embeds[0], negative_prompt_embeds=embeds[1], num_inference_steps=steps,
                   height=size, width=size, guidance_scale=7.5, generator=generator, output_type="latent").images
    sync(device)
    return time.perf_counter() - start, latents


@torch.inference_mode()
def time_decode(pipe, latents, device) -> float:
    """Seconds for the VAE to decode the latents into pixels (after one warm-up decode)."""
    latents = latents / pipe.vae.config.scaling_factor
    pipe.vae.decode(latents)
    sync(device)
    start = time.perf_counter()
    pipe.vae.decode(latents)
    sync(device)
    return time.perf_counter() - start


def run_setup(pipe, unet, name, steps, embeds, decode_cache, args, device) -> dict:
    """Configure one setup, warm it up, then time its denoising (best of --repeats) and its VAE decode."""
    spec = SETUPS[name]
    dtype = configure(pipe, unet, spec, device, args.compile_mode)
    first_s, _ = time_image(pipe, embeds, device, args.warmup_steps, args.size)  # warm-up (and compilation)
    sample_s, latents = min((time_image(pipe, embeds, device, steps, args.size) for _ in range(args.repeats)),
                            key=lambda timed: timed[0])
    key = (dtype, spec.get("attn"), spec.get("tf32"))  # all the VAE's speed depends on: decode once per key
    if key not in decode_cache:
        decode_cache[key] = time_decode(pipe, latents, device)
    row = {"dtype": str(dtype).removeprefix("torch."), "unet_calls": len(pipe.scheduler.timesteps),
           "sample_s": sample_s, "decode_s": decode_cache[key], "total_s": sample_s + decode_cache[key]}
    if spec.get("compile"):
        row["compile_s"] = first_s
    return row


def bench_sd15(args, device) -> dict:
    """Part 1: the SD 1.5 architecture, one image per setup, each as a ratio to the default."""
    start = time.perf_counter()
    pipe = build_sd15(load_tokenizer())
    unet = pipe.unet
    counts = {k: sum(p.numel() for p in getattr(pipe, k).parameters()) / 1e6 for k in ("unet", "vae", "text_encoder")}
    print(f"\nSD 1.5 architecture, random weights, built in {time.perf_counter() - start:.0f} s: "
          + ", ".join(f"{k} {v:.1f} M" for k, v in counts.items()) + " parameters; tokenizer: "
          + ("CLIP (local cache)" if pipe.tokenizer is not None else "none cached, CLIP-like token ids instead"))
    pipe.to(device)
    *embeds, text_s = encode_prompts(pipe, device)
    print(f"text encoder: {text_s * 1000:.0f} ms for the prompt and the empty negative prompt (once per prompt)")

    rows, decode_cache = [], {}
    for name in args.setups:
        for steps in {"dpm": args.dpm_steps, "euler": [args.euler_steps]}.get(name, [args.steps]):
            label = f"{name} {steps} steps" if name in ("dpm", "euler") else name
            row = {"setup": label, "steps": steps}
            try:
                row.update(run_setup(pipe, unet, name, steps, embeds, decode_cache, args, device))
                print(f"  {label}: {row['total_s']:.2f} s/image", flush=True)
            except Exception as error:  # noqa: BLE001 - report the failing setup and carry on with the others
                row["error"] = f"{type(error).__name__}: " + (str(error).strip().splitlines() or [""])[0]
                print(f"  {label}: failed: {row['error']}", flush=True)
                if device.type == "cuda":
                    torch.cuda.empty_cache()
            rows.append(row)
    pipe.unet = unet
    default_total = rows[0].get("total_s")  # rows[0] is the default setup
    for row in rows:
        if default_total and "total_s" in row:
            row["ratio"] = row["total_s"] / default_total
    print_table(rows, args, device)
    del pipe, unet
    return {"size": args.size, "text_encoder_s": text_s, "parameters_m": counts, "setups": rows}


def print_table(rows: list[dict], args, device) -> None:
    """The per-setup table of part 1."""
    print(f"\nSD 1.5, one {args.size}x{args.size} image with guidance (UNet batch 2), best of {args.repeats}, "
          f"on {device.type}:")
    print(f"{'setup':22s} {'dtype':>8s} {'UNet calls':>10s} {'denoise s':>10s} {'decode s':>9s} "
          f"{'total s':>8s} {'vs default':>10s}")
    for row in rows:
        if "error" in row:
            print(f"{row['setup']:22s} not run: {row['error']}")
            continue
        print(f"{row['setup']:22s} {row['dtype']:>8s} {row['unet_calls']:10d} {row['sample_s']:10.2f} "
              f"{row['decode_s']:9.2f} {row['total_s']:8.2f} "
              + (f"{row['ratio']:9.2f}x" if "ratio" in row else f"{'n/a':>10s}")
              + (f"   (compile + first call: {row['compile_s']:.0f} s)" if "compile_s" in row else ""))
    print("vs default: time ratio, below 1.00x is faster. classic-attn is the slower reference without SDPA;"
          "\ndpm/euler rows change the image itself: judge their quality in the notebook.")


@torch.inference_mode()
def bench_small(path: Path, device, batch: int, steps: int) -> list[dict]:
    """Part 2: images/s of the course's small Stable Diffusion, with its own scheduler and with DPM-Solver."""
    from diffusers import DPMSolverMultistepScheduler, StableDiffusionPipeline

    pipe = StableDiffusionPipeline.from_pretrained(path).to(device)
    pipe.set_progress_bar_config(disable=True)
    size = pipe.unet.config.sample_size * pipe.vae_scale_factor
    n_params = sum(p.numel() for p in pipe.unet.parameters()) / 1e6
    print(f"\nsmall model {path} (UNet {n_params:.2f} M parameters, {size} px): "
          f"{batch} images of 'a handwritten seven', guidance {SMALL_GUIDANCE}, {steps} steps")
    results = []
    for scheduler in (pipe.scheduler, DPMSolverMultistepScheduler.from_config(pipe.scheduler.config)):
        pipe.scheduler = scheduler
        name = type(scheduler).__name__
        try:
            pipe(["a handwritten seven"] * 2, num_inference_steps=2, guidance_scale=SMALL_GUIDANCE, output_type="np")  # warm-up
            sync(device)
            start = time.perf_counter()
            pipe(["a handwritten seven"] * batch, num_inference_steps=steps, guidance_scale=SMALL_GUIDANCE, output_type="np",
                 generator=torch.Generator("cpu").manual_seed(0))
            sync(device)
            seconds = time.perf_counter() - start
            results.append({"scheduler": name, "steps": steps, "batch": batch, "seconds": seconds,
                            "images_per_s": batch / seconds})
            print(f"  {name:28s} {batch / seconds:8.1f} images/s  ({batch} images in {seconds:.1f} s, decoded)")
        except Exception as error:  # noqa: BLE001
            print(f"  {name}: failed: {type(error).__name__}: {error}")
            results.append({"scheduler": name, "error": f"{type(error).__name__}: {error}"})
    return results


def main(argv=None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--device", default=None, help="cpu, cuda, cuda:N or mps (default: utils.get_device())")
    parser.add_argument("--size", type=int, default=None, help="image side in px (default 512 on a GPU, 256 on CPU)")
    parser.add_argument("--steps", type=int, default=25, help="inference steps (all setups but dpm/euler; small model)")
    parser.add_argument("--dpm-steps", default="20,10", help="steps of the DPM-Solver rows, comma-separated")
    parser.add_argument("--euler-steps", type=int, default=25, help="steps of the Euler row")
    parser.add_argument("--setups", default=None,
                        help=f"comma-separated, from {','.join(SETUPS)} (default: all that suit the device; "
                             "default is always run first)")
    parser.add_argument("--compile", action=argparse.BooleanOptionalAction, default=None,
                        help="add the torch.compile setup (default: on CUDA only; on CPU it compiles for minutes)")
    parser.add_argument("--compile-mode", default=None, help="torch.compile mode, e.g. max-autotune (default: default)")
    parser.add_argument("--repeats", type=int, default=1, help="timed runs per setup; the best is kept")
    parser.add_argument("--warmup-steps", type=int, default=2, help="steps of the untimed warm-up run of each setup")
    parser.add_argument("--skip-sd", action="store_true", help="skip part 1 (the SD 1.5 architecture)")
    parser.add_argument("--small", type=Path, default=REPO / "data" / "tiny-sd-mnist",
                        help="the course's small Stable Diffusion (from_pretrained folder)")
    parser.add_argument("--small-batch", type=int, default=100, help="images per small-model run")
    parser.add_argument("--json", type=Path, default=None, help="also write the results to this JSON file")
    args = parser.parse_args(argv)

    begin = time.perf_counter()
    diffusers.utils.logging.set_verbosity_error()  # keep the table readable: no per-conversion dtype notices
    diffusers.utils.logging.disable_progress_bar()
    transformers.utils.logging.set_verbosity_error()
    transformers.utils.logging.disable_progress_bar()
    device = get_device(args.device)
    on_gpu = device.type != "cpu"
    args.size = args.size or (512 if on_gpu else 256)
    args.dpm_steps = [int(s) for s in args.dpm_steps.split(",") if s]
    if args.setups is None:
        suits = {"tf32": device.type == "cuda", "fp16": on_gpu, "compile": False,
                 "bf16": device.type == "cuda" and torch.cuda.is_bf16_supported()}
        args.setups = [name for name in SETUPS if suits.get(name, True)]
    else:
        args.setups = [name.strip() for name in args.setups.split(",") if name.strip()]
        unknown = set(args.setups) - set(SETUPS)
        if unknown:
            parser.error(f"unknown setups {sorted(unknown)}; choose from {list(SETUPS)}")
    if args.compile if args.compile is not None else device.type == "cuda":
        args.setups.append("compile")
    args.setups = ["default"] + [name for name in dict.fromkeys(args.setups) if name != "default"]
    info = {"device": describe_device(device), "torch": torch.__version__, "threads": torch.get_num_threads()}
    print("; ".join(f"{k}: {v}" for k, v in info.items()))

    results = {"info": info}
    if not args.skip_sd:
        results["sd15"] = bench_sd15(args, device)
    if (args.small / "model_index.json").exists():
        results["small"] = bench_small(args.small, device, args.small_batch, args.steps)
    else:
        print(f"\nsmall model: skipped, {args.small} holds no saved pipeline (save the course's small model there, "
              "or pass --small PATH)")
    results["wall_s"] = time.perf_counter() - begin
    print(f"\nbenchmark wall time: {results['wall_s']:.0f} s")
    if args.json:
        args.json.write_text(json.dumps(results, indent=2, default=str))
        print(f"wrote {args.json}")
    return results


if __name__ == "__main__":
    main()
