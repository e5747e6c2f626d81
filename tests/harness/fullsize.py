"""Full-size stand-ins: random models with the real architecture and parameter count, for rehearsals.

    make standins-full                                # build (or reuse) .cache/hf-fullsize
    python -m tests.harness.fullsize [HF_HOME] [--only org/name,...]

The test suite's stand-ins are tiny, so they say nothing about the memory and time a learner meets. Random
weights of the real architecture cost exactly what the real ones cost, so this second cache answers that:
`benchmarks/rehearse.py` runs chapters against it. It holds every stand-in of the test cache (the real models
and data sets stay real), and for each repo below the same files with the model folders rebuilt at real size,
in float32 and, where the real repo ships one, in its fp16 variant. The tests never build or read it.

The real configs cannot be read offline, so each size below is written out from the model's published
configuration, and `tests/test_fullsize_standins.py` checks each model's parameter count (on the meta
device, without allocating) against the published figure.
"""
from __future__ import annotations

import hashlib
import json
import shutil
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import torch

from .build import REPO, build_all

DEFAULT_FULLSIZE_HOME = REPO / ".cache" / "hf-fullsize"

# --- Stable Diffusion 1.x: the components' real configurations --------------------------------------------

SD15_UNET = dict(
    sample_size=64, in_channels=4, out_channels=4, layers_per_block=2, block_out_channels=(320, 640, 1280, 1280),
    down_block_types=("CrossAttnDownBlock2D",) * 3 + ("DownBlock2D",),
    up_block_types=("UpBlock2D",) + ("CrossAttnUpBlock2D",) * 3,
    cross_attention_dim=768, attention_head_dim=8, norm_num_groups=32, norm_eps=1e-5, act_fn="silu",
    downsample_padding=1, flip_sin_to_cos=True, freq_shift=0, mid_block_scale_factor=1, center_input_sample=False,
)
SD15_VAE = dict(
    in_channels=3, out_channels=3, latent_channels=4, sample_size=512, layers_per_block=2,
    block_out_channels=(128, 256, 512, 512), norm_num_groups=32, act_fn="silu",
    down_block_types=("DownEncoderBlock2D",) * 4, up_block_types=("UpDecoderBlock2D",) * 4, scaling_factor=0.18215,
)
CLIP_L14_TEXT = dict(vocab_size=49408, hidden_size=768, intermediate_size=3072, num_hidden_layers=12,
                     num_attention_heads=12, max_position_embeddings=77, hidden_act="quick_gelu", projection_dim=768,
                     bos_token_id=0, eos_token_id=2, pad_token_id=1)
CLIP_L14_VISION = dict(hidden_size=1024, intermediate_size=4096, num_hidden_layers=24, num_attention_heads=16,
                       image_size=224, patch_size=14, hidden_act="quick_gelu", projection_dim=768)
CLIP_B32_TEXT = dict(vocab_size=49408, hidden_size=512, intermediate_size=2048, num_hidden_layers=12,
                     num_attention_heads=8, max_position_embeddings=77, hidden_act="quick_gelu",
                     bos_token_id=49406, eos_token_id=49407, pad_token_id=1)
CLIP_B32_VISION = dict(hidden_size=768, intermediate_size=3072, num_hidden_layers=12, num_attention_heads=12,
                       image_size=224, patch_size=32, hidden_act="quick_gelu")


def sd_unet(in_channels: int = 4):
    from diffusers import UNet2DConditionModel

    return UNet2DConditionModel(**{**SD15_UNET, "in_channels": in_channels})


def sd_vae():
    from diffusers import AutoencoderKL

    return AutoencoderKL(**SD15_VAE)


def sd_text_encoder():
    from transformers import CLIPTextConfig, CLIPTextModel

    return CLIPTextModel(CLIPTextConfig(**CLIP_L14_TEXT))


