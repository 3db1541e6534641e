#!/usr/bin/env python3
"""Free-text classification throughput: answers per second on 100,000 texts, in batches and one by one.

    .venv/bin/python benchmarks/classify_throughput.py [N]

Texts are the shipped training examples, repeated and lightly altered (case, missing diacritics)
so that no two in a row are the same. The baseline, measured in the same run on the same texts, is
the simplest scikit-learn text classifier: word TF-IDF and logistic regression with defaults.

The sentence encoder keeps the vectors of recent texts, so repeated answers cost little; the
"distinct texts" line measures the worst case, every text new (the encoder's cache emptied and
each text made unique). ``CLASSIFIER_ENCODER_THREADS`` sets the encoder's BLAS threads (default 1).
"""
import sys
import time
import unicodedata

from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline

from survey_app.classification.model import TextClassifier, sentence_encoder, shipped_examples


def variants(examples, n):
    for i in range(n):
        e = examples[i % len(examples)]
        text = e.text.upper() if i % 3 == 0 else e.text
        if i % 5 == 0:
            text = "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))
        yield text, e.lang


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
    examples = shipped_examples()
    t0 = time.perf_counter()
    classifier = TextClassifier().fit(examples)
    print(f"trained on {len(examples)} examples in {time.perf_counter() - t0:.1f} s")
    texts, langs = zip(*variants(examples, n), strict=False)

    bare = make_pipeline(TfidfVectorizer(), LogisticRegression(max_iter=1000))
    bare.fit([e.text for e in examples], [e.bucket for e in examples])
    t0 = time.perf_counter()
    for start in range(0, n, 2000):
        bare.predict_proba(texts[start:start + 2000])
    baseline = time.perf_counter() - t0

    t0 = time.perf_counter()
    for start in range(0, n, 2000):
        classifier.predict(texts[start:start + 2000], langs[start:start + 2000])
    batch = time.perf_counter() - t0

    distinct_n = min(n, 5000)
    distinct = [f"{text} #{i}" for i, text in enumerate(texts[:distinct_n])]
    sentence_encoder()._cache.clear()
    t0 = time.perf_counter()
    for start in range(0, distinct_n, 2000):
        chunk = distinct[start:start + 2000]
        classifier.predict(chunk, langs[start:start + len(chunk)])
    unique = time.perf_counter() - t0

    single_n = min(n, 20_000)
    t0 = time.perf_counter()
    for text, lang in zip(texts[:single_n], langs[:single_n], strict=False):
        classifier.predict([text], [lang])
    single = time.perf_counter() - t0

    print(f"batches of 2000: {n / batch:,.0f} answers/s ({n:,} texts in {batch:.1f} s)")
    print(f"batches of distinct texts (nothing cached): {distinct_n / unique:,.0f} answers/s, "
          f"{unique / distinct_n * 1000:.2f} ms each")
    print(f"one at a time (as stored): {single_n / single:,.0f} answers/s, {single / single_n * 1000:.2f} ms each")
    print(f"baseline (word TF-IDF + logistic regression): {n / baseline:,.0f} answers/s; "
          f"ratio app/baseline = {baseline / batch:.2f}")


if __name__ == "__main__":
    main()
