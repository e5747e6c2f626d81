"""An independent judge for generated MNIST digits: a small CNN classifier and a Fréchet distance
on its features (used by the chapters that generate digits, and by the tests of shipped models)."""

from __future__ import annotations

import numpy as np
import scipy.linalg
import torch
from torch import nn

FEATURE_DIM = 64


def mnist_to_tensors(split) -> tuple[torch.Tensor, torch.Tensor]:
    """An MNIST split (``datasets`` rows with ``image`` and ``label``) -> images [N, 1, 32, 32] in [-1, 1]
    (28x28 digits padded with 2 pixels of background, the format the judge takes) and labels [N]."""
    if len(split["label"]) == 0:
        raise ValueError("the MNIST split is empty; load it with load_dataset('ylecun/mnist') and pick 'train' or 'test'.")
    pixels = np.stack([np.asarray(image, dtype=np.uint8) for image in split["image"]])
    if pixels.shape[1:] != (28, 28):
        raise ValueError(f"expected 28x28 MNIST digits, got images of shape {pixels.shape[1:]}.")
    x = torch.from_numpy(pixels).float() / 127.5 - 1.0
    return nn.functional.pad(x, (2, 2, 2, 2), value=-1.0).unsqueeze(1), torch.tensor(split["label"])


class DigitClassifier(nn.Module):
    """A CNN for 32x32 one-channel digits in [-1, 1] (MNIST padded by 2 pixels).

    ``features(x)`` gives the 64 numbers per image that Fréchet distances compare; ``forward(x)``
    gives the 10 class logits.
    """

    def __init__(self) -> None:
        super().__init__()

        def block(c_in: int, c_out: int) -> list[nn.Module]:
            return [nn.Conv2d(c_in, c_out, 3, padding=1), nn.BatchNorm2d(c_out), nn.ReLU()]

        self.features = nn.Sequential(
            *block(1, 32), *block(32, 32), nn.MaxPool2d(2),          # 16 px
            *block(32, 64), *block(64, 64), nn.MaxPool2d(2),         # 8 px
            nn.Flatten(), nn.Dropout(0.3), nn.Linear(64 * 8 * 8, FEATURE_DIM),
        )
        self.head = nn.Sequential(nn.ReLU(), nn.Linear(FEATURE_DIM, 10))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if x.ndim != 4 or tuple(x.shape[1:]) != (1, 32, 32):
            raise ValueError(
                f"DigitClassifier takes images of shape [N, 1, 32, 32] in [-1, 1], got {tuple(x.shape)}; "
                "pad 28x28 MNIST digits by 2 pixels and convert RGB to one channel first."
            )
        return self.head(self.features(x))

    @torch.no_grad()
    def predict(self, x: torch.Tensor, batch_size: int = 500) -> tuple[torch.Tensor, np.ndarray]:
        """(predicted digits [N] on the CPU, features [N, 64] as float64 NumPy) for images in [-1, 1]."""
        if len(x) == 0:
            raise ValueError("predict() got no images; pass a tensor of shape [N, 1, 32, 32] with N >= 1.")
        self.eval()
        device = next(self.parameters()).device
        preds, feats = [], []
        for chunk in x.split(batch_size):
            f = self.features(chunk.to(device=device, dtype=torch.float32))
            preds.append(self.head(f).argmax(1).cpu())
            feats.append(f.double().cpu())
        return torch.cat(preds), torch.cat(feats).numpy()


def frechet_distance(feats_a: np.ndarray, feats_b: np.ndarray) -> float:
    """Fréchet distance between Gaussians fitted to two feature sets [N, D] (the idea behind FID):
    ||mu_a - mu_b||^2 + tr(S_a + S_b - 2 (S_a S_b)^(1/2)). Zero means the same mean and covariance."""
    feats_a, feats_b = np.asarray(feats_a, dtype=np.float64), np.asarray(feats_b, dtype=np.float64)
    if feats_a.ndim != 2 or feats_b.ndim != 2 or feats_a.shape[1] != feats_b.shape[1]:
        raise ValueError(f"need two [N, D] feature arrays with the same D, got {feats_a.shape} and {feats_b.shape}.")
    if min(len(feats_a), len(feats_b)) < 2:
        raise ValueError("each feature set needs at least 2 rows to estimate a covariance.")
    mu_a, mu_b = feats_a.mean(0), feats_b.mean(0)
    cov_a, cov_b = np.cov(feats_a, rowvar=False), np.cov(feats_b, rowvar=False)
    cov_sqrt = scipy.linalg.sqrtm(cov_a @ cov_b).real
    return float(((mu_a - mu_b) ** 2).sum() + np.trace(cov_a + cov_b - 2 * cov_sqrt))
