"""Vision and vision-language stand-ins."""
from __future__ import annotations

from pathlib import Path

import torch

from . import standin
from .diffusion import CLIP_IMAGE_PROCESSOR
from .vocab import write_clip_vocab


def tiny_clip(out: Path, image_size: int, patch_size: int) -> None:
    """A tiny random CLIPModel with the real CLIP tokenizer and the real image-processor settings."""
    from transformers import CLIPConfig, CLIPImageProcessor, CLIPModel, CLIPProcessor, CLIPTokenizer

    write_clip_vocab(out)
    tokenizer = CLIPTokenizer.from_pretrained(out, model_max_length=77)
    CLIPProcessor(image_processor=CLIPImageProcessor(**CLIP_IMAGE_PROCESSOR), tokenizer=tokenizer).save_pretrained(out)
    torch.manual_seed(0)
    config = CLIPConfig(
        text_config={"hidden_size": 32, "intermediate_size": 64, "num_hidden_layers": 2, "num_attention_heads": 4,
                     "vocab_size": 49408, "max_position_embeddings": 77, "bos_token_id": 49406,
                     "eos_token_id": 49407, "pad_token_id": 1},
        vision_config={"hidden_size": 32, "intermediate_size": 64, "num_hidden_layers": 2, "num_attention_heads": 4,
                       "image_size": image_size, "patch_size": patch_size},
        projection_dim=32,
    )
    CLIPModel(config).save_pretrained(out)


@standin("openai/clip-vit-base-patch32",
         "real CLIP tokenizer and image-processor settings; tiny random CLIPModel (224 px, 32 px patches)")
def clip_base_patch32(out: Path) -> None:
    tiny_clip(out, image_size=224, patch_size=32)


@standin("openai/clip-vit-large-patch14",
         "real CLIP tokenizer and image-processor settings; tiny random CLIPModel (224 px, 14 px patches)")
def clip_large_patch14(out: Path) -> None:
    tiny_clip(out, image_size=224, patch_size=14)
