"""scripts/train_dreambooth.py (chapter 7): DreamBooth on the course's small Stable Diffusion (data/), with
LoRA or the whole UNet, with and without prior preservation; 2 data-parallel CPU processes through
`accelerate launch`; the saved weights load back with diffusers' own calls; bad input stops with a message
that says what to do. The subject pictures are four real MNIST sevens from the offline cache."""
import json
import os
import runpy
import socket
import subprocess
import sys
from pathlib import Path

import pytest
import torch

from utils import course_path

SCRIPT = Path(__file__).resolve().parents[1] / "scripts" / "train_dreambooth.py"
BASE = str(course_path("data/tiny-sd-mnist", must_exist=False))
PROMPT, CLASS_PROMPT = "a sks seven", "a handwritten seven"


@pytest.fixture(scope="module")
def instance_dir(tmp_path_factory) -> Path:
    from datasets import load_dataset

    folder = tmp_path_factory.mktemp("sevens")
    sevens = [row["image"] for row in load_dataset("ylecun/mnist", split="train").select(range(200)) if row["label"] == 7]
    for i, image in enumerate(sevens[:4]):
        image.save(folder / f"seven_{i}.png")
    return folder


@pytest.fixture(scope="module")
def script_main():
    return runpy.run_path(str(SCRIPT))["main"]


@pytest.fixture(scope="module")
def pipe():
    from diffusers import StableDiffusionPipeline

    pipe = StableDiffusionPipeline.from_pretrained(BASE, safety_checker=None, requires_safety_checker=False)
    pipe.set_progress_bar_config(disable=True)
    return pipe


def draw(pipe) -> torch.Tensor:
    return torch.from_numpy(pipe(PROMPT, num_inference_steps=4, generator=torch.Generator().manual_seed(0),
                                 output_type="np").images)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def two_process_lora(instance_dir, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("lora")
    command = [sys.executable, "-m", "accelerate.commands.launch", "--multi_gpu", "--num_processes", "2",
               "--num_machines", "1", "--mixed_precision", "no", "--dynamo_backend", "no",
               "--main_process_port", str(free_port()), str(SCRIPT), "--base", BASE,
               "--instance-dir", str(instance_dir), "--instance-prompt", PROMPT, "--class-prompt", CLASS_PROMPT,
               "--prior-preservation", "--num-class-images", "8", "--class-guidance", "4", "--train-text-encoder",
               "--lora-rank", "4", "--steps", "3",
               "--batch-size", "2", "--lr", "1e-3", "--out", str(out)]
    env = {**os.environ, "ACCELERATE_USE_CPU": "1", "OMP_NUM_THREADS": "1"}
    result = subprocess.run(command, env=env, text=True, capture_output=True, timeout=600)
    assert result.returncode == 0, f"the 2-process run failed:\n{result.stderr[-4000:]}"
    return out


def test_two_processes_with_prior_preservation(two_process_lora):
    results = json.loads((two_process_lora / "results.json").read_text())
    assert results["num_processes"] == 2 and results["prior_preservation"] and results["lora_rank"] == 4
    assert results["train_text_encoder"] and results["class_guidance"] == 4
    assert len(results["peak_memory_bytes"]) == 2 and all(b > 0 for b in results["peak_memory_bytes"])
    assert len(results["losses"]) == 3 and all(0 < loss < 10 for step in results["losses"] for loss in step)
    assert len(list((two_process_lora / "class_images").glob("*.png"))) == 8  # the prior, drawn once
    assert 0 < results["trainable_params"] < 200_000  # adapters only: the UNet has 4.2 M weights


def test_lora_file_loads_into_the_pipeline(two_process_lora, pipe):
    """load_lora_weights reads the saved file (UNet and text-encoder adapters) and changes the pictures;
    unloading restores the base model."""
    from safetensors.torch import load_file

    keys = load_file(two_process_lora / "pytorch_lora_weights.safetensors").keys()
    assert any(k.startswith("unet.") for k in keys) and any(k.startswith("text_encoder.") for k in keys)
    before = draw(pipe)
    pipe.load_lora_weights(str(two_process_lora))
    try:
        with_lora = draw(pipe)
    finally:
        pipe.unload_lora_weights()
    assert (with_lora - before).abs().max() > 1e-3
    assert torch.equal(draw(pipe), before)


def test_whole_unet_in_this_process(script_main, instance_dir, tmp_path):
    """--lora-rank 0 trains and saves every UNet weight, in diffusers' format."""
    from diffusers import UNet2DConditionModel

    results = script_main(["--base", BASE, "--instance-dir", str(instance_dir), "--instance-prompt", PROMPT,
                           "--lora-rank", "0", "--steps", "2", "--batch-size", "2", "--lr", "1e-4",
                           "--out", str(tmp_path)])
    base = UNet2DConditionModel.from_pretrained(BASE, subfolder="unet")
    trained = UNet2DConditionModel.from_pretrained(tmp_path / "unet")
    assert results["trainable_params"] == sum(p.numel() for p in base.parameters())
    changed = [not torch.equal(a, b) for a, b in zip(base.parameters(), trained.parameters())]
    assert sum(changed) > 0.9 * len(changed), "most UNet tensors should have been updated"


def test_text_encoder_trains_too(script_main, instance_dir, tmp_path):
    """--train-text-encoder with --lora-rank 0 saves a changed text encoder beside the UNet."""
    from transformers import CLIPTextModel

    script_main(["--base", BASE, "--instance-dir", str(instance_dir), "--instance-prompt", PROMPT, "--lora-rank", "0",
                 "--train-text-encoder", "--steps", "2", "--batch-size", "2", "--lr", "1e-4", "--out", str(tmp_path)])
    base = CLIPTextModel.from_pretrained(BASE, subfolder="text_encoder")
    trained = CLIPTextModel.from_pretrained(tmp_path / "text_encoder")
    changed = [not torch.equal(a, b) for a, b in zip(base.parameters(), trained.parameters())]
    assert sum(changed) > 0.5 * len(changed), "the text encoder should have been updated"


@pytest.mark.parametrize("args, message", [
    (["--steps", "0"], "must be at least 1"),
    (["--prior-preservation"], "--prior-preservation needs --class-prompt"),
    (["--resolution", "30"], "must be a multiple of 8"),
])
def test_bad_arguments_fail_clearly(script_main, instance_dir, tmp_path, capsys, args, message):
    with pytest.raises(SystemExit) as stop:
        script_main(["--base", BASE, "--instance-dir", str(instance_dir), "--instance-prompt", PROMPT,
                     "--out", str(tmp_path), *args])
    assert message in str(stop.value)


def test_empty_instance_folder_fails_clearly(script_main, tmp_path):
    (tmp_path / "photos").mkdir()
    with pytest.raises(SystemExit) as stop:
        script_main(["--base", BASE, "--instance-dir", str(tmp_path / "photos"), "--instance-prompt", PROMPT,
                     "--out", str(tmp_path / "out")])
    assert "no pictures" in str(stop.value) and "put 3-10 pictures" in str(stop.value)
