"""Language-model stand-ins."""
from __future__ import annotations

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
