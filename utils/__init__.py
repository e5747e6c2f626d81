"""Shared helpers for the course notebooks (CPU, CUDA or Apple MPS).

- ``utils.config``: ``QUICK_ENV_VAR``, ``is_quick_mode``, ``pick`` (quick vs full workloads).
- ``utils.device``: ``DEVICE_ENV_VAR``, ``DTYPE_ENV_VAR``, ``get_device``, ``get_dtype``, ``tolerance``,
  ``describe_device``.
- ``utils.seed``: ``set_seed``, ``make_generator``.
- ``utils.display``: ``to_numpy_image``, ``to_pil``, ``show_images``, ``plot_curves``,
  ``plot_bars``.
- ``utils.audio``: ``check_sample_rate``, ``load_audio``, ``check_mono``, ``to_mono_numpy``, ``resample``, ``play_audio``,
  ``save_wav``, ``plot_waveform``.
- ``utils.profiling``: ``Measurement``, ``measure``, ``process_peak_memory_bytes``, ``format_bytes``, ``model_size_bytes``,
  ``free_memory``, ``projected_cost``.
- ``utils.files``: ``COURSE_ROOT``, ``course_path`` (files that ship with the course, e.g. trained models).
- ``utils.digits``: ``mnist_to_tensors``, ``DigitClassifier``, ``frechet_distance`` (judging generated MNIST digits).
- ``utils.images``: ``image_size``, ``check_image_and_mask`` (pictures and inpainting masks, with clear errors).
- ``utils.diagrams``: ``show_diagram`` (the drawn diagrams of chapters 2-4).
"""

from .audio import check_mono, check_sample_rate, load_audio, play_audio, plot_waveform, resample, save_wav, to_mono_numpy
from .config import QUICK_ENV_VAR, is_quick_mode, pick
from .digits import DigitClassifier, frechet_distance, mnist_to_tensors
from .diagrams import show_diagram
from .device import DEVICE_ENV_VAR, DTYPE_ENV_VAR, describe_device, get_device, get_dtype, tolerance
from .display import plot_bars, plot_curves, show_images, to_numpy_image, to_pil
from .files import COURSE_ROOT, course_path
from .images import check_image_and_mask, image_size
from .profiling import (Measurement, format_bytes, free_memory, measure, model_size_bytes, process_peak_memory_bytes,
                        projected_cost)
from .seed import make_generator, set_seed

__all__ = [
    "QUICK_ENV_VAR",
    "is_quick_mode",
    "pick",
    "DEVICE_ENV_VAR",
    "DTYPE_ENV_VAR",
    "tolerance",
    "get_device",
    "get_dtype",
    "describe_device",
    "set_seed",
    "make_generator",
    "to_numpy_image",
    "to_pil",
    "show_images",
    "plot_curves",
    "plot_bars",
    "check_sample_rate",
    "load_audio",
    "check_mono",
    "to_mono_numpy",
    "resample",
    "play_audio",
    "save_wav",
    "plot_waveform",
    "Measurement",
    "measure",
    "process_peak_memory_bytes",
    "format_bytes",
    "model_size_bytes",
    "free_memory",
    "projected_cost",
    "COURSE_ROOT",
    "course_path",
    "DigitClassifier",
    "frechet_distance",
    "mnist_to_tensors",
    "image_size",
    "check_image_and_mask",
    "show_diagram",
]
