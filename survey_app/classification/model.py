"""Free-text classifier: a reason written in en/fr/pl/ru → one of the five buckets, with a confidence.

Plain Python and scikit-learn: no Flask, no database. Two views of each text feed one linear
model: character n-grams of the text folded to plain letters (robust to typos, missing
diacritics and inflection, whatever the language) and Snowball stems of its words (so
"oddzwonił", "oddzwonili" and "oddzwonil" meet), then a logistic regression whose class
probabilities are the confidence.
"""
from __future__ import annotations

import csv
import re
import unicodedata
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

import numpy as np
import snowballstemmer
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import accuracy_score, confusion_matrix, f1_score
from sklearn.pipeline import FeatureUnion, Pipeline

from ..languages import CODES
from ..taxonomy import BUCKET_GROUP, BUCKETS

LANGUAGES = CODES
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
    # One string per text: folded text, a separator no n-gram crosses, then the stems.
    return [f"{fold(text)} \x1f {stems(text, lang)}" for text, lang in pairs]


def _chars(doc: str) -> str:
    return doc.split("\x1f", 1)[0]


def _stem_tokens(doc: str) -> list[str]:
    tokens = doc.split("\x1f", 1)[1].split()
    return tokens + [f"{a}_{b}" for a, b in zip(tokens, tokens[1:], strict=False)]


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
    """Train on labelled examples; predict buckets for texts with their languages."""

    def __init__(self, c: float = 8.0) -> None:
        self._fast: _FastPath | None = None
        self.pipeline = Pipeline([
            ("features", FeatureUnion([
                ("chars", TfidfVectorizer(preprocessor=_chars, analyzer="char_wb", ngram_range=(2, 5),
                                          sublinear_tf=True, min_df=1)),
                ("stems", TfidfVectorizer(analyzer=_stem_tokens, sublinear_tf=True, min_df=1)),
            ])),
            ("model", LogisticRegression(C=c, max_iter=3000, class_weight="balanced")),
        ])

    def fit(self, examples: Sequence[Example]) -> TextClassifier:
        """Learn from ``examples``."""
        self.pipeline.fit(_features((e.text, e.lang) for e in examples), [e.bucket for e in examples])
        self._fast = None
        return self

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
        return {"pipeline": self.pipeline}

    def __setstate__(self, state: dict) -> None:
        self.pipeline = state["pipeline"]
        self._fast = None


class _FastPath:
    """A fitted pipeline's arithmetic for one document."""

    def __init__(self, pipeline: Pipeline) -> None:
        self.parts = []
        offset = 0
        for _name, vectorizer in pipeline.named_steps["features"].transformer_list:
            self.parts.append((vectorizer.build_analyzer(), vectorizer.vocabulary_, vectorizer.idf_, offset))
            offset += len(vectorizer.vocabulary_)
        model = pipeline.named_steps["model"]
        self.coef = model.coef_.T.tocsr() if hasattr(model.coef_, "tocsr") else model.coef_.T
        self.intercept = model.intercept_

    def probabilities(self, doc: str) -> list[float]:
        scores = self.intercept.copy()
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
    """Read ``bucket,text`` (with ``lang`` given) or ``lang,bucket,text`` CSV rows; unknown buckets are skipped."""
    rows = csv.DictReader(lines)
    return [Example(lang or row["lang"].strip(), row["bucket"].strip(), row["text"].strip())
            for row in rows if row.get("bucket", "").strip() in BUCKETS and row.get("text", "").strip()]


def shipped_examples() -> list[Example]:
    """The training examples written for the project, in all four languages."""
    examples: list[Example] = []
    folder = resources.files(__package__) / "data"
    for lang in LANGUAGES:
        with (folder / f"train_{lang}.csv").open(encoding="utf-8") as fh:
            examples.extend(read_examples(fh, lang))
    return examples


def evaluate(classifier: TextClassifier, examples: Sequence[Example]) -> dict:
    """Accuracy and macro-F1 for buckets and cause groups, overall and per language, with a confusion matrix."""
    predicted = [p.bucket for p in classifier.predict([e.text for e in examples], [e.lang for e in examples])]
    truth = [e.bucket for e in examples]

    def scores(indices: list[int]) -> dict:
        t = [truth[i] for i in indices]
        p = [predicted[i] for i in indices]
        tg = [BUCKET_GROUP[b] for b in t]
        pg = [BUCKET_GROUP[b] for b in p]
        return {
            "n": len(indices),
            "bucket_accuracy": round(accuracy_score(t, p), 4),
            "bucket_macro_f1": round(f1_score(t, p, labels=sorted(set(t)), average="macro", zero_division=0), 4),
            "cause_accuracy": round(accuracy_score(tg, pg), 4),
            "cause_macro_f1": round(f1_score(tg, pg, labels=sorted(set(tg)), average="macro", zero_division=0), 4),
        }

    everything = scores(list(range(len(examples))))
    by_lang = {lang: scores([i for i, e in enumerate(examples) if e.lang == lang])
               for lang in sorted(Counter(e.lang for e in examples))}
    matrix = confusion_matrix(truth, predicted, labels=list(BUCKETS)).tolist()
    return {**everything, "languages": by_lang, "confusion": {"labels": list(BUCKETS), "matrix": matrix}}
