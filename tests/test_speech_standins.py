"""The speech stand-ins are real: Whisper base's weights (read back from CTranslate2), the Piper voice and
the recordings. Run offline against the cache that conftest.py builds."""
import numpy as np
import pytest


@pytest.fixture(scope="module")
def first_recording():
    from datasets import Audio, load_dataset

    from utils import load_audio, resample

    speech = load_dataset("hf-internal-testing/librispeech_asr_dummy", "clean", split="validation")
    assert len(speech) == 73 and set(speech.column_names) == {"file", "audio", "text", "speaker_id", "chapter_id", "id"}
    row = speech.cast_column("audio", Audio(decode=False))[0]
    waveform, rate = load_audio(row["audio"]["bytes"])
    return resample(waveform, rate, 16000), row["text"]


def words(text):
    return "".join(c for c in text.lower().replace("mr.", "mister") if c.isalpha() or c == " ").split()


def test_ctranslate2_reader_and_whisper_conversion():
    from tests.harness.standins.speech import _join_model_bin, read_ctranslate2, whisper_ct2_files, whisper_state_dict
    import tempfile
    from pathlib import Path

    with tempfile.TemporaryDirectory() as tmp:
        variables = read_ctranslate2(_join_model_bin(whisper_ct2_files(), Path(tmp) / "model.bin"))
        assert variables["decoder/embeddings/weight"].shape == (51865, 512)
        assert variables["decoder/projection/weight"] is variables["decoder/embeddings/weight"]  # an alias
        sd = whisper_state_dict(variables, 6)
    assert len(sd) == 246 and sd["model.encoder.conv1.weight"].shape == (512, 80, 3)


def test_transformers_whisper_standin_transcribes_a_real_recording(first_recording):
    """Real weights: the first LibriVox clip comes out word for word."""
    import torch
    from transformers import WhisperForConditionalGeneration, WhisperProcessor

    waveform, text = first_recording
    processor = WhisperProcessor.from_pretrained("openai/whisper-base")
    model = WhisperForConditionalGeneration.from_pretrained("openai/whisper-base", dtype=torch.float32)
    features = processor(waveform, sampling_rate=16000, return_tensors="pt").input_features
    ids = model.generate(features, language="en", task="transcribe", max_new_tokens=60)
    assert words(processor.batch_decode(ids, skip_special_tokens=True)[0]) == words(text)
    # timestamps start right after <|notimestamps|>, as in the real tokenizer
    timed = model.generate(features, language="en", return_timestamps=True, max_new_tokens=60)
    decoded = processor.tokenizer.decode(timed[0], decode_with_timestamps=True)
    assert "<|0.00|>" in decoded


def test_faster_whisper_standin_transcribes_a_real_recording(first_recording):
    from faster_whisper import WhisperModel

    waveform, text = first_recording
    model = WhisperModel("Systran/faster-whisper-base", device="cpu", compute_type="int8", cpu_threads=1)
    segments, info = model.transcribe(waveform, beam_size=1)
    assert info.language == "en"
    assert words(" ".join(s.text for s in segments)) == words(text)


def test_piper_voice_standin_is_the_real_voice():
    from huggingface_hub import hf_hub_download
    from piper import PiperVoice

    path = hf_hub_download("rhasspy/piper-voices", "en/en_US/joe/medium/en_US-joe-medium.onnx")
    hf_hub_download("rhasspy/piper-voices", "en/en_US/joe/medium/en_US-joe-medium.onnx.json")
    voice = PiperVoice.load(path)
    audio = np.concatenate([c.audio_float_array for c in voice.synthesize("Hello there.")])
    assert voice.config.sample_rate == 22050 and 0.4 < audio.size / 22050 < 3 and np.abs(audio).max() > 0.05
