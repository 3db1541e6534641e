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
    subprocess.run([str(pybabel), "-q", "extract", "-F", "babel.cfg", "-k", "_l", "-k", "N_", "-o", str(pot),
                    "survey_app"], check=True, cwd=ROOT)
    with open(pot, "rb") as fh:
        return {m.id if isinstance(m.id, str) else m.id[0] for m in read_po(fh) if m.id}


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
    translated = {m.id if isinstance(m.id, str) else m.id[0] for m in catalogue(locale) if m.id}
    assert source_ids - translated == set()
