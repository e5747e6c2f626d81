"""Show images, training curves and bar charts with matplotlib."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
import torch
from PIL import Image

if TYPE_CHECKING:
    from matplotlib.figure import Figure

ValueRange = str | tuple[float, float]


def _as_numpy(x: Any) -> np.ndarray:
    """Return a torch tensor (any device/dtype) or array-like as a NumPy array."""
    if isinstance(x, torch.Tensor):
        x = x.detach().cpu()
        if x.dtype in (torch.bfloat16, torch.float16):
            x = x.float()
        return x.numpy()
    return np.asarray(x)


def _range_of(arr: np.ndarray, value_range: ValueRange) -> tuple[float, float]:
    """Return the (lo, hi) that ``value_range`` means for ``arr``."""
    bad = f'value_range must be "auto" or a (lo, hi) tuple, got {value_range!r}.'
    if isinstance(value_range, str):
        if value_range != "auto":
            raise ValueError(bad)
        if arr.dtype == np.uint8:
            return 0.0, 255.0
        vmin, vmax = float(arr.min()), float(arr.max())
        if vmin >= 0 and vmax <= 1:
            return 0.0, 1.0
        if vmin >= -1 and vmax <= 1:
            return -1.0, 1.0
        raise ValueError(
            f"cannot guess the value range: values lie in [{vmin:.4g}, {vmax:.4g}], which is "
            "not [0, 1], [-1, 1] or uint8; pass value_range=(lo, hi) explicitly, "
            "e.g. value_range=(0, 255)."
        )
    if not isinstance(value_range, (tuple, list)) or len(value_range) != 2:
        raise ValueError(bad)
    try:
        lo, hi = float(value_range[0]), float(value_range[1])
    except (TypeError, ValueError):
        raise ValueError(bad) from None
    if not hi > lo:
        raise ValueError(f"value_range=(lo, hi) needs hi > lo, got {value_range!r}.")
    return lo, hi


def _scale(arr: np.ndarray, value_range: ValueRange) -> np.ndarray:
    """Map ``arr`` to float32 in [0, 1] according to ``value_range`` (clipping outliers)."""
    lo, hi = _range_of(arr, value_range)
    return np.clip((arr.astype(np.float32) - lo) / (hi - lo), 0.0, 1.0).astype(np.float32)


def to_numpy_image(image: Any, value_range: ValueRange = "auto") -> np.ndarray:
    """Convert ONE image to a float32 array in [0, 1], HWC (or HW for grayscale).

    Args:
        image: ``PIL.Image``, ``torch.Tensor`` or ``np.ndarray``; CHW, HWC or HW, with an
            optional leading batch dim of size 1.
        value_range: ``"auto"`` (uint8 -> [0, 255]; floats in [0, 1] or [-1, 1]) or an
            explicit ``(lo, hi)`` tuple; values are rescaled and clipped.

    Raises:
        TypeError: unsupported type. ValueError: bad shape, channel count, NaN/inf
        values or a value range that cannot be guessed.
    """
    if isinstance(image, Image.Image):
        if image.mode not in ("L", "RGB", "RGBA"):
            has_alpha = "A" in image.mode or "transparency" in image.info
            image = image.convert("RGBA" if has_alpha else "RGB")
        arr = np.asarray(image)
    elif isinstance(image, (torch.Tensor, np.ndarray)):
        arr = _as_numpy(image)
    else:
        raise TypeError(
            f"expected a PIL.Image, torch.Tensor or numpy.ndarray, got {type(image).__name__}; "
            "to show several images pass a list to show_images()."
        )
    if arr.dtype == np.bool_:
        arr = arr.astype(np.float32)
    if not (np.issubdtype(arr.dtype, np.integer) or np.issubdtype(arr.dtype, np.floating)):
        raise TypeError(f"image must hold real numbers, got dtype {arr.dtype}.")
    if arr.ndim == 4 and arr.shape[0] == 1:
        arr = arr[0]
    if arr.ndim == 4:
        raise ValueError(
            f"got a batch of {arr.shape[0]} images (shape {tuple(arr.shape)}) but expected one; "
            "pass one image (e.g. images[0]), or use show_images() / a list for several."
        )
    if arr.ndim not in (2, 3):
        raise ValueError(
            "expected an image of shape (H, W), (C, H, W) or (H, W, C), "
            f"got shape {tuple(arr.shape)}."
        )
    if arr.ndim == 3 and arr.shape[0] in (1, 3, 4) and arr.shape[-1] not in (1, 3, 4):
        arr = arr.transpose(1, 2, 0)  # CHW -> HWC
    if arr.ndim == 3 and arr.shape[-1] not in (1, 3, 4):
        raise ValueError(
            f"image of shape {tuple(arr.shape)} has {arr.shape[-1]} channels; "
            "expected 1 (gray), 3 (RGB) or 4 (RGBA), as CHW or HWC."
        )
    if arr.ndim == 3 and arr.shape[-1] == 1:
        arr = arr[..., 0]
    if arr.size == 0:
        raise ValueError(f"image is empty (shape {tuple(arr.shape)}).")
    if not np.isfinite(arr).all():
        raise ValueError("image contains NaN or inf values; check the model output.")
    return _scale(arr, value_range)


def to_pil(image: Any, value_range: ValueRange = "auto") -> Image.Image:
    """Convert one image to a ``PIL.Image`` (L, RGB or RGBA); see :func:`to_numpy_image`."""
    arr = to_numpy_image(image, value_range)
    return Image.fromarray((arr * 255).round().astype(np.uint8))


def _image_list(images: Any) -> list[Any]:
    """Split ``images`` (list, 4-D batch or single image) into a list of single images."""
    if isinstance(images, (list, tuple)):
        return list(images)
    if isinstance(images, (torch.Tensor, np.ndarray)) and images.ndim == 4:
        return list(images)
    return [images]


def show_images(
    images: Any,
    titles: Sequence[str] | None = None,
    ncols: int | None = None,
    *,
    value_range: ValueRange = "auto",
    figsize_per_image: float = 2.5,
    suptitle: str | None = None,
    cmap: str = "gray",
) -> Figure:
    """Show images in a grid and return the matplotlib Figure.

    Args:
        images: a list/tuple of images, a 4-D batch (N,C,H,W or N,H,W,C) or one image.
        titles: optional title per image (same length as ``images``).
        ncols: number of columns (default ``min(n, 8)``).
        value_range, figsize_per_image, suptitle, cmap: see :func:`to_numpy_image` and
            matplotlib; ``cmap`` applies to grayscale images.

    In Jupyter the figure shows by itself; write ``fig = show_images(...)`` (or end the
    line with ``;``) so it is not displayed twice.
    """
    import matplotlib.pyplot as plt

    items = _image_list(images)
    n = len(items)
    if n == 0:
        raise ValueError("no images to show: got an empty list/batch; pass at least one image.")
    if isinstance(titles, str):
        titles = [titles]
    if titles is not None and len(titles) != n:
        raise ValueError(
            f"got {len(titles)} titles for {n} images; pass one title per image or titles=None."
        )
    if ncols is None:
        ncols = min(n, 8)
    if isinstance(ncols, bool) or not isinstance(ncols, int) or ncols < 1:
        raise ValueError(f"ncols must be a positive int, got {ncols!r}.")
    ncols = min(ncols, n)
    arrays = []
    for i, item in enumerate(items):
        try:
            arrays.append(to_numpy_image(item, value_range))
        except (TypeError, ValueError) as err:
            raise type(err)(f"image {i}: {err}") from err

    nrows = math.ceil(n / ncols)
    fig, axes = plt.subplots(
        nrows, ncols, figsize=(ncols * figsize_per_image, nrows * figsize_per_image), squeeze=False
    )
    for i, ax in enumerate(axes.flat):
        ax.axis("off")
        if i < n:
            ax.imshow(arrays[i], cmap=cmap if arrays[i].ndim == 2 else None, vmin=0, vmax=1)
            if titles is not None:
                ax.set_title(str(titles[i]), fontsize=9)
    if suptitle:
        fig.suptitle(suptitle)
    fig.tight_layout()
    return fig


def _moving_average(y: np.ndarray, window: int) -> np.ndarray:
    """Trailing moving average that keeps the length (early points average fewer values)."""
    csum = np.concatenate([[0.0], np.cumsum(y)])
    end = np.arange(1, len(y) + 1)
    start = np.maximum(end - window, 0)
    return (csum[end] - csum[start]) / (end - start)


def plot_curves(
    curves: Mapping[str, Sequence[float]],
    *,
    xlabel: str = "step",
    ylabel: str = "loss",
    title: str | None = None,
    logy: bool = False,
    smooth: int = 1,
    xs: Mapping[str, Sequence[float]] | None = None,
) -> Figure:
    """Plot named curves, e.g. ``{"train": losses, "validation": val_losses}``.

    Args:
        curves: name -> y values (non-empty).
        smooth: moving-average window (1 = no smoothing; the raw curve is drawn faintly).
        xs: optional name -> x values for some or all curves (default 0, 1, 2, ...).
        xlabel, ylabel, title, logy: axis labels, title and log-scale y axis.
    """
    import matplotlib.pyplot as plt

    if not isinstance(curves, Mapping) or not curves:
        raise ValueError('curves must be a non-empty dict like {"train": [...], "val": [...]}.')
    if isinstance(smooth, bool) or not isinstance(smooth, int) or smooth < 1:
        raise ValueError(f"smooth must be an int >= 1 (moving-average window), got {smooth!r}.")
    xs = dict(xs or {})
    unknown = set(xs) - set(curves)
    if unknown:
        raise ValueError(f"xs has keys {sorted(unknown)} that are not in curves {list(curves)}.")
    data = {}
    for name, values in curves.items():
        y = _as_numpy(values).astype(np.float64).ravel()
        if y.size == 0:
            raise ValueError(f"curve {name!r} is empty; drop it or record some values first.")
        x = _as_numpy(xs[name]).ravel() if name in xs else np.arange(y.size)
        if x.size != y.size:
            raise ValueError(f"curve {name!r} has {y.size} values but xs[{name!r}] has {x.size}.")
        data[name] = (x, y)

    fig, ax = plt.subplots(figsize=(7, 4))
    for name, (x, y) in data.items():
        if smooth > 1:
            (raw,) = ax.plot(x, y, alpha=0.25)
            ax.plot(x, _moving_average(y, smooth), color=raw.get_color(), label=name)
        else:
            ax.plot(x, y, label=name)
    if logy:
        ax.set_yscale("log")
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    if title:
        ax.set_title(title)
    ax.grid(alpha=0.3)
    ax.legend()
    fig.tight_layout()
    return fig


def plot_bars(
    labels: Sequence[Any],
    values: Sequence[float],
    *,
    title: str | None = None,
    xlabel: str | None = None,
    ylabel: str | None = None,
    top_k: int | None = None,
) -> Figure:
    """Horizontal bar chart, e.g. next-token probabilities; first item at the top.

    Args:
        labels, values: same non-zero length; values may be a list, array or tensor.
        top_k: if given, keep only the ``top_k`` largest values, sorted descending.
    """
    import matplotlib.pyplot as plt

    labels = [str(label) for label in labels]
    vals = _as_numpy(values).astype(np.float64).ravel()
    if len(labels) == 0 or len(labels) != vals.size:
        raise ValueError(
            "labels and values must be non-empty and the same length, "
            f"got {len(labels)} and {vals.size}."
        )
    if top_k is not None:
        if isinstance(top_k, bool) or not isinstance(top_k, int) or top_k < 1:
            raise ValueError(f"top_k must be a positive int or None, got {top_k!r}.")
        order = np.argsort(-vals, kind="stable")[:top_k]
        labels, vals = [labels[i] for i in order], vals[order]

    fig, ax = plt.subplots(figsize=(6, 1 + 0.35 * len(labels)))
    bars = ax.barh(range(len(labels)), vals)
    ax.set_yticks(range(len(labels)), labels)
    ax.invert_yaxis()
    ax.bar_label(bars, fmt="%.3g", padding=2)
    if title:
        ax.set_title(title)
    if xlabel:
        ax.set_xlabel(xlabel)
    if ylabel:
        ax.set_ylabel(ylabel)
    fig.tight_layout()
    return fig
