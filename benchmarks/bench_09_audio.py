"""Chapter 9 benchmark: real-time factor of Whisper base through transformers and through faster-whisper
(CTranslate2), on the same architecture and the same weights, with the same number of output tokens.

    python benchmarks/bench_09_audio.py                    # 30 s of audio, 64 tokens, 1 and 2 CPU threads
    python benchmarks/bench_09_audio.py --quick            # smoke run: a tiny Whisper, 5 s, 8 tokens
    python benchmarks/bench_09_audio.py --seconds 30 --tokens 64 --repeats 5 --json out.json

Nothing is downloaded: a WhisperForConditionalGeneration with Whisper base's dimensions (d_model 512,
6 + 6 layers, 8 heads, 80 mel bins, 51,865 tokens) gets random weights (seed 0), and CTranslate2's own
converter turns the same weights into faster-whisper's format (a stand-in vocabulary of numbered tokens:
the speed depends on neither the weights nor the words). The audio is one window of speech-like noise at
16 kHz.

Each run is feature extraction + encoder + greedy decoding of exactly --tokens tokens after the 4-token
prompt (<|startoftranscript|><|en|><|transcribe|><|notimestamps|>): transformers with
min_new_tokens = max_new_tokens, CTranslate2 with the smallest max_length that gives that many tokens
(found by trial, untimed); in both, every token above <|endoftext|> (special and timestamp tokens) is suppressed,
so that random weights write only text tokens. The tokens actually produced are counted and printed. RTF = seconds per run / seconds
of audio (lower is faster); the median of --repeats runs after one warm-up run.

On a CPU: transformers in float32, CTranslate2 in float32 and int8, each with 1 and 2 threads. On a
CUDA GPU: transformers in float16, CTranslate2 in float16 and int8_float16. Peak memory: the process's
peak resident memory so far (so a row includes the rows above it), and on a GPU
torch.cuda.max_memory_allocated for transformers (CTranslate2 allocates outside torch).
"""
from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import torch

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
from utils import describe_device, get_device, get_dtype, process_peak_memory_bytes  # noqa: E402

SR = 16_000
EOT, SOT, EN, TRANSCRIBE, NO_TIMESTAMPS = 50257, 50258, 50259, 50359, 50363
PROMPT = [SOT, EN, TRANSCRIBE, NO_TIMESTAMPS]
VOCAB = 51865
# Random weights pick special and timestamp tokens too, which CTranslate2 leaves out of its results: both
# engines are kept to ordinary text tokens, so every forced token is counted.
NOT_TEXT = list(range(EOT, VOCAB))


BASE = {"d_model": 512, "layers": 6, "heads": 8, "ffn": 2048}
TINY = {"d_model": 64, "layers": 1, "heads": 2, "ffn": 128}     # --quick: the plumbing only


def random_whisper_base(folder: Path, size: dict = BASE):
    """A random Whisper (base's dimensions unless `size` says otherwise) saved as transformers files, with
    a stand-in tokenizer, in `folder`."""
    from tokenizers import Tokenizer
    from tokenizers.models import WordLevel
    from transformers import GenerationConfig, PreTrainedTokenizerFast, WhisperConfig, WhisperForConditionalGeneration

    torch.manual_seed(0)
    config = WhisperConfig(vocab_size=VOCAB, num_mel_bins=80, d_model=size["d_model"], encoder_layers=size["layers"],
                           decoder_layers=size["layers"], encoder_attention_heads=size["heads"],
                           decoder_attention_heads=size["heads"], encoder_ffn_dim=size["ffn"],
                           decoder_ffn_dim=size["ffn"], max_source_positions=1500, max_target_positions=448,
                           bos_token_id=EOT, eos_token_id=EOT, pad_token_id=EOT, decoder_start_token_id=SOT)
    model = WhisperForConditionalGeneration(config).eval()
    model.generation_config = GenerationConfig(decoder_start_token_id=SOT, eos_token_id=EOT, pad_token_id=EOT,
                                               bos_token_id=EOT, max_length=448, suppress_tokens=[],
                                               begin_suppress_tokens=[])
    model.save_pretrained(folder)
    # numbered tokens up to <|notimestamps|>; the converter adds the timestamp tokens up to the vocabulary size
    special = ["<|endoftext|>", "<|startoftranscript|>", "<|en|>"] + [f"<|x{i}|>" for i in range(EN + 1, TRANSCRIBE)]
    special += ["<|transcribe|>", "<|startoflm|>", "<|startofprev|>", "<|nocaptions|>", "<|notimestamps|>"]
    vocab = {f"t{i}": i for i in range(EOT)} | {tok: EOT + i for i, tok in enumerate(special)}
    assert vocab["<|notimestamps|>"] == NO_TIMESTAMPS and len(vocab) == NO_TIMESTAMPS + 1
    tokenizer = PreTrainedTokenizerFast(tokenizer_object=Tokenizer(WordLevel(vocab, unk_token="<|endoftext|>")),
                                        eos_token="<|endoftext|>", unk_token="<|endoftext|>", pad_token="<|endoftext|>")
    tokenizer.save_pretrained(folder)
    return model


