"""Diffusion-model stand-ins."""
from __future__ import annotations

from pathlib import Path

import torch

from . import standin
from .vocab import write_clip_vocab, write_json

# The real stable-diffusion-v1-5 scheduler and image-processor configs (sizes there are small
# already, so they are copied as they are).
SD15_SCHEDULER = {
    "_class_name": "PNDMScheduler", "_diffusers_version": "0.6.0", "beta_end": 0.012,
    "beta_schedule": "scaled_linear", "beta_start": 0.00085, "num_train_timesteps": 1000,
    "set_alpha_to_one": False, "skip_prk_steps": True, "steps_offset": 1, "trained_betas": None,
    "clip_sample": False,
}
CLIP_IMAGE_PROCESSOR = {
    "crop_size": {"height": 224, "width": 224}, "do_center_crop": True, "do_convert_rgb": True,
    "do_normalize": True, "do_rescale": True, "do_resize": True,
    "image_mean": [0.48145466, 0.4578275, 0.40821073], "image_processor_type": "CLIPImageProcessor",
    "image_std": [0.26862954, 0.26130258, 0.27577711], "resample": 3, "rescale_factor": 0.00392156862745098,
    "size": {"shortest_edge": 224},
}


def tiny_sd_components(cross_attention_dim: int = 32, in_channels: int = 4) -> dict:
    """Tiny random components of a Stable Diffusion 1.x pipeline: same classes as the real one,
    a 4-block VAE (so 8x spatial compression, as the real VAE), a 2-layer CLIP text encoder over the
    real CLIP vocabulary, and the real scheduler configuration."""
    from diffusers import AutoencoderKL, PNDMScheduler, UNet2DConditionModel
    from transformers import CLIPTextConfig, CLIPTextModel

    torch.manual_seed(0)
    unet = UNet2DConditionModel(
        sample_size=8, in_channels=in_channels, out_channels=4, layers_per_block=1,
        block_out_channels=(32, 64), norm_num_groups=32, cross_attention_dim=cross_attention_dim,
        down_block_types=("CrossAttnDownBlock2D", "DownBlock2D"),
        up_block_types=("UpBlock2D", "CrossAttnUpBlock2D"), attention_head_dim=8,
    )
    vae = AutoencoderKL(
        in_channels=3, out_channels=3, latent_channels=4, sample_size=64, layers_per_block=1,
        block_out_channels=(16, 16, 32, 32), norm_num_groups=16,
        down_block_types=("DownEncoderBlock2D",) * 4, up_block_types=("UpDecoderBlock2D",) * 4,
        scaling_factor=0.18215,
    )
    text_encoder = CLIPTextModel(CLIPTextConfig(
        vocab_size=49408, hidden_size=cross_attention_dim, intermediate_size=64, num_hidden_layers=2,
        num_attention_heads=4, max_position_embeddings=77, projection_dim=cross_attention_dim,
        hidden_act="quick_gelu", bos_token_id=0, eos_token_id=2, pad_token_id=1,
    ))
    scheduler = PNDMScheduler.from_config(SD15_SCHEDULER)
    return {"unet": unet, "vae": vae, "text_encoder": text_encoder, "scheduler": scheduler}


def tiny_safety_checker():
    """A tiny StableDiffusionSafetyChecker whose thresholds never fire (random weights would flag
    images at random and black them out)."""
    from diffusers.pipelines.stable_diffusion.safety_checker import StableDiffusionSafetyChecker
    from transformers import CLIPConfig

    torch.manual_seed(0)
    config = CLIPConfig(
        text_config={"hidden_size": 32, "intermediate_size": 64, "num_hidden_layers": 1,
                     "num_attention_heads": 4, "vocab_size": 49408},
        vision_config={"hidden_size": 32, "intermediate_size": 64, "num_hidden_layers": 1,
                       "num_attention_heads": 4, "image_size": 224, "patch_size": 32},
        projection_dim=32,
    )
    checker = StableDiffusionSafetyChecker(config)
    with torch.no_grad():
        checker.concept_embeds_weights.fill_(10.0)  # cosine similarity never exceeds these
        checker.special_care_embeds_weights.fill_(10.0)
    return checker


def tokenizer_dir(out: Path) -> Path:
    from transformers import CLIPTokenizer

    tok_dir = out / "tokenizer"
    write_clip_vocab(tok_dir)
    tok = CLIPTokenizer.from_pretrained(tok_dir, model_max_length=77)
    tok.save_pretrained(tok_dir)
    return tok_dir


@standin(
    "stable-diffusion-v1-5/stable-diffusion-v1-5",
    "real CLIP tokenizer and scheduler config; tiny random UNet, VAE (8x), text encoder and safety "
    "checker; fp32 and fp16-variant safetensors",
)
def stable_diffusion_v1_5(out: Path) -> None:
    from diffusers import StableDiffusionPipeline
    from transformers import CLIPImageProcessor, CLIPTokenizer

    tokenizer = CLIPTokenizer.from_pretrained(tokenizer_dir(out))
    pipe = StableDiffusionPipeline(
        **tiny_sd_components(), tokenizer=tokenizer, safety_checker=tiny_safety_checker(),
        feature_extractor=CLIPImageProcessor(**CLIP_IMAGE_PROCESSOR), requires_safety_checker=True,
    )
    # fp16 variant first: each save rewrites text_encoder/config.json's dtype, and transformers
    # loads with the config's dtype, so the plain fp32 save must come last.
    pipe.to(torch.float16).save_pretrained(out, variant="fp16", safe_serialization=True)
    pipe.to(torch.float32).save_pretrained(out, safe_serialization=True)
    write_json(out / "feature_extractor" / "preprocessor_config.json", CLIP_IMAGE_PROCESSOR)


