import io
import wave

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
import torch  # noqa: E402
from IPython.display import Audio  # noqa: E402

from utils.audio import (  # noqa: E402
    check_sample_rate,
    play_audio,
    plot_waveform,
    resample,
    save_wav,
    to_mono_numpy,
)


def sine(freq=440.0, sr=16000, seconds=0.5):
    t = np.arange(int(sr * seconds)) / sr
    return (0.5 * np.sin(2 * np.pi * freq * t)).astype(np.float32)


def test_check_sample_rate_ok():
    assert check_sample_rate(16000) == 16000
    assert check_sample_rate(np.int64(44100), expected=44100) == 44100
    assert type(check_sample_rate(np.int32(8000))) is int


@pytest.mark.parametrize("bad", [True, 16000.0, "16000", None, -16000, 0, 999, 768001])
def test_check_sample_rate_bad(bad):
    with pytest.raises(ValueError, match="sample_rate"):
        check_sample_rate(bad)


def test_check_sample_rate_expected_mismatch():
    msg = (
        "this model expects 16000 Hz audio but got 44100 Hz: resample first "
        "with utils.resample(waveform, 44100, 16000)"
    )
    with pytest.raises(ValueError) as info:
        check_sample_rate(44100, expected=16000)
    assert str(info.value) == msg


def test_to_mono_shapes():
    x = sine()
    stereo = np.stack([x, np.zeros_like(x)])
    np.testing.assert_allclose(to_mono_numpy(x), x)
    np.testing.assert_allclose(to_mono_numpy(stereo), x / 2)
    np.testing.assert_allclose(to_mono_numpy(torch.from_numpy(stereo)[None]), x / 2)
    np.testing.assert_allclose(to_mono_numpy(stereo.T), x / 2)  # (samples, channels)
    np.testing.assert_allclose(to_mono_numpy([0.0, 0.5]), [0.0, 0.5])
    assert to_mono_numpy(x.astype(np.float64)).dtype == np.float32


def test_to_mono_scales_int16():
    pcm = np.array([0, 16384, -32768], dtype=np.int16)
    np.testing.assert_allclose(to_mono_numpy(pcm), [0, 0.5, -1])


@pytest.mark.parametrize("bad", [[], np.zeros((2, 0)), torch.zeros(1, 1, 0)])
def test_to_mono_empty(bad):
    with pytest.raises(ValueError, match="empty"):
        to_mono_numpy(bad)


@pytest.mark.parametrize("shape", [(), (1, 1, 1, 10), (2, 2, 10)])
def test_to_mono_bad_rank(shape):
    with pytest.raises(ValueError, match="shape"):
        to_mono_numpy(np.zeros(shape))


def test_to_mono_non_finite():
    with pytest.raises(ValueError, match="NaN or inf"):
        to_mono_numpy(np.array([0.0, np.inf]))


def test_resample_length_and_frequency():
    x = sine(440, sr=48000, seconds=1.0)
    y = resample(x, 48000, 16000)
    assert y.dtype == np.float32 and len(y) == 16000
    peak_hz = np.argmax(np.abs(np.fft.rfft(y))) * 16000 / len(y)
    assert abs(peak_hz - 440) <= 1
    assert len(resample(sine(sr=16000), 16000, 22050)) == 11025
    np.testing.assert_array_equal(resample(x, 48000, 48000), x)


def test_resample_validates_rates():
    with pytest.raises(ValueError, match="sample_rate"):
        resample(sine(), 16000.0, 8000)


def test_save_wav_round_trip(tmp_path):
    x = sine(sr=8000, seconds=0.25)
    x[0] = 3.0  # clipped
    path = save_wav(tmp_path / "sub" / "a.wav", x, 8000)
    assert path.exists()
    with wave.open(str(path), "rb") as f:
        header = (f.getnchannels(), f.getsampwidth(), f.getframerate(), f.getnframes())
        assert header == (1, 2, 8000, 2000)
        pcm = np.frombuffer(f.readframes(2000), dtype="<i2")
    assert pcm[0] == 32767
    np.testing.assert_allclose(pcm[1:] / 32767, x[1:], atol=1e-4)


def test_play_audio():
    audio = play_audio(sine(), 16000)
    assert isinstance(audio, Audio)
    with wave.open(io.BytesIO(audio.data)) as f:
        assert (f.getframerate(), f.getnchannels(), f.getnframes()) == (16000, 1, 8000)
    assert isinstance(play_audio(np.zeros(100), 16000), Audio)  # silence: no divide-by-zero
    with pytest.raises(ValueError, match="normalize=True"):
        play_audio(np.array([0.0, 2.0]), 16000, normalize=False)
    with pytest.raises(ValueError, match="expects|sample_rate"):
        play_audio(sine(), 16000.5)


def test_plot_waveform():
    fig = plot_waveform(sine(), 16000, title="a")
    assert len(fig.axes) >= 2 and fig.axes[0].get_title() == "a"
    assert fig.axes[0].get_xlim()[1] == pytest.approx(0.5)
    assert len(plot_waveform(sine(), 16000, spectrogram=False).axes) == 1
    assert len(plot_waveform(np.zeros(10), 16000).axes) == 1  # too short for a spectrogram
    plt.close("all")


# --- load_audio and check_mono ---
from utils.audio import check_mono, load_audio  # noqa: E402


def test_load_audio_path_and_bytes(tmp_path):
    import soundfile as sf

    tone = (0.5 * np.sin(2 * np.pi * 440 * np.arange(800) / 8000)).astype(np.float32)
    mono_path, stereo_path = tmp_path / "mono.flac", tmp_path / "stereo.wav"
    sf.write(mono_path, tone, 8000)
    sf.write(stereo_path, np.stack([tone, -tone], axis=1), 16000)
    wave_, sr = load_audio(mono_path)
    assert sr == 8000 and wave_.shape == (800,) and wave_.dtype == np.float32
    assert np.abs(wave_ - tone).max() < 1e-3
    wave_, sr = load_audio(stereo_path.read_bytes())
    assert sr == 16000 and wave_.shape == (2, 800)
    np.testing.assert_allclose(wave_[1], -wave_[0], atol=1e-4)


def test_load_audio_errors(tmp_path):
    import soundfile as sf

    with pytest.raises(FileNotFoundError, match="no audio file"):
        load_audio(tmp_path / "missing.wav")
    with pytest.raises(ValueError, match="bytes are empty"):
        load_audio(b"")
    sf.write(tmp_path / "empty.wav", np.zeros(0, np.float32), 16000)
    with pytest.raises(ValueError, match="no samples"):
        load_audio(tmp_path / "empty.wav")


def test_check_mono_accepts_one_clip():
    clip = np.zeros(1600, np.float32)
    assert check_mono(clip, 16000, 16000).shape == (1600,)
    assert check_mono(torch.zeros(1, 1600), 16000).shape == (1600,)


@pytest.mark.parametrize("bad,match", [
    (np.zeros((2, 1600)), "stereo"),
    (np.zeros(0), "empty"),
])
def test_check_mono_errors(bad, match):
    with pytest.raises(ValueError, match=match):
        check_mono(bad, 16000, 16000)


def test_check_mono_wrong_rate_says_how_to_resample():
    with pytest.raises(ValueError, match=r"utils.resample\(waveform, 8000, 16000\)"):
        check_mono(np.zeros(800), 8000, 16000)
