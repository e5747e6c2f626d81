"""The small Stable Diffusion that ships in data/ (trained by chapter 5, rebuilt by
scripts/ship_tiny_sd.py): it loads with diffusers' own classes and, with its real weights, draws the
digit asked for from caption phrasings that training never used."""
import json
import sys
from pathlib import Path

import pytest
import torch

from utils import DigitClassifier, course_path, mnist_to_tensors, pick

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))
from notebook_code import notebook_definitions  # noqa: E402

PIPELINE, JUDGE = course_path("data/tiny-sd-mnist", must_exist=False), course_path("data/mnist-judge", must_exist=False)
ACCURACY_TARGET = 0.9          # the chapter's target at its recommended guidance scale
PER_DIGIT = 20                 # 200 samples: every digit with every held-out phrasing, 5 times


@pytest.fixture(scope="module")
def chapter():
    """The chapter's own caption templates and guidance scale (no second copy of them here)."""
    return notebook_definitions("05_stable_diffusion.ipynb",
                                {"WORDS", "HELD_OUT_TEMPLATES", "TRAIN_TEMPLATES", "RECOMMENDED_GUIDANCE", "caption"},
                                {"pick": pick})


@pytest.fixture(scope="module")
def pipe():
    from diffusers import StableDiffusionPipeline

    assert PIPELINE.is_dir(), f"{PIPELINE} is missing: rebuild it with scripts/ship_tiny_sd.py"
    pipe = StableDiffusionPipeline.from_pretrained(PIPELINE)
    pipe.set_progress_bar_config(disable=True)
    return pipe


@pytest.fixture(scope="module")
def judge():
    from datasets import load_dataset
    from safetensors.torch import load_file

    model = DigitClassifier()
    model.load_state_dict(load_file(JUDGE / "model.safetensors"))
    x, y = mnist_to_tensors(load_dataset("ylecun/mnist", split="test"))
    accuracy = (model.predict(x)[0] == y).float().mean().item()
    assert accuracy >= 0.98, f"the shipped judge is right on only {accuracy:.1%} of real test digits"
    return model


def test_layout_size_and_formats():
    files = [p for p in list(PIPELINE.rglob("*")) + list(JUDGE.rglob("*")) if p.is_file()]
    total_mb = sum(p.stat().st_size for p in files) / 1e6
    assert total_mb <= 25, f"shipped models take {total_mb:.1f} MB; the limit is 25 MB"
    weights = [p for p in files if p.suffix in (".bin", ".pt", ".pth", ".ckpt", ".safetensors")]
    assert weights and all(p.suffix == ".safetensors" for p in weights), "weights ship as safetensors only"
    index = json.loads((PIPELINE / "model_index.json").read_text())
    assert index["_class_name"] == "StableDiffusionPipeline" and index["safety_checker"] == [None, None]
    results = json.loads((PIPELINE / "results.json").read_text())
    assert results["quick_mode"] is False, "the shipped model must come from a full-mode run"


def test_held_out_phrasings_reach_the_accuracy_target(pipe, judge, chapter):
    labels = torch.arange(10).repeat(PER_DIGIT)
    templates = chapter["HELD_OUT_TEMPLATES"]
    prompts = [chapter["caption"](templates[(i // 10) % len(templates)], int(d)) for i, d in enumerate(labels)]
    assert not set(prompts) & {chapter["caption"](t, d) for t in chapter["TRAIN_TEMPLATES"] for d in range(10)}
    images = pipe(prompts, guidance_scale=chapter["RECOMMENDED_GUIDANCE"], num_inference_steps=25,
                  generator=torch.Generator().manual_seed(0), output_type="pt").images
    assert images.shape == (len(prompts), 1, 32, 32)
    predicted = judge.predict(images * 2 - 1)[0]
    accuracy = (predicted == labels).float().mean().item()
    per_digit = [(predicted[labels == d] == d).float().mean().item() for d in range(10)]
    print(f"shipped model: {accuracy:.1%} on {len(prompts)} held-out prompts; per digit {per_digit}")
    assert accuracy >= ACCURACY_TARGET, f"{accuracy:.1%} < {ACCURACY_TARGET:.0%}; per digit {per_digit}"


def test_img2img_and_inpainting_run_it(pipe):
    from diffusers import StableDiffusionImg2ImgPipeline, StableDiffusionInpaintPipeline
    from PIL import Image

    start = Image.new("L", (32, 32), 0)
    mask = Image.new("L", (32, 32), 0)
    mask.paste(255, (0, 16, 32, 32))
    for cls, extra in [(StableDiffusionImg2ImgPipeline, {"strength": 0.6}),
                       (StableDiffusionInpaintPipeline, {"mask_image": mask})]:
        out = cls.from_pipe(pipe)("a handwritten seven", image=start, num_inference_steps=4,
                                  generator=torch.Generator().manual_seed(0), **extra).images[0]
        assert out.size == (32, 32), cls.__name__