def convert(folder: Path, out: Path, quantization: str) -> Path:
    from ctranslate2.converters import TransformersConverter

    TransformersConverter(str(folder)).convert(str(out), quantization=quantization, force=True)
    return out


def speech_like_audio(seconds: float) -> np.ndarray:
    """Noise shaped like speech: loud and quiet stretches of 200 ms, most energy below 4 kHz."""
    rng = np.random.default_rng(0)
    n = int(seconds * SR)
    envelope = np.repeat(rng.uniform(0.05, 0.5, size=n // 3200 + 1), 3200)[:n]
    noise = np.convolve(rng.standard_normal(n), np.ones(4) / 4, mode="same")
    return (envelope * noise).astype(np.float32)


def peak_rss() -> int:
    """The process's peak resident memory so far (so each row includes the rows before it)."""
    return process_peak_memory_bytes("cpu")


def time_runs(run, repeats: int) -> tuple[float, int]:
    """Median seconds of `repeats` runs after a warm-up run, and the tokens the last run produced."""
    run()
    seconds, tokens = [], 0
    for _ in range(repeats):
        start = time.perf_counter()
        tokens = run()
        seconds.append(time.perf_counter() - start)
    return statistics.median(seconds), tokens


def bench_transformers(model, audio, tokens, device, dtype, repeats):
    from transformers import WhisperFeatureExtractor

    extractor = WhisperFeatureExtractor(feature_size=80)
    model = model.to(device, dtype)
    prompt = torch.tensor([PROMPT], device=device)

    def run() -> int:
        features = extractor(audio, sampling_rate=SR, return_tensors="pt").input_features.to(device, dtype)
        with torch.no_grad():
            out = model.generate(features, decoder_input_ids=prompt, min_new_tokens=tokens, max_new_tokens=tokens,
                                 do_sample=False, num_beams=1, suppress_tokens=NOT_TEXT)
        if device.type == "cuda":
            torch.cuda.synchronize()
        sequence = out[0].tolist()                      # with or without the prompt, by version
        return len(sequence) - len(PROMPT) if sequence[:len(PROMPT)] == PROMPT else len(sequence)

    return time_runs(run, repeats)


def bench_ctranslate2(path, audio, tokens, device, compute_type, threads, repeats):
    import ctranslate2
    from faster_whisper.feature_extractor import FeatureExtractor

    model = ctranslate2.models.Whisper(str(path), device=device, compute_type=compute_type, intra_threads=threads)
    extractor = FeatureExtractor(feature_size=80)

    def run(max_length: int) -> int:
        features = extractor(np.pad(audio, (0, max(0, 30 * SR - audio.size)))[:30 * SR])[:, :3000]
        storage = ctranslate2.StorageView.from_array(np.ascontiguousarray(features[None], dtype=np.float32))
        result = model.generate(storage, [PROMPT], beam_size=1, max_length=max_length,
                                suppress_tokens=NOT_TEXT, suppress_blank=False)
        return len(result[0].sequences_ids[0])

    # max_length does not count output tokens one for one (with this 4-token prompt, 12 gave 6 tokens in
    # CTranslate2 4.8.5): find, untimed, the smallest max_length that gives `tokens` tokens
    max_length = len(PROMPT) + tokens
    while (produced := run(max_length)) < tokens and max_length < 448:
        max_length += max(1, tokens - produced)
    return time_runs(lambda: run(max_length), repeats)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=30.0, help="audio length (at most one 30 s window)")
    parser.add_argument("--tokens", type=int, default=64, help="output tokens per run, forced in both engines")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--threads", type=int, nargs="+", default=[1, 2], help="CPU thread counts")
    parser.add_argument("--quick", action="store_true",
                        help="a smoke run: a 1-layer, 64-wide Whisper, 5 s, 8 tokens, 1 repeat, 1 thread")
    parser.add_argument("--json", type=Path, default=None, help="also write the results here")
    args = parser.parse_args()
    if args.quick:
        args.seconds, args.tokens, args.repeats, args.threads = 5.0, 8, 1, [1]
    if not 0 < args.seconds <= 30:
        parser.error("--seconds must be in (0, 30]: Whisper reads one 30 s window at a time")

    device = get_device()
    on_gpu = device.type == "cuda"
    dtype = get_dtype(device)
    audio = speech_like_audio(args.seconds)
    ct2_types = ["float16", "int8_float16"] if on_gpu else ["float32", "int8"]
    thread_counts = [None] if on_gpu else args.threads
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        model = random_whisper_base(Path(tmp) / "hf", TINY if args.quick else BASE)
        # converted once; CTranslate2 quantises to the compute type when it loads the model
        ct2_path = convert(Path(tmp) / "hf", Path(tmp) / "ct2", "float16" if on_gpu else "float32")
        for threads in thread_counts:
            if threads:
                torch.set_num_threads(threads)
            if on_gpu:
                torch.cuda.reset_peak_memory_stats()
            seconds, produced = bench_transformers(model, audio, args.tokens, device, dtype, args.repeats)
            peak = torch.cuda.max_memory_allocated() if on_gpu else peak_rss()
            rows.append({"engine": "transformers", "compute": str(dtype).removeprefix("torch."),
                         "threads": threads, "tokens": produced, "seconds": seconds,
                         "rtf": seconds / args.seconds, "peak_bytes": peak})
            for compute in ct2_types:
                seconds, produced = bench_ctranslate2(ct2_path, audio, args.tokens,
                                                      "cuda" if on_gpu else "cpu", compute, threads or 1, args.repeats)
                rows.append({"engine": "faster-whisper (CTranslate2)", "compute": compute, "threads": threads,
                             "tokens": produced, "seconds": seconds, "rtf": seconds / args.seconds,
                             "peak_bytes": peak_rss()})
    where = describe_device(device)
    model_name = "Whisper, 1 layer, 64 wide (--quick)" if args.quick else "Whisper base"
    print(f"\n{model_name}, random weights, {args.seconds:g} s of audio, {args.tokens} tokens forced, "
          f"median of {args.repeats} after a warm-up; {where}\n")
    print("| engine | compute | threads | tokens | s per run | RTF | peak memory |")
    print("|---|---|---|---|---|---|---|")
    for r in rows:
        memory = f"{r['peak_bytes'] / 2**20:,.0f} MiB" + (" (CUDA)" if on_gpu and r["engine"] == "transformers" else " (peak RSS)")
        print(f"| {r['engine']} | {r['compute']} | {r['threads'] or 'GPU'} | {r['tokens']} | {r['seconds']:.3f} | "
              f"{r['rtf']:.4f} | {memory} |")
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps({"device": where, "model": "tiny" if args.quick else "base",
                                         "seconds": args.seconds, "tokens": args.tokens,
                                         "repeats": args.repeats, "rows": rows}, indent=2))
        print(f"\nwrote {args.json}")


if __name__ == "__main__":
    main()
