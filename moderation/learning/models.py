"""Table: the site models trained from decisions, with their evaluation and what became of them."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, Float, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from moderation.db.base import Base, Id, utcnow

# What became of a trained model: `candidate` (it beat the current model on held-out decisions
# and was proposed), `not_better` (it did not; its weights were removed, its evaluation kept).
STATUSES = ("candidate", "not_better")


class TrainedModel(Base):
    """One training run's detoxify-format checkpoint, its evaluation and its status."""

    __tablename__ = "trained_models"
    __table_args__ = (Index("ix_trained_models_site_created", "site_id", "created_at"),)

    id: Mapped[int] = mapped_column(Id, primary_key=True, autoincrement=True)
    site_id: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(20))
    # The checkpoint and its config folder, loadable as `model.checkpoint` / `model.config_dir`.
    checkpoint: Mapped[str] = mapped_column(Text)
    config_dir: Mapped[str] = mapped_column(Text)
    # The checkpoint it was trained from (the site's current model).
    base_checkpoint: Mapped[str] = mapped_column(Text)
    method: Mapped[str] = mapped_column(String(20))
    label: Mapped[str] = mapped_column(String(64))
    decisions: Mapped[int] = mapped_column(Integer)
    # The newest decision it learnt from: the schedule counts decisions after it.
    decisions_until: Mapped[dt.datetime | None] = mapped_column(nullable=True)
    evaluation: Mapped[dict[str, Any]] = mapped_column(JSON)
    reason: Mapped[str] = mapped_column(Text)
    requested_by: Mapped[str] = mapped_column(String(200))
    seconds: Mapped[float] = mapped_column(Float)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