# The real google/ddpm-celebahq-256 scheduler configuration (DDPM paper settings).
DDPM_CELEBAHQ_SCHEDULER = {
    "_class_name": "DDPMScheduler", "_diffusers_version": "0.1.1", "beta_end": 0.02,
    "beta_schedule": "linear", "beta_start": 0.0001, "clip_sample": True, "num_train_timesteps": 1000,
    "trained_betas": None, "variance_type": "fixed_small",
}


@standin(
    "google/ddpm-celebahq-256",
    "DDPMPipeline layout (model_index.json, unet/, scheduler/) with the real DDPMScheduler config "
    "(linear betas 0.0001..0.02, 1000 steps, clip_sample, fixed_small); a tiny random UNet2DModel "
    "(3 channels, 32 px instead of the real 256 px, same block types and embedding settings)",
)
def ddpm_celebahq_256(out: Path) -> None:
    from diffusers import DDPMPipeline, DDPMScheduler, UNet2DModel

    torch.manual_seed(0)
    # The real UNet: 6 levels (128, 128, 256, 256, 512, 512), attention at 16 px, 2 layers per block.
    # Here: 2 levels, attention at the lower one, the real time-embedding and normalisation settings.
    unet = UNet2DModel(
        sample_size=32, in_channels=3, out_channels=3, layers_per_block=1, block_out_channels=(32, 64),
        down_block_types=("DownBlock2D", "AttnDownBlock2D"), up_block_types=("AttnUpBlock2D", "UpBlock2D"),
        norm_num_groups=32, norm_eps=1e-6, downsample_padding=0, flip_sin_to_cos=False, freq_shift=1,
        mid_block_scale_factor=1, act_fn="silu", center_input_sample=False, time_embedding_type="positional",
    )
    scheduler = DDPMScheduler.from_config(DDPM_CELEBAHQ_SCHEDULER)
    DDPMPipeline(unet=unet, scheduler=scheduler).save_pretrained(out, safe_serialization=True)
    write_json(out / "scheduler" / "scheduler_config.json", DDPM_CELEBAHQ_SCHEDULER)


# --- Chapter 08 (editing, inpainting and segmentation) ---

def tiny_sd_variant(out: Path, pipeline_class, in_channels: int) -> None:
    """A tiny SD 1.x pipeline of `pipeline_class` whose UNet takes `in_channels` latent channels (9 for a
    dedicated inpainting UNet: latent, mask, masked-image latent; 8 for InstructPix2Pix: latent and image
    latent), with the real tokenizer, SD 1.5's scheduler config and a safety checker that never fires."""
    from transformers import CLIPImageProcessor, CLIPTokenizer

    tokenizer = CLIPTokenizer.from_pretrained(tokenizer_dir(out))
    pipe = pipeline_class(
        **tiny_sd_components(in_channels=in_channels), tokenizer=tokenizer, safety_checker=tiny_safety_checker(),
        feature_extractor=CLIPImageProcessor(**CLIP_IMAGE_PROCESSOR), requires_safety_checker=True,
    )
    pipe.save_pretrained(out, safe_serialization=True)
    write_json(out / "feature_extractor" / "preprocessor_config.json", CLIP_IMAGE_PROCESSOR)


@standin(
    "stable-diffusion-v1-5/stable-diffusion-inpainting",
    "StableDiffusionInpaintPipeline layout with the real CLIP tokenizer and SD 1.5's scheduler config; tiny random "
    "components as in the SD 1.5 stand-in, but a UNet with 9 input channels (latent, mask, masked-image latent), "
    "as the real inpainting UNet has",
)
def stable_diffusion_inpainting(out: Path) -> None:
    from diffusers import StableDiffusionInpaintPipeline

    tiny_sd_variant(out, StableDiffusionInpaintPipeline, in_channels=9)


@standin(
    "timbrooks/instruct-pix2pix",
    "StableDiffusionInstructPix2PixPipeline layout with the real CLIP tokenizer and SD 1.5's scheduler config; "
    "tiny random components as in the SD 1.5 stand-in, but a UNet with 8 input channels (noisy latent and the "
    "input image's latent), as the real InstructPix2Pix UNet has",
)
def instruct_pix2pix(out: Path) -> None:
    from diffusers import StableDiffusionInstructPix2PixPipeline

    tiny_sd_variant(out, StableDiffusionInstructPix2PixPipeline, in_channels=8)


@standin(
    "lllyasviel/control_v11p_sd15_canny",
    "ControlNetModel for the SD 1.5 stand-in: built from its tiny UNet with ControlNetModel.from_unet (same "
    "blocks and cross-attention width, UNet weights copied, zero-initialised output convolutions, the default "
    "conditioning embedding for RGB edge images at 8x the latent size)",
)
def controlnet_sd15_canny(out: Path) -> None:
    from diffusers import ControlNetModel

    ControlNetModel.from_unet(tiny_sd_components()["unet"]).save_pretrained(out, safe_serialization=True)
