"""Check pictures and masks before a diffusion model sees them, with errors that say what to do."""

from __future__ import annotations

from typing import Any

import numpy as np
import torch
from PIL import Image


def image_size(image: Any) -> tuple[int, int]:
    """(height, width) of a PIL image, a NumPy array (H, W) or (H, W, C), or a tensor (C, H, W) or (N, C, H, W)."""
    if isinstance(image, Image.Image):
        return image.height, image.width
    if isinstance(image, torch.Tensor):
        if image.ndim not in (2, 3, 4):
            raise ValueError(f"a picture tensor must be (H, W), (C, H, W) or (N, C, H, W); got shape {tuple(image.shape)}.")
        return int(image.shape[-2]), int(image.shape[-1])
    array = np.asarray(image)
    if array.ndim not in (2, 3):
        raise ValueError(f"a picture array must be (H, W) or (H, W, C); got shape {array.shape}.")
    return int(array.shape[0]), int(array.shape[1])


def _mask_values(mask: Any) -> np.ndarray:
    """The mask as a float array in its own scale (PIL 'L' or '1' masks: 0..1)."""
    if isinstance(mask, Image.Image):
        if mask.mode not in ("L", "1"):
            raise ValueError(f"the mask is a {mask.mode} picture; give a one-channel mask: mask.convert('L') "
                             "(white = the region to repaint, black = keep).")
        return np.asarray(mask.convert("L"), dtype=np.float32) / 255.0
    values = mask.detach().cpu().float().numpy() if isinstance(mask, torch.Tensor) else np.asarray(mask, dtype=np.float32)
    channels = values.shape[-3] if isinstance(mask, torch.Tensor) and values.ndim >= 3 else (
        values.shape[-1] if values.ndim == 3 and not isinstance(mask, torch.Tensor) else 1)
    if channels != 1:
        raise ValueError(f"the mask has {channels} channels; give one channel (white or 1 = repaint, 0 = keep), "
                         "for example mask[..., :1] or a PIL mask.convert('L').")
    return values


def check_image_and_mask(image: Any, mask: Any = None, *, multiple: int = 8) -> tuple[int, int]:
    """Check a picture (and an inpainting mask) for a latent diffusion model; return (height, width).

    Both sides must be multiples of `multiple` (8 for Stable Diffusion, whose VAE halves each side three
    times); the mask must have the picture's size, one channel, values in [0, 1] (PIL masks: 0-255), and at
    least one pixel to repaint. Raises ValueError saying what to change.
    """
    if multiple < 1:
        raise ValueError(f"multiple must be at least 1, got {multiple}.")
    height, width = image_size(image)
    if height == 0 or width == 0:
        raise ValueError(f"the picture is empty ({height} x {width} pixels); load it again.")
    if height % multiple or width % multiple:
        fit_h, fit_w = max(multiple, height // multiple * multiple), max(multiple, width // multiple * multiple)
        raise ValueError(f"the picture is {width} x {height} pixels (width x height); both sides must be multiples of "
                         f"{multiple}. Resize or crop it, for example to {fit_w} x {fit_h}: "
                         f"image.resize(({fit_w}, {fit_h})) for a PIL image.")
    if mask is None:
        return height, width
    mask_h, mask_w = image_size(mask)
    if (mask_h, mask_w) != (height, width):
        raise ValueError(f"the mask is {mask_w} x {mask_h} pixels but the picture is {width} x {height}; give the mask "
                         f"the picture's size, for example mask.resize(({width}, {height}), Image.NEAREST) for a PIL mask.")
    values = _mask_values(mask)
    if values.min() < 0 or values.max() > 1:
        raise ValueError(f"mask values must lie in [0, 1] (1 = repaint, 0 = keep); got {values.min():g} to "
                         f"{values.max():g}. Divide a 0-255 mask by 255.")
    if values.max() < 0.5:
        raise ValueError("the mask is empty: no pixel is marked for repainting (white or 1), so nothing would change. "
                         "Paint the region to replace in white.")
    return height, width
