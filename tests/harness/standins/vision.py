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


# --- Chapter 02 (transformers from the inside) ---

def imagenet_class_names() -> list[str]:
    """The 1,000 ImageNet-1k class names in class-index order, as shipped by open_clip (OpenAI's
    cleaned-up names, e.g. "tench", "goldfish"), read without importing open_clip (it wants torchvision)."""
    import ast

    from ..assets import asset

    tree = ast.parse(asset("open_clip", "zero_shot_metadata.py").read_text())
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(getattr(t, "id", None) == "IMAGENET_CLASSNAMES" for t in node.targets):
            names = list(ast.literal_eval(node.value))
            assert len(names) == 1000, len(names)
            return names
    raise RuntimeError("IMAGENET_CLASSNAMES not found in open_clip/zero_shot_metadata.py")


@standin(
    "google/vit-base-patch16-224",
    "real ViTImageProcessor settings (224 px, mean/std 0.5) and the 1,000 real ImageNet class names "
    "(open_clip's cleaned-up names, in class order); tiny random ViTForImageClassification (224 px, "
    "16 px patches, 2 layers, 32 d)",
)
def vit_base_patch16_224(out: Path) -> None:
    from transformers import ViTConfig, ViTForImageClassification, ViTImageProcessor

    ViTImageProcessor(do_resize=True, size={"height": 224, "width": 224}, resample=2, do_rescale=True,
                      rescale_factor=1 / 255, do_normalize=True, image_mean=[0.5, 0.5, 0.5],
                      image_std=[0.5, 0.5, 0.5]).save_pretrained(out)
    names = imagenet_class_names()
    torch.manual_seed(0)
    config = ViTConfig(image_size=224, patch_size=16, num_channels=3, hidden_size=32, num_hidden_layers=2,
                       num_attention_heads=2, intermediate_size=64, id2label=dict(enumerate(names)),
                       label2id={n: i for i, n in enumerate(names)}, architectures=["ViTForImageClassification"])
    ViTForImageClassification(config).save_pretrained(out)


# --- Chapter 08 (editing, inpainting and segmentation) ---

@standin(
    "facebook/sam-vit-base",
    "the real SamProcessor settings (longest side resized to 1024 and padded to 1024 x 1024, ImageNet mean/std, "
    "256 px mask inputs); tiny random SamModel (ViT image encoder at 1024 px with 16 px patches, 2 layers, 32 d, "
    "windowed and global attention; prompt encoder and mask decoder 32 d, 3 candidate masks with IoU scores)",
)
def sam_vit_base(out: Path) -> None:
    from transformers import SamConfig, SamImageProcessor, SamModel, SamProcessor

    SamProcessor(image_processor=SamImageProcessor()).save_pretrained(out)  # its defaults are the real settings
    torch.manual_seed(0)
    config = SamConfig(
        vision_config={"hidden_size": 32, "output_channels": 32, "num_hidden_layers": 2, "num_attention_heads": 2,
                       "window_size": 14, "global_attn_indexes": [1], "mlp_dim": 64, "num_pos_feats": 16},
        prompt_encoder_config={"hidden_size": 32, "mask_input_channels": 4},
        mask_decoder_config={"hidden_size": 32, "mlp_dim": 64, "num_attention_heads": 2, "iou_head_hidden_dim": 32},
    )
    SamModel(config).save_pretrained(out)
