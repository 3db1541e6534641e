"""The free-text classifier itself (pure), as tables of cases per language."""
import numpy as np
import pytest

from survey_app.classification.model import _features, fold, read_examples, script_language

CASES = [
    # English
    ("en", "indifference", "Nobody ever called us back after we signed the contract."),
    ("en", "indifference", "The price was fine, but nobody answered our emails for weeks."),
    ("en", "dissatisfaction", "The software kept crashing and the updates broke our reports."),
    ("en", "competitor", "Another supplier offered the same thing for thirty percent less."),
    ("en", "relationship", "Our new parent company makes us buy from its own supplier."),
    ("en", "circumstances", "We closed the business when I retired."),
    # French, with and without accents
    ("fr", "indifference", "Personne ne nous a rappelés après la signature, on s'est sentis abandonnés."),
    ("fr", "indifference", "pas de suivi apres la vente, le commercial ne repondait plus"),
    ("fr", "dissatisfaction", "Les livraisons arrivaient toujours en retard et les pièces étaient défectueuses."),
    ("fr", "competitor", "Un concurrent nous a fait une offre bien moins chère."),
    ("fr", "circumstances", "Nous avons déménagé dans une autre région."),
    # Polish, with and without diacritics
    ("pl", "indifference", "Nikt nie oddzwonił, a reklamację zignorowano."),
    ("pl", "indifference", "nikt nie oddzwonil po zakupie, cena byla ok"),
    ("pl", "dissatisfaction", "Urządzenie ciągle się psuło, jakość bardzo słaba."),
    ("pl", "competitor", "Znaleźliśmy taniej u konkurencji."),
    ("pl", "circumstances", "Zamknęliśmy firmę, już nie potrzebujemy tych usług."),
    # Russian, with е for ё
    ("ru", "indifference", "Менеджер перестал отвечать на звонки, всем было все равно."),
    ("ru", "dissatisfaction", "Постоянные сбои, сервис не работал по несколько часов."),
    ("ru", "competitor", "Нашли то же самое дешевле у конкурента."),
    ("ru", "relationship", "Мой брат открыл свою фирму, теперь покупаем у него."),
    ("ru", "circumstances", "Мы переехали в другой город."),
]


@pytest.mark.parametrize("lang, bucket, text", CASES)
def test_clear_cases_in_each_language(trained_classifier, lang, bucket, text):
    prediction = trained_classifier.predict([text], [lang])[0]
    assert prediction.bucket == bucket, prediction.ranking[:2]


def test_most_cases_are_confident(trained_classifier):
    predictions = trained_classifier.predict([t for _l, _b, t in CASES], [lang for lang, _b, _t in CASES])
    assert sum(p.confidence >= 0.55 for p in predictions) >= 0.8 * len(CASES)


def test_text_in_another_language_than_the_answer(trained_classifier):
    assert trained_classifier.predict(["Нашли дешевле у конкурента"], ["fr"])[0].bucket == "competitor"


def test_one_text_fast_path_equals_scikit_learn(trained_classifier):
    texts = [t for _l, _b, t in CASES] + ["", "???", "zzz qqq"]
    langs = [lang for lang, _b, _t in CASES] + ["en", "pl", None]
    reference = trained_classifier.pipeline.predict_proba(_features(zip(texts, langs, strict=False)))
    fast = np.array([trained_classifier.probabilities_one(t, lang) for t, lang in zip(texts, langs, strict=False)])
    assert np.abs(reference - fast).max() < 1e-9


def test_batch_and_single_predictions_agree(trained_classifier):
    texts = [t for _l, _b, t in CASES]
    langs = [lang for lang, _b, _t in CASES]
    batch = trained_classifier.predict(texts, langs)
    singles = [trained_classifier.predict([t], [lang])[0] for t, lang in zip(texts, langs, strict=False)]
    assert [p.bucket for p in batch] == [p.bucket for p in singles]


@pytest.mark.parametrize("raw, folded", [
    ("Réclamation IGNORÉE", "reclamation ignoree"), ("Zażółć gęślą jaźń", "zazolc gesla jazn"),
    ("Ещё  раз", "еще раз"), ("  spaces\n\tand tabs ", "spaces and tabs"),
])
def test_fold_drops_case_diacritics_and_spaces(raw, folded):
    assert fold(raw) == folded


@pytest.mark.parametrize("text, declared, used", [
    ("Привет", "fr", "ru"), ("Bonjour", "fr", "fr"), ("Hello", "ru", "en"), ("Cześć", "pl", "pl"), ("Hi", None, "en"),
])
def test_stemming_language_follows_the_script(text, declared, used):
    assert script_language(text, declared) == used


def test_read_examples_skips_unknown_buckets_and_empty_texts():
    rows = ["lang,bucket,text", "en,competitor,Cheaper elsewhere", "en,bogus,x", "fr,moved,", "pl,circumstances,  "]
    assert [(e.lang, e.bucket, e.text) for e in read_examples(rows)] == [("en", "competitor", "Cheaper elsewhere")]
