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


# What the trained tiny model learns: a label is on when the text holds one of its words.
TAUGHT = [{"idiot"}, {"stupid", "idiot"}, {"bad"}, {"hate"}, {"stupid"}, {"hate", "people"}]


def build_trained_checkpoint(folder: Path, texts: list[str], steps: int = 150) -> tuple[Path, Path]:
    """A tiny checkpoint trained for a few seconds on `texts` to score by `TAUGHT`: its scores
    differ from text to text and depend on both layers (a teacher to distil from)."""
    import torch
    from transformers import BertConfig, BertForSequenceClassification, BertTokenizerFast

    checkpoint, config_dir = build_tiny_checkpoint(folder, bias=0.0)
    saved = torch.load(checkpoint, weights_only=False)
    model = BertForSequenceClassification(BertConfig.from_pretrained(str(config_dir)))
    model.load_state_dict(saved["state_dict"])
    tokenizer = BertTokenizerFast.from_pretrained(str(config_dir))
    encoded = tokenizer(texts, padding=True, return_tensors="pt")
    wanted = torch.tensor(
        [[float(bool(set(text.split()) & words)) for words in TAUGHT] for text in texts]
    )
    torch.manual_seed(0)
    optimiser = torch.optim.AdamW(model.parameters(), lr=3e-3)
    model.train()
    for _ in range(steps):
        chosen = torch.randint(0, len(texts), (64,))
        logits = model(
            input_ids=encoded["input_ids"][chosen],
            attention_mask=encoded["attention_mask"][chosen],
        ).logits
        loss = torch.nn.functional.binary_cross_entropy_with_logits(logits, wanted[chosen])
        loss.backward()
        optimiser.step()
        optimiser.zero_grad()
    saved["state_dict"] = {name: value.detach() for name, value in model.state_dict().items()}
    torch.save(saved, checkpoint)
    return checkpoint, config_dir
