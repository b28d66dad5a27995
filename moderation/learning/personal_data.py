"""What the learning feature's table holds about comment authors: nothing by row
(moderation/db/personal.py says what a declaration is).

A trained model's weights were fitted on the texts of the site's decided comments: an erased
author's comments may have shaped a model trained before the erasure, and no row here can undo
that. docs/privacy.md says so; a newsroom retrains (and promotes the new model) to be rid of it.
"""

from __future__ import annotations

from moderation.db.personal import Declaration, NoAuthorData

PERSONAL_DATA: tuple[Declaration, ...] = (
    NoAuthorData(
        "trained_models",
        "a trained model's files, evaluation figures and the reason it was proposed, and the "
        "admin who asked for it; no comment, text or author id",
    ),
)
