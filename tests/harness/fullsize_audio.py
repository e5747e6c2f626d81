"""Full-size stand-ins of the audio repos (chapters 1 and 9): MusicGen small, MMS-TTS English, AudioLDM 2.

Registered in tests/harness/fullsize.py, which passes its FullSize class to `audio_full_size`. As there, each size is
the real model's, written out from its published configuration, and everything else (token ids, sampling
rates, padding modes, generation settings) is kept from the tiny test stand-in
(tests/harness/standins/audio.py and sound.py), so that the full-size snapshot differs from the tiny one only
in its sizes and weights.
"""
from __future__ import annotations



def _spec(*args, **kwargs):
    """A FullSize's arguments, turned into one by `audio_full_size` (this module does not import fullsize.py,
    which imports it)."""
    return args, kwargs

# --- facebook/musicgen-small ---------------------------------------------------------------------------------
# The real checkpoint was converted by transformers' convert_musicgen_transformers.py: the t5-base encoder,
# facebook/encodec_32khz (its config.json on the Hub: 64 filters, 2 LSTM layers, no skip conv, codebooks of
# 2048, one 2.2 kbps bandwidth = 4 codebooks) and a decoder of 24 layers, 1024 wide, ffn 4 x 1024.

T5_BASE_ENCODER = dict(vocab_size=32128, d_model=768, d_kv=64, d_ff=3072, num_layers=12, num_heads=12,
                       relative_attention_num_buckets=32, relative_attention_max_distance=128,
                       feed_forward_proj="relu")
ENCODEC_32KHZ = dict(sampling_rate=32000, audio_channels=1, upsampling_ratios=[8, 5, 4, 4],
                     target_bandwidths=[2.2], codebook_size=2048, codebook_dim=128, hidden_size=128,
                     num_filters=64, num_residual_layers=1, num_lstm_layers=2, compress=2, kernel_size=7,
                     last_kernel_size=7, residual_kernel_size=3, dilation_growth_rate=2, norm_type="weight_norm",
                     use_causal_conv=False, use_conv_shortcut=False, normalize=False, chunk_length_s=None,
                     overlap=None,
                     pad_mode="constant")   # as the tiny stand-in (the real encodec_32khz config says "reflect")
MUSICGEN_SMALL_DECODER = dict(vocab_size=2048, hidden_size=1024, num_hidden_layers=24, num_attention_heads=16,
                              ffn_dim=4096, num_codebooks=4, max_position_embeddings=2048, audio_channels=1,
                              pad_token_id=2048, bos_token_id=2048)


def musicgen_small():
    from transformers import (EncodecConfig, GenerationConfig, MusicgenConfig, MusicgenDecoderConfig,
                              MusicgenForConditionalGeneration, T5Config)

    config = MusicgenConfig(text_encoder=T5Config(**T5_BASE_ENCODER).to_dict(),
                            audio_encoder=EncodecConfig(**ENCODEC_32KHZ).to_dict(),
                            decoder=MusicgenDecoderConfig(**MUSICGEN_SMALL_DECODER).to_dict())
    model = MusicgenForConditionalGeneration(config)
    # save_pretrained rewrites generation_config.json: the tiny stand-in's (= the real repo's) settings
    model.generation_config = GenerationConfig(bos_token_id=2048, decoder_start_token_id=2048, pad_token_id=2048,
                                               do_sample=True, guidance_scale=3.0, max_length=1500)
    return model


# Parameters: text encoder 109,628,544 + EnCodec 56,884,674 + decoder 419,584,000 + enc_to_dec_proj 787,456
# = 586,884,674. The Hub counts every tensor of model.safetensors (2.36 GB): 591 M. The difference is not
# parameters: the 4 EnCodec codebooks' buffers (embed, embed_avg, cluster_size, inited: 2,105,348) and the
# decoder's 2048 x 1024 sinusoidal position table (2,097,152), an nn.Parameter in the 2023 code that wrote the
# checkpoint, a non-persistent buffer now: 586,884,674 + 4,202,500 = 591,087,174, i.e. "591 M" and 2.364 GB.
# (EnCodec alone: 56,884,674 + 2,105,348 = 58,990,022 tensors = 236 MB, facebook/encodec_32khz's file size.)
MUSICGEN = _spec(
    "facebook/musicgen-small", {"": musicgen_small}, {"": 591_000_000}, tolerance=1e-2,
    notes="published as 591 M tensors on the Hub (model.safetensors, 2.36 GB), which include 4.2 M buffers; "
          "the parameters alone are 586,884,674")


