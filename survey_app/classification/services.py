"""Giving answers their bucket: at once for chosen reasons; free text waits for the model."""
from __future__ import annotations

from dataclasses import dataclass

from ..responses.models import Answer, ClassificationSource
from ..surveys.models import Reason
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

    def apply(self, answer: Answer) -> None:
        """Write this classification onto ``answer``."""
        answer.bucket = self.bucket
        answer.cause_group = self.cause_group
        answer.source = self.source
        answer.confidence = self.confidence
        answer.model_version = self.model_version


def classify_choice(reason: Reason) -> Classification:
    """A chosen catalogue reason gives its own bucket, with full confidence."""
    return Classification(reason.bucket, ClassificationSource.CHOICE, 1.0)


def classify_text(text: str, locale: str) -> Classification:
    """Free text stays unclassified until the text classifier is trained."""
    return Classification(UNCLASSIFIED, None)
