"""Giving answers their bucket: chosen reasons at once, free text by the trained model, staff last.

Models are stored in the database (:mod:`survey_app.storage`), so every app process, worker and
machine uses the same version, and are signed with the secret key: bytes whose HMAC does not match
their version's row are refused before they are unpickled. Nothing a user uploads is ever loaded.
"""
from __future__ import annotations

import enum
import hashlib
import hmac
import io
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from flask import current_app
from sqlalchemy import bindparam, func, literal, literal_column, select, update
from sqlalchemy.orm import aliased

from ..audit.services import record
from ..dbtypes import utcnow
from ..extensions import db
from ..responses.cache import respondent_cache
from ..responses.models import Answer, ClassificationSource, Response
from ..signals import answers_changed, model_changed, responses_classified
from ..storage.services import BlobMissing, put_bytes, read_bytes
from ..taxonomy import BUCKETS, NOT_A_REASON, PENDING, UNCLASSIFIED, cause_group
from .models import ClassifierVersion

#: Kind of stored file a model is.
MODEL = "model"

if TYPE_CHECKING:  # scikit-learn is imported only when a model is trained or loaded
    from .model import Example, Prediction, TextClassifier

logger = logging.getLogger(__name__)


class HasBucket(Protocol):
    """Anything that names its bucket: a catalogue reason or its cached snapshot."""

    @property
    def bucket(self) -> str: ...


@dataclass(frozen=True)
class Classification:
    """A bucket with where it came from and how sure it is."""

    bucket: str | None
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


def classify_choice(reason: HasBucket) -> Classification:
    """A chosen catalogue reason gives its own bucket, with full confidence."""
    return Classification(reason.bucket, ClassificationSource.CHOICE, 1.0)


#: A free-text answer as it is stored: the sorting job gives it its bucket within seconds.
PENDING_TEXT = Classification(PENDING, None)


def threshold(classifier: TextClassifier) -> float:
    """The confidence from which a prediction goes into its bucket: configured, else the model's own."""
    configured = current_app.config.get("CLASSIFIER_THRESHOLD")
    return float(configured) if configured is not None else classifier.threshold


def _from_prediction(bucket: str, confidence: float, version: str, minimum: float) -> Classification:
    # "Not a reason" never goes into a bucket: it waits for review, where it is the first guess shown.
    placed = bucket in BUCKETS and confidence >= minimum
    return Classification(bucket if placed else UNCLASSIFIED, ClassificationSource.MODEL, round(confidence, 4),
                          version)


#: Guesses kept with each answer for the review queue.
KEPT_GUESSES = 3


def _kept_guesses(prediction: Prediction) -> list[list]:
    return [[bucket, round(probability, 4)] for bucket, probability in prediction.ranking[:KEPT_GUESSES]]


# -- the current model ---------------------------------------------------------------------

def current_model() -> tuple[str, TextClassifier] | None:
    """Return the newest trained model and its version, loaded once per app (see the respondent cache); None if
    there is none or it cannot be loaded."""
    cache = respondent_cache()
    version = cache.model_version(current_app.config["SURVEY_RECHECK_SECONDS"],
                                  lambda: db.session.scalar(select(func.max(ClassifierVersion.version))))
    if version is None:
        return None
    classifier = cache.model(version, lambda: _load(db.session.scalar(select(ClassifierVersion)
                                                                      .filter_by(version=version))))
    return None if classifier is None else (version, classifier)


def models_folder() -> Path:
    """Where model files were kept before models were stored in the database."""
    return Path(current_app.instance_path) / "models"


def _signature(data: bytes) -> str:
    return hmac.new(current_app.config["SECRET_KEY"].encode(), data, hashlib.sha256).hexdigest()


def _model_bytes(row: ClassifierVersion) -> bytes | None:
    """The stored bytes of a model version (or its file, for versions trained before models were stored)."""
    try:
        if row.blob_id is not None:
            return read_bytes(row.blob_id)
        return (models_folder() / Path(row.file_name or "").name).read_bytes()
    except (BlobMissing, OSError) as error:
        logger.error("Model %s cannot be read: %s", row.version, error)
        return None


