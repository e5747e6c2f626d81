"""The course's drawn diagrams (transformer block, KV cache, AE vs VAE, CLIP, UNet), made with matplotlib.

A notebook shows one with ``show_diagram("unet")``. The cell that does is marked ``# NBVAL_CHECK_OUTPUT``
and keeps its picture as a saved output, so a reader sees it before running anything, on GitHub and
in Colab too; ``scripts/make_diagrams.py`` writes those saved pictures and ``tests/test_diagrams.py``
keeps them up to date. To change a diagram, edit its function below and run the script.
"""
from __future__ import annotations

import io

from matplotlib.figure import Figure
from matplotlib.patches import Circle, FancyArrowPatch, FancyBboxPatch, Polygon, Rectangle

DPI = 100

# one colour per kind of part, the same in every diagram
COLOURS = {"data": "#e8eef7", "layer": "#fde7c8", "attn": "#f9d0c4", "norm": "#e3f1dc", "embed": "#e6dcf2",
           "add": "#ffffff", "loss": "#f6f6c9", "cache": "#d7ecf3", "grey": "#eeeeee"}


# ---------------------------------------------------------------- drawing primitives

def canvas(width: float, height: float, title: str | None = None):
    """A figure `width` x `height` inches whose data coordinates are inches (origin bottom left).

    A bare `Figure`, not pyplot's: drawing a diagram leaves pyplot's state (and a notebook's inline
    backend) alone."""
    fig = Figure(figsize=(width, height), dpi=DPI)
    ax = fig.add_axes((0, 0, 1, 1))
    ax.set_xlim(0, width)
    ax.set_ylim(0, height)
    ax.axis("off")
    if title:
        ax.text(width / 2, height - 0.25, title, ha="center", va="center", fontsize=13, weight="bold")
    return fig, ax


def box(ax, x: float, y: float, w: float, h: float, text: str = "", kind: str = "layer", fontsize: float = 10,
        **style):
    """A rounded box with its lower left corner at (x, y), `text` centred; returns its centre."""
    ax.add_patch(FancyBboxPatch((x, y), w, h, boxstyle="round,pad=0.02,rounding_size=0.08",
                                facecolor=style.pop("facecolor", COLOURS[kind]), edgecolor=style.pop("edgecolor", "#444444"),
                                linewidth=style.pop("linewidth", 1.2), **style))
    if text:
        ax.text(x + w / 2, y + h / 2, text, ha="center", va="center", fontsize=fontsize)
    return x + w / 2, y + h / 2


def arrow(ax, start, end, text: str | None = None, colour: str = "#333333", dashed: bool = False,
          bend: float = 0.0, fontsize: float = 9, text_offset=(0.08, 0.0)):
    """An arrow from `start` to `end` (points in inches), bent by `bend`, with an optional label."""
    ax.add_patch(FancyArrowPatch(start, end, arrowstyle="-|>", mutation_scale=12, color=colour, linewidth=1.2,
                                 linestyle="--" if dashed else "-", connectionstyle=f"arc3,rad={bend}",
                                 shrinkA=0, shrinkB=0))
    if text:
        mx, my = (start[0] + end[0]) / 2 + text_offset[0], (start[1] + end[1]) / 2 + text_offset[1]
        ax.text(mx, my, text, ha="left", va="center", fontsize=fontsize, color=colour)


def plus(ax, x: float, y: float, r: float = 0.14):
    """A circled plus: the residual (or embedding) addition."""
    ax.add_patch(Circle((x, y), r, facecolor="white", edgecolor="#333333", linewidth=1.2))
    ax.text(x, y, "+", ha="center", va="center", fontsize=12)


def note(ax, x: float, y: float, text: str, fontsize: float = 9, **kw):
    kw.setdefault("ha", "left")
    ax.text(x, y, text, va="center", fontsize=fontsize, color=kw.pop("colour", "#333333"), **kw)


# ---------------------------------------------------------------- chapter 2