def sd_safety_checker():
    """SD 1.x's safety checker at real size (a CLIP ViT-L/14 image tower and its projection); its thresholds
    never fire, as in the tiny stand-in (random weights would black out pictures at random)."""
    from diffusers.pipelines.stable_diffusion.safety_checker import StableDiffusionSafetyChecker
    from transformers import CLIPConfig

    vision = {k: v for k, v in CLIP_L14_VISION.items() if k != "projection_dim"}
    text = {k: v for k, v in CLIP_L14_TEXT.items() if k != "projection_dim"}
    checker = StableDiffusionSafetyChecker(CLIPConfig(text_config=text, vision_config=vision, projection_dim=768))
    if checker.concept_embeds_weights.device.type != "meta":
        with torch.no_grad():
            checker.concept_embeds_weights.fill_(10.0)
            checker.special_care_embeds_weights.fill_(10.0)
    return checker


def controlnet_sd15():
    from diffusers import ControlNetModel

    keep = ("in_channels", "layers_per_block", "block_out_channels", "down_block_types", "cross_attention_dim",
            "attention_head_dim", "norm_num_groups", "norm_eps", "act_fn", "downsample_padding", "flip_sin_to_cos",
            "freq_shift")
    return ControlNetModel(**{k: SD15_UNET[k] for k in keep}, conditioning_embedding_out_channels=(16, 32, 96, 256))


def ddpm_celebahq_unet():
    from diffusers import UNet2DModel

    return UNet2DModel(
        sample_size=256, in_channels=3, out_channels=3, layers_per_block=2,
        block_out_channels=(128, 128, 256, 256, 512, 512),
        down_block_types=("DownBlock2D",) * 4 + ("AttnDownBlock2D", "DownBlock2D"),
        up_block_types=("UpBlock2D", "AttnUpBlock2D") + ("UpBlock2D",) * 4,
        norm_num_groups=32, norm_eps=1e-6, downsample_padding=0, flip_sin_to_cos=False, freq_shift=1,
        mid_block_scale_factor=1, act_fn="silu", center_input_sample=False, time_embedding_type="positional",
    )


# --- transformers models: the real sizes, applied to the tiny stand-in's config -----------------------------

def _transformers_model(architecture: str, config_class: str, **sizes):
    import transformers

    return getattr(transformers, architecture)(getattr(transformers, config_class)(**sizes))


def gpt2_model():
    return _transformers_model("GPT2LMHeadModel", "GPT2Config", n_layer=12, n_head=12, n_embd=768, n_positions=1024,
                               vocab_size=50257)


def distilbert_sst2_model():
    return _transformers_model("DistilBertForSequenceClassification", "DistilBertConfig", vocab_size=30522, dim=768,
                               hidden_dim=3072, n_layers=6, n_heads=12, max_position_embeddings=512,
                               id2label={0: "NEGATIVE", 1: "POSITIVE"}, label2id={"NEGATIVE": 0, "POSITIVE": 1},
                               finetuning_task="sst-2")


def bert_base_model():
    return _transformers_model("BertForMaskedLM", "BertConfig", vocab_size=30522, hidden_size=768,
                               num_hidden_layers=12, num_attention_heads=12, intermediate_size=3072,
                               max_position_embeddings=512, type_vocab_size=2)


def clip_model(text: dict, vision: dict, projection_dim: int):
    from transformers import CLIPConfig, CLIPModel

    strip = lambda d: {k: v for k, v in d.items() if k != "projection_dim"}
    return CLIPModel(CLIPConfig(text_config=strip(text), vision_config=strip(vision), projection_dim=projection_dim))


def vit_base_model(id2label: dict | None = None):
    labels = id2label or {i: f"LABEL_{i}" for i in range(1000)}
    return _transformers_model("ViTForImageClassification", "ViTConfig", hidden_size=768, num_hidden_layers=12,
                               num_attention_heads=12, intermediate_size=3072, image_size=224, patch_size=16,
                               id2label=labels, label2id={v: k for k, v in labels.items()})


