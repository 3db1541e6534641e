"""Giving answers their bucket: at once for chosen reasons; free text waits for the model."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from ..responses.models import Answer, ClassificationSource
from ..taxonomy import UNCLASSIFIED, cause_group


@dataclass(frozen=True)
class Classification:
    """A bucket with where it came from and how sure it is."""

    bucket: str
    source: ClassificationSource | None
    confidence: float | None = None
    model_version: str | None = None

    @property
    def cause_group(self) -> str | None:
        """The cause group of the bucket (None when unclassified)."""
        return cause_group(self.bucket)

    def columns(self) -> dict:
        """The answer columns this classification sets."""
        return {"bucket": self.bucket, "cause_group": self.cause_group, "source": self.source,
                "confidence": self.confidence, "model_version": self.model_version}

    def apply(self, answer: Answer) -> None:
        """Write this classification onto ``answer``."""
        for column, value in self.columns().items():
            setattr(answer, column, value)


class HasBucket(Protocol):
    """Anything that names its bucket: a catalogue reason or its cached snapshot."""

    bucket: str


def classify_choice(reason: HasBucket) -> Classification:
    """A chosen catalogue reason gives its own bucket, with full confidence."""
    return Classification(reason.bucket, ClassificationSource.CHOICE, 1.0)


def classify_text(text: str, locale: str) -> Classification:
    """Free text stays unclassified until the text classifier is trained."""
    return Classification(UNCLASSIFIED, None)
