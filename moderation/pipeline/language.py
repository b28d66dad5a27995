"""Language identification with py3langid, whose model ships inside the package (no download).

The identifier is loaded on first use (about half a second) and kept for the process's life.
"""

from __future__ import annotations

import threading
from typing import Any

_lock = threading.Lock()
_identifier: Any = None


def _load() -> Any:
    global _identifier
    with _lock:
        if _identifier is None:
            from py3langid.langid import (  # type: ignore[import-untyped]
                MODEL_FILE,
                LanguageIdentifier,
            )

            _identifier = LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)
        return _identifier


def detect_language(text: str) -> tuple[str, float]:
    """(ISO 639-1 code, probability) of the text's most likely language."""
    language, probability = _load().classify(text)
    return str(language), float(probability)