def sam_base_model():
    from transformers import SamConfig, SamModel

    vision = dict(hidden_size=768, num_hidden_layers=12, num_attention_heads=12, mlp_dim=3072, output_channels=256,
                  image_size=1024, patch_size=16, global_attn_indexes=[2, 5, 8, 11], window_size=14)
    return SamModel(SamConfig(vision_config=vision))


# --- the registry --------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class FullSize:
    """How to turn one repo's tiny stand-in into a full-size one: each model folder (``""`` for the repo's
    root) is rebuilt by a function, whose parameter count must match the published one."""
    repo_id: str
    folders: dict[str, Callable[[], torch.nn.Module]]
    published: dict[str, int]            # folder -> parameter count the real checkpoint has
    fp16_variant: bool = False           # the real repo ships *.fp16.safetensors too
    notes: str = ""
    tolerance: float = 0.0               # relative: 0 where the published count is exact
    extra: dict = field(default_factory=dict)


SD_PARTS = {"vae": sd_vae, "text_encoder": sd_text_encoder, "safety_checker": sd_safety_checker}
# The safety checker: CLIP ViT-L/14's image tower (303,179,776), its projection (786,432) and the 20 concept
# embeddings and thresholds: 303,981,588, which is its real float32 file of 1.22 GB divided by 4 bytes.
SD_COUNTS = {"vae": 83_653_863, "text_encoder": 123_060_480, "safety_checker": 303_981_588}

FULL_SIZE: dict[str, FullSize] = {f.repo_id: f for f in [
    FullSize("stable-diffusion-v1-5/stable-diffusion-v1-5", {"unet": sd_unet, **SD_PARTS},
             {"unet": 859_520_964, **SD_COUNTS}, fp16_variant=True),
    FullSize("stable-diffusion-v1-5/stable-diffusion-inpainting", {"unet": lambda: sd_unet(9), **SD_PARTS},
             {"unet": 859_535_364, **SD_COUNTS}),
    FullSize("timbrooks/instruct-pix2pix", {"unet": lambda: sd_unet(8), **SD_PARTS},
             {"unet": 859_532_484, **SD_COUNTS}),
    FullSize("lllyasviel/control_v11p_sd15_canny", {"": controlnet_sd15}, {"": 361_000_000}, tolerance=1e-3,
             notes="published as 361 M"),
    FullSize("google/ddpm-celebahq-256", {"unet": ddpm_celebahq_unet}, {"unet": 113_673_219}),
    FullSize("openai-community/gpt2", {"": gpt2_model}, {"": 124_439_808}),
    FullSize("distilbert/distilbert-base-uncased-finetuned-sst-2-english", {"": distilbert_sst2_model},
             {"": 66_955_010}),
    FullSize("google-bert/bert-base-uncased", {"": bert_base_model}, {"": 109_514_298}),
    FullSize("openai/clip-vit-base-patch32", {"": lambda: clip_model(CLIP_B32_TEXT, CLIP_B32_VISION, 512)},
             {"": 151_277_313}),
    FullSize("openai/clip-vit-large-patch14",
             {"": lambda: clip_model({**CLIP_L14_TEXT, "bos_token_id": 49406, "eos_token_id": 49407},
                                     CLIP_L14_VISION, 768)},
             {"": 427_616_513}),
    FullSize("google/vit-base-patch16-224", {"": vit_base_model}, {"": 86_567_656}),
    FullSize("facebook/sam-vit-base", {"": sam_base_model}, {"": 93_700_000}, tolerance=1e-3,
             notes="published as 93.7 M"),
]}


# The audio models (chapters 1 and 9) are written out in their own module.
from .fullsize_audio import audio_full_size  # noqa: E402

FULL_SIZE.update({f.repo_id: f for f in audio_full_size(FullSize)})