def transformer_block():
    """Chapter 2: our GPT-2-style model (left) and one pre-norm transformer block (right)."""
    fig, ax = canvas(10, 7.9, "Our GPT (GPT-2's architecture) and one transformer block")
    # left: the whole model, read from the bottom up
    x, w = 0.5, 3.4
    box(ax, x, 0.3, w, 0.5, "token ids  (B, T)", "data")
    box(ax, x, 1.2, w, 0.6, "token embedding + position embedding\n(B, T, d)", "embed", fontsize=9)
    ax.add_patch(FancyBboxPatch((x - 0.15, 2.15), w + 0.3, 2.6, boxstyle="round,pad=0.02", fill=False,
                                linestyle="--", edgecolor="#777777"))
    for i, y in enumerate((2.35, 3.15, 3.95)):
        box(ax, x + 0.2, y, w - 0.4, 0.55, "transformer block" if i != 1 else "⋮", "attn" if i != 1 else "grey")
    note(ax, x + w + 0.2, 3.45, "× N_LAYER", fontsize=10)
    box(ax, x, 5.1, w, 0.5, "LayerNorm", "norm")
    box(ax, x, 5.95, w, 0.5, "linear head  d → vocabulary", "layer")
    box(ax, x, 6.8, w, 0.5, "logits for the next token  (B, T, V)", "data")
    for y0, y1 in ((0.8, 1.2), (1.8, 2.35), (4.5, 5.1), (5.6, 5.95), (6.45, 6.8)):
        arrow(ax, (x + w / 2, y0), (x + w / 2, y1))
    # zoom lines from the first block to the right panel
    for (xa, ya), (xb, yb) in (((x + w - 0.2, 2.9), (5.0, 7.1)), ((x + w - 0.2, 2.35), (5.0, 0.3))):
        ax.plot([xa, xb], [ya, yb], color="#aaaaaa", linewidth=0.8, linestyle=":")
    # right: one block; the residual stream runs up the right-hand side
    mx, mw, rx = 5.6, 2.6, 9.2
    box(ax, mx, 0.3, mw, 0.45, "x  (B, T, d)", "data")
    box(ax, mx, 1.05, mw, 0.45, "LayerNorm", "norm")
    box(ax, mx, 1.8, mw, 0.75, "causal self-attention\n(H heads, each token sees\nonly earlier tokens)", "attn",
        fontsize=9)
    plus(ax, mx + mw / 2, 2.95)
    box(ax, mx, 3.35, mw, 0.45, "LayerNorm", "norm")
    box(ax, mx, 4.05, mw, 0.45, "Linear  d → 4d", "layer")
    box(ax, mx, 4.75, mw, 0.45, "GELU", "layer")
    box(ax, mx, 5.45, mw, 0.45, "Linear  4d → d", "layer")
    plus(ax, mx + mw / 2, 6.3)
    box(ax, mx, 6.7, mw, 0.45, "to the next block  (B, T, d)", "data")
    cx = mx + mw / 2
    for y0, y1 in ((0.75, 1.05), (1.5, 1.8), (2.55, 2.81), (3.09, 3.35), (3.8, 4.05), (4.5, 4.75), (5.2, 5.45),
                   (5.9, 6.16), (6.44, 6.7)):
        arrow(ax, (cx, y0), (cx, y1))
    # residual connections: x skips each sub-layer and is added back
    for y_from, y_to in ((0.9, 2.95), (3.2, 6.3)):
        ax.plot([cx, rx, rx], [y_from, y_from, y_to], color="#1f6fb4", linewidth=1.4)
        arrow(ax, (rx, y_to), (cx + 0.14, y_to), colour="#1f6fb4")
    note(ax, rx + 0.05, 1.9, "residual", colour="#1f6fb4", rotation=90, ha="left")
    note(ax, rx + 0.05, 4.7, "residual", colour="#1f6fb4", rotation=90, ha="left")
    ax.add_patch(FancyBboxPatch((mx - 0.15, 3.25), mw + 0.3, 2.75, boxstyle="round,pad=0.02", fill=False,
                                linestyle="--", edgecolor="#999999"))
    note(ax, mx - 0.1, 6.12, "MLP", fontsize=9, colour="#666666")
    note(ax, cx + 0.22, 2.75, "x + Attention(LayerNorm(x))", fontsize=8.5, colour="#666666")
    note(ax, cx + 0.22, 6.47, "x + MLP(LayerNorm(x))", fontsize=8.5, colour="#666666")
    return fig