def _load(row: ClassifierVersion | None) -> TextClassifier | None:
    if row is None:
        return None
    data = _model_bytes(row)
    if data is None:
        return None
    if not hmac.compare_digest(_signature(data), row.signature):
        logger.error("Model %s does not match its signature; refusing to load it", row.version)
        return None
    import joblib

    return joblib.load(io.BytesIO(data))


def store_model(data: bytes, name: str) -> int:
    """Store a model's bytes (committed at once); return the stored file's id."""
    return put_bytes(MODEL, data, name)


# -- training ------------------------------------------------------------------------------

def staff_examples() -> list[Example]:
    """Free-text answers whose bucket staff confirmed or corrected; those they found "not a reason" teach that class."""
    from .model import Example

    rows = db.session.execute(
        select(Response.locale, Answer.bucket, Answer.text).join(Response, Response.id == Answer.response_id)
        .where(Answer.source == ClassificationSource.STAFF, Answer.text.is_not(None),
               Answer.bucket.in_(BUCKETS) | Answer.bucket.is_(None))
    )
    return [Example(locale, bucket or NOT_A_REASON, text or "") for locale, bucket, text in rows]


def train(include_staff: bool = True, folds: int = 3) -> ClassifierVersion:
    """Train on the shipped examples (and staff-confirmed answers), save, sign and record a new version."""
    from .model import TextClassifier, shipped_examples

    shipped = shipped_examples()
    confirmed = staff_examples() if include_staff else []
    examples = shipped + confirmed
    # The folds that choose the threshold also give the recorded scores.
    classifier = TextClassifier().fit(examples, folds=folds)
    metrics = classifier.cv_metrics
    version = utcnow().strftime("%Y%m%d-%H%M%S-%f")
    import joblib

    buffer = io.BytesIO()
    joblib.dump(classifier, buffer)
    data = buffer.getvalue()
    row = ClassifierVersion(version=version, shipped_examples=len(shipped), staff_examples=len(confirmed),
                            metrics=metrics, signature=_signature(data),
                            blob_id=store_model(data, f"classifier-{version}.joblib"))
    db.session.add(row)
    db.session.flush()
    record("classifier.retrain", target_type="classifier", target_id=version,
           detail={"shipped_examples": len(shipped), "staff_examples": len(confirmed)})
    model_changed.send(None, version=version)
    logger.info("Classifier %s trained on %d examples (%d from staff)", version, len(examples), len(confirmed))
    return row


def ensure_model() -> tuple[str, TextClassifier]:
    """Return the current model, training one from the shipped examples first if there is none."""
    loaded = current_model()
    if loaded is None:
        logger.info("No classifier yet: training the first one from the shipped examples")
        trained = train(include_staff=False, folds=0)
        db.session.commit()
        logger.info("Trained classifier %s from the shipped examples", trained.version)
        loaded = current_model()
    assert loaded is not None
    return loaded


# -- sorting ------------------------------------------------------------------------------

def _not_by_staff():
    return (Answer.source.is_(None)) | (Answer.source == ClassificationSource.MODEL)


#: Written as a literal so that both databases answer it from the small partial index ``ix_answer_pending``.
_IS_PENDING = Answer.bucket == literal_column("'pending'")


def pending_answers() -> int:
    """How many free-text answers wait for the sorting job."""
    return db.session.scalar(select(func.count()).select_from(Answer).where(_IS_PENDING)) or 0


def classify_rows(rows: Sequence[dict], locales: Sequence[str | None]) -> dict[str, int]:
    """Classify, in place and as one batch, the answer rows still pending (an import's batch, before it is
    written); return how many went into a bucket (``sorted``), were left for ``review`` and stay ``pending``
    (no model could be loaded: the sorting job takes them later)."""
    waiting = [(row, locale) for row, locale in zip(rows, locales, strict=True) if row["bucket"] == PENDING]
    counts = {"sorted": 0, "review": 0, "pending": 0}
    loaded = current_model() if waiting else None
    if loaded is None:
        counts["pending"] = len(waiting)
        return counts
    version, classifier = loaded
    minimum = threshold(classifier)
    try:
        predictions = classifier.predict([row["text"] for row, _ in waiting], [locale for _, locale in waiting])
    except Exception:  # the texts are stored pending; the sorting job tries them again
        logger.exception("A batch of %d texts could not be classified; left pending", len(waiting))
        counts["pending"] = len(waiting)
        return counts
    for (row, _), prediction in zip(waiting, predictions, strict=True):
        result = _from_prediction(prediction.bucket, prediction.confidence, version, minimum)
        row.update(result.columns(), guesses=_kept_guesses(prediction))
        counts["sorted" if result.bucket != UNCLASSIFIED else "review"] += 1
    return counts


