"""Audio helpers: validate sample rates, load, check and convert to mono, resample, play, save, plot."""

from __future__ import annotations

import math
import wave
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from .display import _as_numpy

if TYPE_CHECKING:
    from IPython.display import Audio
    from matplotlib.figure import Figure

MIN_SAMPLE_RATE = 1_000
MAX_SAMPLE_RATE = 768_000


def check_sample_rate(sample_rate: int, expected: int | None = None) -> int:
    """Validate a sample rate in Hz and return it as an int.

    Args:
        sample_rate: an int (NumPy ints allowed, bool not) in [1000, 768000].
        expected: if given, the rate the model needs; a different rate is an error.

    Raises:
        ValueError: not an int, out of range, or not equal to ``expected``.
    """
    if isinstance(sample_rate, bool) or not isinstance(sample_rate, (int, np.integer)):
        raise ValueError(
            f"sample_rate must be an int number of Hz (e.g. 16000), got {sample_rate!r} "
            f"({type(sample_rate).__name__}); use int(sample_rate) if it is a whole number."
        )
    if not MIN_SAMPLE_RATE <= sample_rate <= MAX_SAMPLE_RATE:
        raise ValueError(
            f"sample_rate {sample_rate} Hz is outside [{MIN_SAMPLE_RATE}, {MAX_SAMPLE_RATE}] Hz; "
            "did you swap the waveform and sample_rate arguments?"
        )
    if expected is not None:
        expected = check_sample_rate(expected)
        if sample_rate != expected:
            raise ValueError(
                f"this model expects {expected} Hz audio but got {sample_rate} Hz: resample first "
                f"with utils.resample(waveform, {sample_rate}, {expected})"
            )
    return int(sample_rate)


def to_mono_numpy(waveform: Any) -> np.ndarray:
    """Return ``waveform`` as a 1-D float32 mono NumPy array.

    Accepts a torch tensor, NumPy array or list shaped (samples,), (channels, samples) or
    (1, channels, samples); channels are averaged. A 2-D array with more rows than
    columns is read as (samples, channels), as returned by e.g. soundfile. int16/int32
    PCM is scaled to [-1, 1].
    """
    arr = _as_numpy(waveform)
    if arr.dtype in (np.int16, np.int32):
        arr = arr / float(np.iinfo(arr.dtype).max + 1)
    if not (np.issubdtype(arr.dtype, np.number) or arr.dtype == np.bool_) or np.iscomplexobj(arr):
        raise TypeError(f"waveform must hold real numbers, got dtype {arr.dtype}.")
    arr = arr.astype(np.float32)
    if arr.size == 0:
        raise ValueError(f"waveform is empty (shape {arr.shape}); check how the audio was loaded.")
    if arr.ndim == 3:
        if arr.shape[0] != 1:
            raise ValueError(
                f"waveform of shape {arr.shape} looks like a batch of {arr.shape[0]} clips; "
                "pass one clip."
            )
        arr = arr[0]
    if arr.ndim == 0 or arr.ndim > 3:
        raise ValueError(
            f"waveform must have shape (samples,), (channels, samples) or (1, channels, samples), "
            f"got shape {arr.shape}."
        )
    if arr.ndim == 2:
        if arr.shape[0] > arr.shape[1]:
            arr = arr.T  # (samples, channels) -> (channels, samples)
        arr = arr.mean(axis=0)
    if not np.isfinite(arr).all():
        raise ValueError("waveform contains NaN or inf values; check the model output.")
    return arr


def load_audio(source: str | Path | bytes) -> tuple[np.ndarray, int]:
    """Read a WAV, FLAC or OGG file (a path, or the file's bytes) with soundfile: no FFmpeg needed.

    Returns ``(waveform, sample_rate)``: float32 in [-1, 1], shaped (samples,) for mono and
    (channels, samples) otherwise. Raises ValueError for a file with no samples.
    """
    import io

    import soundfile as sf

    if isinstance(source, (bytes, bytearray)):
        if not source:
            raise ValueError("the audio bytes are empty; check how the file was read.")
        source = io.BytesIO(source)
    elif not Path(source).is_file():
        raise FileNotFoundError(f"no audio file at {source}")
    data, sample_rate = sf.read(source, dtype="float32", always_2d=True)
    if data.shape[0] == 0:
        raise ValueError("the audio file holds no samples (0 s); record or pick another file.")
    data = data.T  # (channels, samples)
    return (data[0] if data.shape[0] == 1 else data), int(sample_rate)