GROUP_COLOURS = ("#f4b183", "#9dc3e6", "#a9d18e")


def kv_cache():
    """Chapter 2: one generation step with a KV cache (left); grouped-query attention (right)."""
    fig, ax = canvas(12.8, 6.6, "Generating with a KV cache, and grouped-query attention")
    note(ax, 0.3, 5.9, "one decoding step (one attention head)", fontsize=11, weight="bold")
    words, w, gap, x0 = ["The", "cat", "sat", "on", "the"], 0.62, 0.78, 1.3
    for i, word in enumerate(words):
        xc = x0 + i * gap
        new = i == len(words) - 1
        kind, edge = ("attn", "#c0392b") if new else ("cache", "#444444")
        box(ax, xc - w / 2, 4.0, w, 0.5, f"k{i + 1}", kind, edgecolor=edge, linewidth=2 if new else 1.2)
        box(ax, xc - w / 2, 3.0, w, 0.5, f"v{i + 1}", kind, edgecolor=edge, linewidth=2 if new else 1.2)
        note(ax, xc, 0.55 if new else 2.7, f"'{word}'", ha="center", fontsize=10 if new else 9)
    note(ax, x0 - 0.45, 4.25, "keys", ha="right")
    note(ax, x0 - 0.45, 3.25, "values", ha="right")
    ax.add_patch(FancyBboxPatch((x0 - w / 2 - 0.1, 2.45), 3 * gap + w + 0.2, 2.2, boxstyle="round,pad=0.02",
                                fill=False, linestyle="--", edgecolor="#1f6fb4", linewidth=1.4))
    note(ax, x0 - w / 2, 2.2, "the cache: kept from earlier steps", colour="#1f6fb4")
    xn = x0 + 4 * gap
    box(ax, xn - 0.55, 1.05, 1.1, 0.5, "W_q, W_k, W_v", "layer", fontsize=9)
    arrow(ax, (xn, 0.75), (xn, 1.05))
    arrow(ax, (xn, 1.55), (xn, 3.0), "k, v appended", colour="#c0392b", text_offset=(0.08, -0.45))
    qx = xn + 1.9
    box(ax, qx - 0.3, 4.0, 0.6, 0.5, "q", "attn", edgecolor="#c0392b", linewidth=2)
    ax.plot([xn + 0.55, qx + 1.1, qx + 1.1], [1.3, 1.3, 4.25], color="#c0392b", linewidth=1.2)
    arrow(ax, (qx + 1.1, 4.25), (qx + 0.3, 4.25), colour="#c0392b")
    arrow(ax, (qx - 0.3, 4.5), (x0, 4.5), "q · k_i for every i ≤ t, softmax → weights", bend=0.3,
          text_offset=(-1.6, 0.95))
    box(ax, qx - 0.8, 3.0, 1.6, 0.5, "Σ weight_i · v_i", "data", fontsize=9)
    arrow(ax, (xn + w / 2, 3.25), (qx - 0.8, 3.25))
    arrow(ax, (qx, 3.0), (qx, 2.35))
    note(ax, qx, 2.15, "output for 'the'", ha="center")
    note(ax, 0.3, 0.15, "Each step computes q, k, v for one new token only; the old keys and values are read "
         "from the cache.", fontsize=9, colour="#555555")
    # right: grouped-query attention
    rx = 8.2
    ax.plot([rx - 0.3, rx - 0.3], [0.5, 5.6], color="#cccccc", linewidth=1)
    note(ax, rx, 5.9, "grouped-query attention (SmolLM2-135M)", fontsize=11, weight="bold")
    for h in range(9):
        xc = rx + 0.25 + h * 0.45
        box(ax, xc - 0.19, 4.0, 0.38, 0.5, f"q{h + 1}", "data", fontsize=8, facecolor=GROUP_COLOURS[h // 3])
        arrow(ax, (xc, 4.0), (rx + 0.85 + (h // 3) * 1.35, 3.1), colour="#777777")
    note(ax, rx + 2.1, 4.75, "9 query heads", ha="center")
    for g in range(3):
        xc = rx + 0.85 + g * 1.35
        box(ax, xc - 0.5, 2.5, 1.0, 0.6, f"k, v\nhead {g + 1}", "cache", fontsize=9, facecolor=GROUP_COLOURS[g])
    note(ax, rx + 2.1, 2.2, "3 key/value heads: each serves 3 query heads", ha="center")
    note(ax, rx, 1.3, "cache per token and layer:\n2 × (key/value heads) × (head size) numbers;\n"
         "3 heads instead of 9: a third of the memory\nof ordinary multi-head attention", fontsize=9)
    return fig


# ---------------------------------------------------------------- chapter 3

def trapezoid(ax, x: float, y: float, w: float, h: float, text: str, narrowing: bool, kind: str = "layer"):
    """An encoder (narrowing to the right) or decoder (widening) drawn as a trapezoid centred on y."""
    big, small = h / 2, h / 5
    left, right = (big, small) if narrowing else (small, big)
    ax.add_patch(Polygon([(x, y - left), (x + w, y - right), (x + w, y + right), (x, y + left)],
                             facecolor=COLOURS[kind], edgecolor="#444444", linewidth=1.2))
    ax.text(x + w / 2, y, text, ha="center", va="center", fontsize=10)


def ae_vs_vae():
    """Chapter 3: an autoencoder (top) and a variational autoencoder with the reparameterisation trick."""
    fig, ax = canvas(12, 6.4, "Autoencoder and variational autoencoder")
    # top: autoencoder
    y = 4.6
    note(ax, 0.3, 5.55, "autoencoder: each image becomes one point z", fontsize=11, weight="bold")
    box(ax, 0.4, y - 0.4, 0.9, 0.8, "x\nimage", "data")
    trapezoid(ax, 1.7, y, 1.6, 1.3, "encoder", narrowing=True)
    box(ax, 3.9, y - 0.3, 0.8, 0.6, "z", "embed")
    trapezoid(ax, 5.1, y, 1.6, 1.3, "decoder", narrowing=False)
    box(ax, 7.1, y - 0.4, 0.9, 0.8, "x̂\nimage", "data")
    for x0, x1 in ((1.3, 1.7), (3.3, 3.9), (4.7, 5.1), (6.7, 7.1)):
        arrow(ax, (x0, y), (x1, y))
    box(ax, 8.6, y - 0.35, 3.1, 0.7, "loss = reconstruction error\n(x̂ against x)", "loss", fontsize=9)
    # bottom: VAE
    y = 2.0
    ax.plot([0.3, 11.7], [3.45, 3.45], color="#cccccc", linewidth=1)
    note(ax, 0.3, 3.1, "variational autoencoder: each image becomes a small cloud N(μ, σ²)", fontsize=11,
         weight="bold")
    box(ax, 0.4, y - 0.4, 0.9, 0.8, "x\nimage", "data")
    trapezoid(ax, 1.7, y, 1.6, 1.3, "encoder", narrowing=True)
    box(ax, 3.8, y + 0.1, 0.9, 0.5, "μ", "embed")
    box(ax, 3.8, y - 0.6, 0.9, 0.5, "log σ²", "embed")
    box(ax, 5.2, y - 0.35, 1.6, 0.7, "z = μ + σ · ε", "embed")
    trapezoid(ax, 7.2, y, 1.6, 1.3, "decoder", narrowing=False)
    box(ax, 9.2, y - 0.4, 0.9, 0.8, "x̂\nimage", "data")
    arrow(ax, (1.3, y), (1.7, y))
    arrow(ax, (3.3, y + 0.2), (3.8, y + 0.35))
    arrow(ax, (3.3, y - 0.2), (3.8, y - 0.35))
    arrow(ax, (4.7, y + 0.35), (5.2, y + 0.15))
    arrow(ax, (4.7, y - 0.35), (5.2, y - 0.15))
    arrow(ax, (6.8, y), (7.2, y))
    arrow(ax, (8.8, y), (9.2, y))
    box(ax, 5.45, 0.35, 1.1, 0.5, "ε ~ N(0, I)", "grey", fontsize=9)
    arrow(ax, (6.0, 0.85), (6.0, y - 0.35), colour="#c0392b", dashed=True)
    note(ax, 6.1, 1.25, "noise enters from outside:\nthe reparameterisation trick", fontsize=8.5, colour="#c0392b")
    box(ax, 8.0, 0.2, 3.7, 0.8, "loss = reconstruction error\n+ KL( N(μ, σ²) ‖ N(0, I) )", "loss", fontsize=9)
    note(ax, 10.3, 2.0, "gradients flow back\nthrough μ and σ:\nε is only an input", fontsize=8.5,
         colour="#555555")
    return fig


def clip():
    """Chapter 3: CLIP's two encoders and the N x N similarity matrix its contrastive loss trains."""
    fig, ax = canvas(13.6, 6.9, "CLIP: two encoders, one shared embedding space")
    n, cell, mx, my = 4, 0.8, 8.0, 0.5                # matrix: n x n cells, lower left corner (mx, my)
    top = my + n * cell
    # text path (top) and image path (left)
    for k in range(3):                                 # a small stack: a batch of N
        box(ax, 0.3 + 0.08 * k, 5.0 - 0.08 * k, 1.6, 0.7, "", "data")
        box(ax, 0.3 + 0.08 * k, 1.75 - 0.08 * k, 1.6, 0.7, "", "data")
    note(ax, 1.26, 4.99, "N captions\n'a photo of a 3' ...", ha="center", fontsize=9)
    note(ax, 1.26, 1.74, "N images", ha="center", fontsize=10)
    trapezoid(ax, 2.4, 5.0, 1.8, 1.1, "text encoder", narrowing=True)
    trapezoid(ax, 2.4, 1.75, 1.8, 1.1, "image encoder", narrowing=True)
    arrow(ax, (2.06, 5.0), (2.4, 5.0))
    arrow(ax, (2.06, 1.75), (2.4, 1.75))
    box(ax, 4.5, 4.75, 1.7, 0.5, "project, normalise", "norm", fontsize=9)
    box(ax, 4.5, 1.5, 1.7, 0.5, "project, normalise", "norm", fontsize=9)
    arrow(ax, (4.2, 5.0), (4.5, 5.0))
    arrow(ax, (4.2, 1.75), (4.5, 1.75))
    for j in range(n):                                 # text embeddings head the columns
        box(ax, mx + j * cell + 0.08, top + 0.25, cell - 0.16, 0.45, f"T{j + 1}", "embed", fontsize=9)
    for i in range(n):                                 # image embeddings head the rows
        box(ax, mx - 0.75, top - (i + 1) * cell + 0.1, 0.6, cell - 0.2, f"I{i + 1}", "embed", fontsize=9)
    arrow(ax, (6.2, 5.0), (mx + 0.05, top + 0.48), bend=-0.2)
    arrow(ax, (6.2, 1.75), (mx - 0.75, 1.75))
    for i in range(n):
        for j in range(n):
            x, y = mx + j * cell, top - (i + 1) * cell
            kind = "loss" if i == j else "grey"
            ax.add_patch(Rectangle((x, y), cell, cell, facecolor=COLOURS[kind], edgecolor="#888888"))
            ax.text(x + cell / 2, y + cell / 2, f"I{i + 1}·T{j + 1}", ha="center", va="center", fontsize=8,
                    weight="bold" if i == j else "normal")
    note(ax, mx + n * cell + 0.2, top - 0.5, "similarities\n(dot products / temperature)", fontsize=9)
    note(ax, mx + n * cell + 0.2, my + 1.7, "diagonal: the true pairs.\nCross-entropy along each row\n"
         "(image → its caption) and\neach column (caption → its\nimage) pulls the diagonal up\n"
         "and the rest down.", fontsize=9)
    return fig


# ---------------------------------------------------------------- chapter 4

def unet():
    """Chapter 4: the chapter's UNet2DModel: down and up blocks, skip connections, time and class embedding."""
    fig, ax = canvas(12.5, 8.5, "The chapter's UNet (diffusers' UNet2DModel)")
    lx, rx, w, h = 0.9, 8.6, 3.0, 0.8
    levels = {32: 5.0, 16: 3.5, 8: 2.0}
    down = {32: "conv_in, then DownBlock2D:\nResBlock (c0 channels), downsample",
            16: "DownBlock2D:\nResBlock (c1), downsample",
            8: "AttnDownBlock2D:\nResBlock + self-attention (c2)"}
    up = {8: "AttnUpBlock2D: 2 × (ResBlock +\nself-attention) (c2), upsample",
          16: "UpBlock2D:\n2 × ResBlock (c1), upsample",
          32: "UpBlock2D: 2 × ResBlock (c0),\nGroupNorm, SiLU, conv_out"}
    box(ax, lx, 6.3, w, 0.5, "noisy image x_t  (1 × 32 × 32)", "data", fontsize=9)
    box(ax, rx, 6.3, w, 0.5, "predicted noise ε̂  (1 × 32 × 32)", "data", fontsize=9)
    arrow(ax, (lx + w / 2, 6.3), (lx + w / 2, levels[32] + h))
    arrow(ax, (rx + w / 2, levels[32] + h), (rx + w / 2, 6.3))
    for px, y in levels.items():
        box(ax, lx, y, w, h, down[px], "layer", fontsize=9)
        box(ax, rx, y, w, h, up[px], "layer", fontsize=9)
        note(ax, lx - 0.15, y + h / 2, f"{px} × {px}", ha="right", fontsize=9)
        arrow(ax, (lx + w, y + h / 2), (rx, y + h / 2), "skip: concatenated", colour="#1f6fb4", dashed=True,
              text_offset=(-2.1, 0.15))
    for a, b in ((32, 16), (16, 8)):
        arrow(ax, (lx + w / 2, levels[a]), (lx + w / 2, levels[b] + h))
        arrow(ax, (rx + w / 2, levels[b] + h), (rx + w / 2, levels[a]))
    box(ax, 4.6, 0.45, 3.3, 0.8, "mid block (8 × 8):\nResBlock, self-attention, ResBlock", "attn", fontsize=9)
    ax.plot([lx + w / 2, lx + w / 2], [levels[8], 0.85], color="#333333", linewidth=1.2)
    arrow(ax, (lx + w / 2, 0.85), (4.6, 0.85))
    ax.plot([7.9, rx + w / 2], [0.85, 0.85], color="#333333", linewidth=1.2)
    arrow(ax, (rx + w / 2, 0.85), (rx + w / 2, levels[8]))
    # the conditioning: time step and class label become one vector, added inside every ResBlock
    box(ax, 4.45, 7.55, 1.6, 0.45, "time step t", "data", fontsize=9)
    box(ax, 6.35, 7.55, 1.75, 0.45, "label 0-9, 10 = none", "data", fontsize=9)
    box(ax, 4.45, 6.7, 1.6, 0.6, "sinusoidal\nembedding + MLP", "embed", fontsize=9)
    box(ax, 6.35, 6.7, 1.75, 0.6, "embedding table", "embed", fontsize=9)
    arrow(ax, (5.25, 7.55), (5.25, 7.3))
    arrow(ax, (7.22, 7.55), (7.22, 7.3))
    plus(ax, 6.2, 6.2)
    arrow(ax, (5.25, 6.7), (6.08, 6.28))
    arrow(ax, (7.22, 6.7), (6.32, 6.28))
    for target in ((lx + w, levels[32] + 0.65), (lx + w, levels[16] + 0.65), (rx, levels[32] + 0.65),
                   (rx, levels[16] + 0.65), (6.25, 1.25)):
        arrow(ax, (6.2, 6.06), target, colour="#8e44ad", dashed=True)
    note(ax, 6.35, 2.75, "one vector (4 × c0), added\ninside every ResBlock", fontsize=8.5, colour="#8e44ad")
    note(ax, 0.3, 0.15, "c0, c1, c2 = UNET_CHANNELS from the sizes cell", fontsize=9, colour="#555555")
    return fig


# ---------------------------------------------------------------- the registry

DIAGRAMS = {"transformer_block": transformer_block, "kv_cache": kv_cache, "ae_vs_vae": ae_vs_vae, "clip": clip,
            "unet": unet}


def png_bytes(name: str) -> bytes:
    """The diagram `name` as PNG bytes: 64 colours (a quarter of the size, the same look), and the same
    bytes every time (no date or software stamp)."""
    from PIL import Image

    _check_name(name)
    fig = DIAGRAMS[name]()
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=DPI)
    image = Image.open(buffer).convert("RGB").quantize(colors=64, method=Image.Quantize.MEDIANCUT)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", optimize=True)
    return buffer.getvalue()


# What each diagram shows, in words: the picture's alt text.
DESCRIPTIONS = {
    "transformer_block": (
        "Our GPT-2-style model: token and position embeddings feed N pre-norm blocks, each adding attention "
        "of the normed stream and then an MLP of the normed stream back onto it, followed by a final "
        "LayerNorm and a linear head that gives the logits."
    ),
    "kv_cache": (
        "At generation step t the new token's query attends over the cached keys and values of all earlier "
        "tokens, to which its own key and value are appended; and grouped-query attention, where 9 query "
        "heads in 3 groups share 3 key/value heads, so the cache holds 3 heads instead of 9."
    ),
    "ae_vs_vae": (
        "Top: an autoencoder maps x through the encoder to one code z and the decoder to x-hat, trained on "
        "reconstruction; bottom: a VAE's encoder outputs mu and log sigma squared, z = mu + sigma * eps with "
        "eps drawn from N(0, I) outside the network, and the loss adds KL(N(mu, sigma^2) || N(0, I)) to the "
        "reconstruction."
    ),
    "clip": (
        "CLIP: a batch of N images goes through the image encoder and N captions through the text encoder; "
        "both sets of embeddings are normalised and multiplied into an N x N similarity matrix whose diagonal"
        " holds the matching pairs, with cross-entropy taken along its rows and its columns."
    ),
    "unet": (
        "The UNet2DModel of this chapter: the noisy image goes down through three levels (32, 16 and 8 px; "
        "c0, c1, c2 channels, the lowest with self-attention), through a middle block, and back up; a skip "
        "connection carries each level's features across to the decoder. The time step's sinusoidal embedding"
        " (through a small MLP) plus the label's embedding form one vector that every residual block adds in."
    ),
}


def _check_name(name: str) -> None:
    if name not in DIAGRAMS:
        raise ValueError(f"no diagram called {name!r}; the diagrams are: {', '.join(DIAGRAMS)}")


def show_diagram(name: str) -> None:
    """Display the diagram `name` (one of ``DIAGRAMS``) in the notebook; its description is the text form.

    The output is a plain mime bundle (PNG + text), which every notebook front end and IPython version shows.
    """
    import base64

    from IPython.display import display

    _check_name(name)
    png = base64.b64encode(png_bytes(name)).decode("ascii")
    display({"image/png": png, "text/plain": DESCRIPTIONS[name]}, raw=True)
