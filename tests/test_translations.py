"""The fr, pl and ru catalogues are complete, not fuzzy, with the right plural forms and placeholders."""
import re
import subprocess
import sys
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parent.parent
PLURALS = {"fr": 2, "pl": 3, "ru": 3}
PLACEHOLDER = re.compile(r"%\((\w+)\)[sd]")


def catalogue(locale):
    with open(ROOT / "translations" / locale / "LC_MESSAGES" / "messages.po", "rb") as fh:
        return read_po(fh, locale=locale)


@pytest.fixture(scope="module")
def source_ids(tmp_path_factory):
    """Every translatable string in the code now (extracted afresh, not from a stale .pot)."""
    pot = tmp_path_factory.mktemp("pot") / "messages.pot"
    pybabel = Path(sys.executable).parent / "pybabel"
    subprocess.run([str(pybabel), "-q", "extract", "-F", "babel.cfg", "-k", "_l", "-k", "N_", "-k",
                    "lazy_pgettext:1c,2", "-o", str(pot), "survey_app"], check=True, cwd=ROOT)
    with open(pot, "rb") as fh:
        return {_key(m) for m in read_po(fh) if m.id}


def _key(message) -> tuple[str | None, str]:
    """A message by its context and (singular) text: "Open" said of a survey and of a win-back case differ."""
    return message.context, message.id if isinstance(message.id, str) else message.id[0]


@pytest.mark.parametrize("locale", sorted(PLURALS))
def test_catalogue_is_complete_and_not_fuzzy(locale):
    cat = catalogue(locale)
    problems = []
    for message in cat:
        if not message.id:
            continue
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        if message.fuzzy:
            problems.append(("fuzzy", message.id))
        if not all(s.strip() for s in strings):
            problems.append(("untranslated", message.id))
    assert problems == []


@pytest.mark.parametrize("locale", sorted(PLURALS))
def test_plural_forms_have_the_right_count(locale):
    cat = catalogue(locale)
    assert cat.num_plurals == PLURALS[locale]
    for message in cat:
        if message.pluralizable:
            assert len(message.string) == PLURALS[locale], message.id


@pytest.mark.parametrize("locale", sorted(PLURALS))
def test_placeholders_match_the_english(locale):
    for message in catalogue(locale):
        if not message.id:
            continue
        source = message.id if isinstance(message.id, str) else message.id[1]
        wanted = set(PLACEHOLDER.findall(source))
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        for s in strings:
            assert set(PLACEHOLDER.findall(s)) <= wanted | {"num"}, (message.id, s)
            if wanted - {"num"}:
                assert wanted - {"num"} <= set(PLACEHOLDER.findall(s)), (message.id, s)


@pytest.mark.parametrize("locale", sorted(PLURALS))
def test_catalogue_covers_every_extracted_string(locale, source_ids):
    translated = {_key(m) for m in catalogue(locale) if m.id}
    assert source_ids - translated == set()


def glossary_rows() -> list[dict]:
    """The rows of translations/GLOSSARY.md's table: the concept, its English pattern, the exception and, per
    language, the chosen term and the banned variants (regular expressions)."""
    rows = []
    for line in (ROOT / "translations" / "GLOSSARY.md").read_text(encoding="utf-8").splitlines():
        if not line.startswith("| ") or line.startswith("| Concept"):
            continue
        cells = [c.strip().replace("\\|", "|") for c in re.split(r"(?<!\\)\|", line.strip().strip("|"))]
        concept, english, unless, *terms = cells
        banned = terms[3:]
        rows.append({"concept": concept, "english": english.strip("`"), "unless": unless.strip("`"),
                     "terms": dict(zip(sorted(PLURALS), terms[:3], strict=True)),
                     "banned": {locale: [b.strip().strip("`") for b in cell.split("` | `") if b.strip().strip("`")]
                                for locale, cell in zip(sorted(PLURALS), banned, strict=True)}})
    return rows


def test_the_glossary_has_a_term_for_every_concept_in_every_language():
    rows = glossary_rows()
    assert len(rows) >= 10
    for row in rows:
        assert all(row["terms"].values()), row["concept"]
        re.compile(row["english"])
        for patterns in row["banned"].values():
            for pattern in patterns:
                re.compile(pattern)


@pytest.mark.parametrize("locale", sorted(PLURALS))
def test_catalogues_use_the_glossary_terms(locale):
    found = []
    entries = [m for m in catalogue(locale) if m.id]
    for row in glossary_rows():
        for message in entries:
            ids = [message.id] if isinstance(message.id, str) else list(message.id)
            if not any(re.search(row["english"], i, re.I) for i in ids):
                continue
            if row["unless"] and any(re.search(row["unless"], i, re.I) for i in ids):
                continue
            texts = [message.string] if isinstance(message.string, str) else list(message.string)
            texts = [PLACEHOLDER.sub("", t) for t in texts]
            for pattern in row["banned"][locale]:
                if any(re.search(pattern, t, re.I) for t in texts):
                    found.append(f"{row['concept']}: {pattern!r} in {ids[0]!r}")
    assert found == []


def test_french_typography():
    """A narrow no-break space before : ; ? ! and inside « », curly apostrophes."""
    wrong = []
    for message in catalogue("fr"):
        if not message.id:
            continue
        for text in [message.string] if isinstance(message.string, str) else message.string:
            text = PLACEHOLDER.sub("x", text)
            if (re.search(r"[ \u00a0][:;?!]", text) or re.search(r"\w'\w", text)
                    or re.search(r"«(?!\u202f)|(?<!\u202f)»", text) or re.search(r"\w[;?!](\s|$)", text)):
                wrong.append(text)
    assert wrong == []


@pytest.mark.parametrize("locale", sorted(PLURALS))
def test_no_stray_percent_sign(locale):
    """A % that is not a placeholder or %% breaks the %-formatting of the message (Jinja's _ always formats), unless
    the English has one too (a message never formatted)."""
    bare = re.compile(r"%\(\w+\)[sd]|%%")
    wrong = [m.id for m in catalogue(locale) if m.id
             for text in ([m.string] if isinstance(m.string, str) else m.string)
             if "%" in bare.sub("", text) and "%" not in bare.sub("", m.id if isinstance(m.id, str) else m.id[0])]
    assert wrong == []
