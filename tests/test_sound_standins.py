"""The text-to-speech and text-to-audio stand-ins load like the real repos and give audio at the real rates."""
import numpy as np
import torch


def test_mms_tts_standin_speaks_16_khz_through_the_pipeline():
    from transformers import AutoTokenizer, pipeline

    tokenizer = AutoTokenizer.from_pretrained("facebook/mms-tts-eng")
    ids = tokenizer("hello")["input_ids"]
    assert len(ids) == 2 * len("hello") + 1 and ids[0::2] == [tokenizer.pad_token_id] * 6   # blanks between letters
    out = pipeline("text-to-speech", model="facebook/mms-tts-eng")("Hello there, this is a test.")
    audio = np.squeeze(out["audio"])
    assert out["sampling_rate"] == 16000 and audio.ndim == 1 and audio.size % 256 == 0 and audio.size > 0


def test_audioldm2_standin_gives_the_asked_for_length_at_16_khz():
    from diffusers import AudioLDM2Pipeline

    pipe = AudioLDM2Pipeline.from_pretrained("cvssp/audioldm2")
    pipe.set_progress_bar_config(disable=True)
    assert pipe.vocoder.config.sampling_rate == 16000 and pipe.vocoder.config.model_in_dim == 64
    audios = pipe("a door creaks", negative_prompt="low quality", num_inference_steps=2, audio_length_in_s=2.0,
                  generator=torch.Generator().manual_seed(0)).audios
    assert audios.shape == (1, 32000) and np.isfinite(audios).all()