# --- facebook/mms-tts-eng ------------------------------------------------------------------------------------
# VitsConfig's defaults are mms-tts-eng's (its config.json on the Hub: 192 wide, 6 text-encoder layers, 16 + 4
# WaveNet layers, 4 flows, HiFi-GAN from 512 channels, 513 spectrogram bins); the vocabulary is the tiny
# stand-in's 38 characters, as many as the real one's.

def mms_tts_eng():
    from transformers import VitsConfig, VitsModel

    return VitsModel(VitsConfig(vocab_size=38, sampling_rate=16000))


MMS_TTS = _spec("facebook/mms-tts-eng", {"": mms_tts_eng}, {"": 36_300_000}, tolerance=1e-3,
                notes="published as 36.3 M (model card); the parameters are 36,284,592")


# --- cvssp/audioldm2 -----------------------------------------------------------------------------------------
# The sizes of cvssp/audioldm2 (the base checkpoint, audioldm2-full): its unet/ vae/ vocoder/ text_encoder/
# text_encoder_2/ language_model/ config.json files on the Hub, which diffusers'
# scripts/convert_original_audioldm2_to_diffusers.py wrote: the CLAP of laion/clap-htsat-unfused with the
# HTSAT-base audio tower (patch embeddings 128, hidden 1024, depths 2-2-12-2), Flan-T5-large's encoder, GPT-2
# base, the base UNet (128 channels x 1-2-3-5, attention at 3 of 4 levels with self-attention + GPT-2 (768) +
# T5 (1024) cross-attention), the VAE with 128-256-512 channels and 8 latent channels, and a HiFi-GAN from 1024
# channels. Token ids and other settings stay the tiny stand-in's (its CLAP text model uses the ids of its own
# tokenizer; its VAE scaling factor and vocoder normalize_before are kept too: the real ones are 0.4111 and False).

AUDIOLDM2_UNET = dict(
    sample_size=256, in_channels=8, out_channels=8, layers_per_block=2, block_out_channels=(128, 256, 384, 640),
    down_block_types=("DownBlock2D",) + ("CrossAttnDownBlock2D",) * 3,
    up_block_types=("CrossAttnUpBlock2D",) * 3 + ("UpBlock2D",),
    cross_attention_dim=([None, 768, 1024],) * 4, transformer_layers_per_block=1, attention_head_dim=8,
    norm_num_groups=32, norm_eps=1e-5, act_fn="silu", downsample_padding=1, flip_sin_to_cos=True, freq_shift=0,
    mid_block_scale_factor=1,
)
AUDIOLDM2_VAE = dict(
    in_channels=1, out_channels=1, latent_channels=8, sample_size=1024, layers_per_block=2,
    block_out_channels=(128, 256, 512), norm_num_groups=32, act_fn="silu",
    down_block_types=("DownEncoderBlock2D",) * 3, up_block_types=("UpDecoderBlock2D",) * 3,
    scaling_factor=0.18215,   # the tiny stand-in's
)
CLAP_TEXT = dict(vocab_size=50265, hidden_size=768, intermediate_size=3072, num_hidden_layers=12,
                 num_attention_heads=12, max_position_embeddings=514, type_vocab_size=1, projection_dim=512,
                 pad_token_id=0, bos_token_id=2, eos_token_id=3)   # ids: the tiny stand-in's tokenizer's
CLAP_HTSAT_BASE_AUDIO = dict(spec_size=256, window_size=8, num_mel_bins=64, patch_size=4, patch_stride=[4, 4],
                             patch_embeds_hidden_size=128, hidden_size=1024, depths=[2, 2, 12, 2],
                             num_attention_heads=[4, 8, 16, 32], mlp_ratio=4.0, patch_embed_input_channels=1,
                             enable_fusion=False, projection_dim=512)
FLAN_T5_LARGE_ENCODER = dict(vocab_size=32128, d_model=1024, d_kv=64, d_ff=2816, num_layers=24, num_heads=16,
                             relative_attention_num_buckets=32, relative_attention_max_distance=128,
                             feed_forward_proj="gated-gelu", tie_word_embeddings=False)
AUDIOLDM2_GPT2 = dict(n_embd=768, n_head=12, n_layer=12, n_positions=1024, vocab_size=50257,
                      bos_token_id=0, eos_token_id=0)   # ids: the tiny stand-in's (the real GPT-2's are 50256)