#: Sets a classification on an answer the model may still change (never on one staff decided meanwhile).
_SET_CLASSIFICATION = (
    update(Answer.__table__)
    .where(Answer.__table__.c.id == bindparam("answer_id"),
           Answer.__table__.c.source.is_(None) | (Answer.__table__.c.source == ClassificationSource.MODEL.value))
    .values(bucket=bindparam("b"), cause_group=bindparam("g"), source=bindparam("s"), confidence=bindparam("c"),
            model_version=bindparam("v"), guesses=bindparam("guesses")))


def _classify_all(conditions: Sequence, batch_size: int,
                  checkpoint: Callable[[dict[str, int]], None] | None = None, announce: bool = False) -> dict[str, int]:
    """Classify the free-text answers matching ``conditions`` with the current model, a batch per transaction
    (each committed with ``checkpoint``'s progress); return counts. ``announce``: the sorting job's work, sent as
    :data:`~survey_app.signals.responses_classified` (a backlog reclassification is not)."""
    version, classifier = ensure_model()
    minimum = threshold(classifier)
    counts = {"answers": 0, "classified": 0, "unclassified": 0}
    last_id = 0
    while True:
        rows = db.session.execute(
            select(Answer.id, Answer.text, Answer.response_id, Answer.is_primary, Response.locale)
            .join(Response, Response.id == Answer.response_id)
            .where(Answer.text.is_not(None), _not_by_staff(), Answer.id > last_id, *conditions)
            .order_by(Answer.id).limit(batch_size)
        ).all()
        if not rows:
            break
        predictions = classifier.predict([r.text for r in rows], [r.locale for r in rows])
        params = []
        for row, prediction in zip(rows, predictions, strict=True):
            result = _from_prediction(prediction.bucket, prediction.confidence, version, minimum)
            params.append({"answer_id": row.id, "b": result.bucket, "g": result.cause_group,
                           "s": ClassificationSource.MODEL.value, "c": result.confidence, "v": version,
                           "guesses": _kept_guesses(prediction)})
            counts["classified" if result.bucket != UNCLASSIFIED else "unclassified"] += 1
        db.session.connection().execute(_SET_CLASSIFICATION, params)
        answers_changed.send(None, reason="classified", response_ids=[r.response_id for r in rows if r.is_primary])
        if announce:
            responses_classified.send(None, response_ids=sorted({r.response_id for r in rows}))
        counts["answers"] += len(rows)
        last_id = rows[-1].id
        if checkpoint is not None:
            checkpoint(dict(counts))
        db.session.commit()
    return counts


def sort_pending(batch_size: int = 500, checkpoint: Callable[[dict[str, int]], None] | None = None
                 ) -> dict[str, int]:
    """Classify every pending answer (the sorting job's work), training the first model if there is none; return
    counts. Nothing is loaded when no answer waits."""
    if not pending_answers():
        return {"answers": 0, "classified": 0, "unclassified": 0}
    return _classify_all((_IS_PENDING,), batch_size, checkpoint, announce=True)


def classify_backlog(batch_size: int = 2000) -> dict[str, int]:
    """Reclassify every free-text answer not decided by staff with the current model; return counts."""
    return _classify_all((), batch_size)


def _waiting(answer=Answer) -> tuple:
    """Free-text answers waiting for staff: the model left them unclassified and staff have not decided."""
    return (answer.text.is_not(None), answer.bucket == UNCLASSIFIED,
            answer.source.is_(None) | (answer.source == ClassificationSource.MODEL))


def waiting_for_review() -> int:
    """How many free-text answers wait in the review queue (the one count every page shows)."""
    return db.session.scalar(select(func.count()).select_from(Answer).where(*_waiting())) or 0


