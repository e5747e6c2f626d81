"""The MMS-TTS and AudioLDM 2 stand-ins, loaded offline from the built cache the way chapter 9 and its readers
load the real repos: the model classes directly, the text-to-speech pipeline, and AudioLDM2Pipeline with its
default guidance. Checks shapes, sampling rates and the settings copied from the real repos.
"""
import json

import numpy as np
import pytest
import torch


@pytest.fixture(scope="module")
def audioldm2():
    from diffusers import AudioLDM2Pipeline
    from transformers import GPT2LMHeadModel

    # as chapter 9 loads it: the repo's GPT2Model weights into the class diffusers 0.42.1 generates with
    language_model = GPT2LMHeadModel.from_pretrained("cvssp/audioldm2", subfolder="language_model")
    pipe = AudioLDM2Pipeline.from_pretrained("cvssp/audioldm2", language_model=language_model)
    pipe.set_progress_bar_config(disable=True)
    return pipe


def test_mms_tts_speaks_16_khz_through_the_pipeline():
    from transformers import pipeline

    out = pipeline("text-to-speech", model="facebook/mms-tts-eng")("Hello there, this is a test.")
    audio = np.squeeze(out["audio"])
    assert out["sampling_rate"] == 16000 and audio.ndim == 1 and audio.size % 256 == 0 and audio.size > 0


def test_mms_tts_loads_as_vits_model_and_tokenizer_with_the_real_settings():
    from huggingface_hub import hf_hub_download
    from transformers import AutoTokenizer, VitsModel, VitsTokenizer

    tokenizer = AutoTokenizer.from_pretrained("facebook/mms-tts-eng")
    model = VitsModel.from_pretrained("facebook/mms-tts-eng")
    assert isinstance(tokenizer, VitsTokenizer)
    assert tokenizer.add_blank and tokenizer.normalize and not tokenizer.phonemize
    vocab = json.loads(open(hf_hub_download("facebook/mms-tts-eng", "vocab.json"), encoding="utf-8").read())
    assert set("abcdefghijklmnopqrstuvwxyz '-") <= set(vocab) and len(vocab) == model.config.vocab_size == 38
    assert model.config.sampling_rate == 16000

    inputs = tokenizer("Hello, World! It's 2 o'clock.", return_tensors="pt")
    assert int(inputs["input_ids"].max()) < model.config.vocab_size   # characters outside the vocabulary are dropped
    torch.manual_seed(0)
    with torch.no_grad():
        waveform = model(**inputs).waveform
    assert waveform.ndim == 2 and waveform.shape[0] == 1 and waveform.shape[1] > 0
    assert waveform.shape[1] % 256 == 0 and torch.isfinite(waveform).all()   # whole 256-sample frames


def test_audioldm2_has_the_real_layout_scheduler_and_audio_settings(audioldm2):
    from diffusers import DDIMScheduler

    pipe = audioldm2
    assert {"text_encoder", "text_encoder_2", "projection_model", "language_model", "unet", "vae", "vocoder",
            "tokenizer", "tokenizer_2", "feature_extractor", "scheduler"} <= set(pipe.components)
    assert type(pipe.text_encoder).__name__ == "ClapModel" and type(pipe.text_encoder_2).__name__ == "T5EncoderModel"
    from huggingface_hub import hf_hub_download
    index = json.loads(open(hf_hub_download("cvssp/audioldm2", "model_index.json")).read())
    assert index["language_model"] == ["transformers", "GPT2Model"]   # as the real repo stores it
    assert isinstance(pipe.scheduler, DDIMScheduler)
    cfg = pipe.scheduler.config
    assert (cfg.beta_start, cfg.beta_end, cfg.beta_schedule, cfg.num_train_timesteps) == (0.0015, 0.0195, "scaled_linear", 1000)
    assert (cfg.prediction_type, cfg.clip_sample, cfg.set_alpha_to_one, cfg.steps_offset) == ("epsilon", False, False, 1)
    assert pipe.tokenizer.model_max_length == 512 and pipe.tokenizer_2.model_max_length == 128
    voc = pipe.vocoder.config
    assert voc.sampling_rate == 16000 and voc.model_in_dim == 64 and int(np.prod(voc.upsample_rates)) == 160
    assert pipe.vae_scale_factor == 4 and pipe.unet.config.in_channels == pipe.vae.config.latent_channels == 8


def test_audioldm2_two_seconds_with_default_guidance_is_32000_samples(audioldm2):
    audios = audioldm2("Techno music with a strong, upbeat tempo", num_inference_steps=5, audio_length_in_s=2.0,
                       num_waveforms_per_prompt=1, generator=torch.Generator().manual_seed(0)).audios
    assert audios.shape == (1, 32000) and np.isfinite(audios).all()
    again = audioldm2("Techno music with a strong, upbeat tempo", num_inference_steps=5, audio_length_in_s=2.0,
                      generator=torch.Generator().manual_seed(0)).audios
    np.testing.assert_allclose(audios, again, atol=1e-6)   # seeded: the same sound twice
