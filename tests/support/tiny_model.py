"""A tiny detoxify-format checkpoint built on the spot, so tests load a real model offline.

Its `model_type` names a Hub model (as detoxify's own checkpoints do), which exercises the
adapter's offline path. The classifier's bias is set very negative, so every score is near 0
and decisions in tests depend on the rules alone.
"""

from __future__ import annotations

from pathlib import Path

LABELS = ["toxicity", "severe_toxicity", "obscene", "threat", "insult", "identity_attack"]
WORDS = [
    "the",
    "a",
    "an",
    "and",
    "or",
    "but",
    "to",
    "of",
    "in",
    "on",
    "for",
    "with",
    "is",
    "are",
    "was",
    "were",
    "be",
    "this",
    "that",
    "it",
    "you",
    "he",
    "she",
    "they",
    "we",
    "i",
    "me",
    "my",
    "your",
    "our",
    "their",
    "article",
    "comment",
    "news",
    "thanks",
    "great",
    "good",
    "bad",
    "think",
    "agree",
    "disagree",
    "idiot",
    "stupid",
    "hate",
    "love",
    "people",
    "city",
    "council",
    "vote",
    "mayor",
    "school",
    "road",
    "tax",
    "money",
    "time",
    "year",
]


def build_tiny_checkpoint(folder: Path, bias: float = -6.0) -> tuple[Path, Path]:
    """Write model.ckpt and config/ under `folder`; return (checkpoint, config_dir)."""
    import torch
    import transformers
    from transformers import BertConfig, BertForSequenceClassification, BertTokenizerFast

    config_dir = folder / "config"
    config_dir.mkdir(parents=True, exist_ok=True)
    vocab = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", *WORDS, *"abcdefghijklmnopqrstuvwxyz"]
    vocab += ["##" + letter for letter in "abcdefghijklmnopqrstuvwxyz"]
    vocab_file = config_dir / "vocab.txt"
    vocab_file.write_text("\n".join(vocab) + "\n", encoding="utf-8")
    if int(transformers.__version__.split(".")[0]) >= 5:
        # transformers 5 ignores `vocab_file` here (every word would read as [UNK]): it takes
        # the vocabulary itself.
        tokenizer = BertTokenizerFast(
            vocab={token: index for index, token in enumerate(vocab)},
            do_lower_case=True,
            model_max_length=64,
        )
    else:
        tokenizer = BertTokenizerFast(
            vocab_file=str(vocab_file), do_lower_case=True, model_max_length=64
        )
    tokenizer.save_pretrained(str(config_dir))
    torch.manual_seed(0)
    config = BertConfig(
        vocab_size=len(vocab),
        hidden_size=32,
        num_hidden_layers=2,
        num_attention_heads=2,
        intermediate_size=64,
        max_position_embeddings=64,
        num_labels=len(LABELS),
        problem_type="multi_label_classification",
    )
    config.save_pretrained(str(config_dir))
    model = BertForSequenceClassification(config)
    with torch.no_grad():
        model.classifier.bias.fill_(bias)
    checkpoint = folder / "model.ckpt"
    torch.save(
        {
            "config": {
                "arch": {
                    "args": {
                        "model_type": "bert-base-uncased",
                        "model_name": "BertForSequenceClassification",
                        "tokenizer_name": "BertTokenizer",
                        "num_classes": len(LABELS),
                    }
                },
                "dataset": {"args": {"classes": LABELS}},
            },
            "state_dict": model.state_dict(),
        },
        checkpoint,
    )
    return checkpoint, config_dir