def count_parameters(make: Callable[[], torch.nn.Module]) -> int:
    """The parameter count of the model `make` builds, built on the meta device (no memory, no time)."""
    with torch.device("meta"):
        model = make()
    return sum(p.numel() for p in model.parameters())


def _rebuild(spec: FullSize, out: Path) -> None:
    """Replace the tiny model folders of a built stand-in (copied to `out`) by full-size random ones."""
    for folder, make in spec.folders.items():
        target = out / folder if folder else out
        config_json = target / "config.json"
        extra = {}
        if not folder and config_json.exists():   # keep what the tiny stand-in set besides the sizes (labels)
            old = json.loads(config_json.read_text())
            extra = {k: old[k] for k in ("id2label", "label2id") if k in old}
        for old_file in list(target.glob("*.safetensors")) + list(target.glob("*.bin")):
            old_file.unlink()
        torch.manual_seed(0)
        model = make() if not extra else _with_labels(make, extra)
        if spec.fp16_variant:   # fp16 first: each save rewrites config.json, whose dtype transformers loads with
            model.to(torch.float16).save_pretrained(target, variant="fp16", safe_serialization=True)
            model.to(torch.float32)
        model.save_pretrained(target, safe_serialization=True)
        del model


def _with_labels(make, extra: dict):
    model = make()
    if "id2label" in extra and hasattr(model.config, "id2label") and len(extra["id2label"]) == model.config.num_labels:
        model.config.id2label = {int(k): v for k, v in extra["id2label"].items()}
        model.config.label2id = {k: int(v) for k, v in extra.get("label2id", {}).items()}
    return model


def build_fullsize(hf_home: Path = DEFAULT_FULLSIZE_HOME, only: set[str] | None = None) -> Path:
    """Build every stand-in into `hf_home` (reused when current), then rebuild the repos of FULL_SIZE at
    real size. A full-size repo is rebuilt only when it is missing or its tiny stand-in was rebuilt."""
    from .hubcache import install_snapshot, repo_folder

    hf_home = Path(hf_home)
    build_all(hf_home)
    done = hf_home / "fullsize-stamps"
    done.mkdir(parents=True, exist_ok=True)
    for repo_id, spec in FULL_SIZE.items():
        if only is not None and repo_id not in only:
            continue
        tiny_stamp = (hf_home / "standin-stamps" / (repo_id.replace("/", "--") + ".model")).read_text()
        tiny_stamp += hashlib.sha256(Path(__file__).read_bytes()).hexdigest()[:16]   # and these sizes
        stamp_file = done / repo_id.replace("/", "--")
        if stamp_file.exists() and stamp_file.read_text() == tiny_stamp:
            continue
        t0 = time.perf_counter()
        work = hf_home / "fullsize-work"
        shutil.rmtree(work, ignore_errors=True)
        snapshot = next(p for p in (repo_folder(hf_home, repo_id) / "snapshots").iterdir())
        shutil.copytree(snapshot, work, symlinks=False)
        _rebuild(spec, work)
        install_snapshot(hf_home, repo_id, work)
        shutil.rmtree(work, ignore_errors=True)
        stamp_file.write_text(tiny_stamp)
        size = sum(p.stat().st_size for p in (repo_folder(hf_home, repo_id) / "blobs").iterdir())
        print(f"[full size] {repo_id}: {time.perf_counter() - t0:.0f} s, {size / 1e9:.2f} GB on disk", flush=True)
    return hf_home


if __name__ == "__main__":
    args = sys.argv[1:]
    only = set(args.pop(args.index("--only") + 1).split(",")) if "--only" in args else None
    positional = [a for a in args if not a.startswith("--")]
    home = Path(positional[0]) if positional else DEFAULT_FULLSIZE_HOME
    build_fullsize(home, only)
    total = sum(p.stat().st_size for p in home.rglob("*") if p.is_file() and not p.is_symlink())
    print(f"full-size cache ready at {home}: {total / 1e9:.1f} GB")