def check_mono(waveform: Any, sample_rate: int, expected_rate: int | None = None) -> np.ndarray:
    """Check that ``waveform`` is one non-empty mono clip at ``expected_rate`` Hz; return it as float32.

    Unlike ``to_mono_numpy``, several channels are an error (a speech model wants one voice track:
    choose or mix the channels yourself), as are an empty clip and a wrong sample rate.
    """
    check_sample_rate(sample_rate, expected_rate)
    arr = _as_numpy(waveform)
    if arr.ndim == 2 and 1 in arr.shape:
        arr = arr.reshape(-1)
    if arr.ndim != 1:
        raise ValueError(
            f"expected one mono clip shaped (samples,), got shape {tuple(arr.shape)}: for stereo, mix the "
            "channels with utils.to_mono_numpy(waveform) or pick one with waveform[0]."
        )
    if arr.size == 0:
        raise ValueError("the clip is empty (0 samples); check the recording or the slice you took.")
    return to_mono_numpy(arr)


def resample(waveform: Any, orig_sr: int, target_sr: int) -> np.ndarray:
    """Resample to ``target_sr`` Hz with ``scipy.signal.resample_poly``; returns mono float32."""
    from scipy.signal import resample_poly

    orig_sr, target_sr = check_sample_rate(orig_sr), check_sample_rate(target_sr)
    mono = to_mono_numpy(waveform)
    if orig_sr == target_sr:
        return mono.copy()
    g = math.gcd(orig_sr, target_sr)
    return resample_poly(mono, target_sr // g, orig_sr // g).astype(np.float32)


def play_audio(waveform: Any, sample_rate: int, *, normalize: bool = True) -> Audio:
    """Return an ``IPython.display.Audio`` player (mono) for the notebook to display.

    With ``normalize=False`` values must lie in [-1, 1].
    """
    from IPython.display import Audio

    sample_rate = check_sample_rate(sample_rate)
    mono = to_mono_numpy(waveform)
    peak = float(np.abs(mono).max())
    if not normalize and peak > 1:
        raise ValueError(
            f"waveform peaks at {peak:.3g} > 1; pass normalize=True or scale it into [-1, 1]."
        )
    return Audio(mono, rate=sample_rate, normalize=normalize and peak > 0)


def save_wav(path: str | Path, waveform: Any, sample_rate: int) -> Path:
    """Save as a 16-bit PCM mono WAV file (values clipped to [-1, 1]); returns the path."""
    sample_rate = check_sample_rate(sample_rate)
    mono = to_mono_numpy(waveform)
    pcm = np.round(np.clip(mono, -1.0, 1.0) * 32767).astype("<i2")
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with wave.open(str(path), "wb") as f:
        f.setnchannels(1)
        f.setsampwidth(2)
        f.setframerate(sample_rate)
        f.writeframes(pcm.tobytes())
    return path


def plot_waveform(
    waveform: Any, sample_rate: int, *, title: str | None = None, spectrogram: bool = True
) -> Figure:
    """Plot the waveform against time in seconds and, optionally, a spectrogram below it.

    The spectrogram is left out for clips shorter than 32 samples.
    """
    import matplotlib.pyplot as plt

    sample_rate = check_sample_rate(sample_rate)
    mono = to_mono_numpy(waveform)
    times = np.arange(mono.size) / sample_rate
    spectrogram = spectrogram and mono.size >= 32
    nrows = 2 if spectrogram else 1
    fig, axes = plt.subplots(nrows, 1, figsize=(8, 2.5 * nrows), sharex=True, squeeze=False)
    ax = axes[0, 0]
    ax.plot(times, mono, linewidth=0.6)
    ax.set_ylabel("amplitude")
    if title:
        ax.set_title(title)
    if spectrogram:
        spec_ax = axes[1, 0]
        nfft = min(1024, 2 ** int(math.log2(max(mono.size - 1, 1))))  # < signal length
        with np.errstate(divide="ignore"):  # silent stretches give log10(0)
            spec_ax.specgram(mono, NFFT=nfft, Fs=sample_rate, noverlap=nfft // 2, cmap="magma")
        spec_ax.set_ylabel("frequency (Hz)")
    ax.set_xlim(0, mono.size / sample_rate)
    axes[-1, 0].set_xlabel("time (s)")
    fig.tight_layout()
    return fig