AUDIOLDM2_VOCODER = dict(model_in_dim=64, sampling_rate=16000, upsample_initial_channel=1024,
                         upsample_rates=[5, 4, 2, 2, 2], upsample_kernel_sizes=[16, 16, 8, 4, 4],
                         resblock_kernel_sizes=[3, 7, 11], resblock_dilation_sizes=[[1, 3, 5]] * 3,
                         normalize_before=True)   # the tiny stand-in's (the real config says False)


def audioldm2_text_encoder():
    from transformers import ClapConfig, ClapModel

    return ClapModel(ClapConfig(text_config=CLAP_TEXT, audio_config=CLAP_HTSAT_BASE_AUDIO, projection_dim=512))


def audioldm2_text_encoder_2():
    from transformers import T5Config, T5EncoderModel

    return T5EncoderModel(T5Config(**FLAN_T5_LARGE_ENCODER))


def audioldm2_language_model():
    from transformers import GPT2Config, GPT2Model

    model = GPT2Model(GPT2Config(**AUDIOLDM2_GPT2))
    model.config.max_new_tokens = 8   # the real repo's: the 8 "language of audio" vectors the pipeline generates
    return model


def audioldm2_projection_model():
    from diffusers import AudioLDM2ProjectionModel

    # CLAP's projection (512), Flan-T5's width (1024), GPT-2's (768), as the conversion script passes them
    return AudioLDM2ProjectionModel(text_encoder_dim=512, text_encoder_1_dim=1024, langauge_model_dim=768)


def audioldm2_unet():
    from diffusers import AudioLDM2UNet2DConditionModel

    return AudioLDM2UNet2DConditionModel(**AUDIOLDM2_UNET)


def audioldm2_vae():
    from diffusers import AutoencoderKL

    return AutoencoderKL(**AUDIOLDM2_VAE)


def audioldm2_vocoder():
    from transformers import SpeechT5HifiGan, SpeechT5HifiGanConfig

    return SpeechT5HifiGan(SpeechT5HifiGanConfig(**AUDIOLDM2_VOCODER))


AUDIOLDM2_PARTS = {
    "text_encoder": audioldm2_text_encoder, "text_encoder_2": audioldm2_text_encoder_2,
    "language_model": audioldm2_language_model, "projection_model": audioldm2_projection_model,
    "unet": audioldm2_unet, "vae": audioldm2_vae, "vocoder": audioldm2_vocoder,
}
# Published per folder: the real float32 files' sizes divided by 4 bytes (cvssp/audioldm2@c8e7e189: exact byte
# counts from the Git LFS pointers of a mirror of that commit, else the Hub's rounded file listing), and GPT-2
# base's own count. A file also holds its header (~20-70 kB) and buffers, so it overstates the parameters a
# little: for the CLAP, its int64 relative-position indices, position ids and BatchNorm statistics (598,568 B)
# and its header (~70 kB) are the whole 0.087 % gap. The parameters counted here (on the meta device) are in
# the comments; together 1,118,354,316, the "1.1 B" of the model card.
AUDIOLDM2_COUNTS = {
    "text_encoder": 194_081_858,      # 776,327,432 B / 4; parameters 193,913,882
    "text_encoder_2": 341_237_766,    # 1,364,951,064 B / 4; parameters 341,231,104
    "language_model": 124_439_808,    # GPT-2 base, exact (the file: 498 MB); parameters 124,439,808
    "projection_model": 1_185_000,    # 4.74 MB / 4 (3 digits); parameters 1,184,256
    "unet": 346_991_196,              # 1,387,964,784 B / 4; parameters 346,943,496
    "vae": 55_382_577,                # 221,530,308 B / 4; parameters 55,376,873
    "vocoder": 55_250_000,            # 221 MB / 4 (3 digits); parameters 55,264,897
}
AUDIOLDM2 = _spec(
    "cvssp/audioldm2", AUDIOLDM2_PARTS, AUDIOLDM2_COUNTS, tolerance=1e-3,
    notes="published per folder as the real float32 file's size / 4 bytes (header and buffers included, so "
          "up to 0.09 % above the parameters; projection model and vocoder known to 3 digits only); "
          "total 1.1 B (model card)")



def audio_full_size(full_size_class) -> list:
    """The registry entries of the audio repos, as instances of tests.harness.fullsize.FullSize."""
    return [full_size_class(*args, **kwargs) for args, kwargs in (MUSICGEN, MMS_TTS, AUDIOLDM2)]