def review_queue(limit: int = 50):
    """Free-text answers waiting for staff, least confident first, with how many wait in all."""
    query = (select(Answer, Response).join(Response, Response.id == Answer.response_id).where(*_waiting())
             .order_by(Answer.confidence.is_(None).desc(), Answer.confidence.asc(), Answer.id.asc()))
    return db.session.execute(query.limit(limit)).all(), waiting_for_review()


def guesses(answer: Answer, locale: str) -> list[tuple[str, float]]:
    """The model's most likely classes for an answer, best first: as stored when it was classified; for an answer
    classified before guesses were stored, the model is asked here unless a worker does the sorting."""
    if answer.guesses is not None:
        return [(str(bucket), float(probability)) for bucket, probability in answer.guesses]
    loaded = None if current_app.config.get("REDIS_URL") else current_model()
    if loaded is None:
        return []
    return list(loaded[1].predict([answer.text or ""], [locale])[0].ranking[:KEPT_GUESSES])


#: What a decision changes on an answer, kept so that it can be undone.
_DECIDED = ("bucket", "cause_group", "source", "confidence", "model_version", "reviewed_by_id", "reviewed_at")
#: Most answers one decision records for undoing (identical texts decided together).
UNDO_LIMIT = 200


def _normalised(column):
    """A text folded for comparison: case and surrounding spaces ignored (SQLite folds ASCII letters only)."""
    return func.lower(func.trim(column))


def same_text_counts(answer_ids: Sequence[int]) -> dict[int, int]:
    """For each of these answers, how many waiting answers share its text (folded as :func:`_normalised`)."""
    if not answer_ids:
        return {}
    other = aliased(Answer)
    count = (select(func.count()).select_from(other)
             .where(*_waiting(other), _normalised(other.text) == _normalised(Answer.text)).scalar_subquery())
    rows = db.session.execute(select(Answer.id, count).where(Answer.id.in_(list(answer_ids)))).all()
    return {row[0]: row[1] or 0 for row in rows}


def review(answer: Answer, bucket: str | None, reviewer_id: int) -> list[dict]:
    """Record a staff decision, a bucket or None for "not a reason", on this answer and on every waiting answer with
    the same text (decided once for all); the model never overwrites it. Return what each changed answer held
    before (for :func:`undo`).

    :raise ValueError: if ``bucket`` is not one of the five buckets or None.
    """
    if bucket is not None and bucket not in BUCKETS:
        raise ValueError(bucket)
    same = list(db.session.scalars(select(Answer).where(
        *_waiting(), _normalised(Answer.text) == _normalised(literal(answer.text or "")), Answer.id != answer.id)
        .order_by(Answer.id)))
    decided = [answer, *same]
    previous = [{"id": a.id, **{name: _plain(getattr(a, name)) for name in _DECIDED}} for a in decided]
    now = utcnow()
    for one in decided:
        Classification(bucket, ClassificationSource.STAFF, 1.0).apply(one)
        one.reviewed_by_id = reviewer_id
        one.reviewed_at = now
    db.session.flush()
    answers_changed.send(None, reason="reviewed", response_ids=[a.response_id for a in decided if a.is_primary])
    return previous


def _plain(value):
    """A column value as JSON can keep it (enums by value, times as ISO text)."""
    if isinstance(value, enum.Enum):
        return value.value
    return value.isoformat() if isinstance(value, datetime) else value


def undo(previous: Sequence[dict], reviewer_id: int) -> int:
    """Put back what a decision by ``reviewer_id`` changed, on the answers that still hold it; return how many."""
    restored = []
    for before in previous:
        answer = db.session.get(Answer, int(before["id"]))
        if answer is None or answer.source != ClassificationSource.STAFF or answer.reviewed_by_id != reviewer_id:
            continue  # decided again since, or gone
        for name in _DECIDED:
            value = before.get(name)
            if name == "source" and value is not None:
                value = ClassificationSource(value)
            if name == "reviewed_at" and value is not None:
                value = datetime.fromisoformat(value)
            setattr(answer, name, value)
        restored.append(answer)
    db.session.flush()
    answers_changed.send(None, reason="reviewed", response_ids=[a.response_id for a in restored if a.is_primary])
    return len(restored)
