"""Signing and checking cancel-flow links (the pure module), against an independent HMAC computation."""
from __future__ import annotations

import base64
import hashlib
import hmac

import pytest

from survey_app.surveys.linksign import LinkProblem, SignedLink, parse_duration, sign_query, signature, verify

SECRET = "s3cret-for-tests"
LANGS = frozenset({"en", "fr", "pl", "ru"})
NOW = 1_800_000_000


def mac(secret: str, slug: str, ref: str, lang: str, exp: int | str) -> bytes:
    """The signature as an integrator computes it from the README's recipe."""
    return hmac.new(secret.encode(), f"{slug}\n{ref}\n{lang}\n{exp}".encode(), hashlib.sha256).digest()


def params(ref="C-1", lang="fr", exp=NOW + 60, sig: str | None = None, slug="exit", secret=SECRET) -> dict:
    return {"ref": ref, "lang": lang, "exp": str(exp),
            "sig": sig if sig is not None else mac(secret, slug, ref, lang, exp).hex()}


def test_the_signature_is_the_documented_hmac():
    assert signature(SECRET, "exit", "C-1", "fr", 123) == mac(SECRET, "exit", "C-1", "fr", 123).hex()
    assert "sig=" + mac(SECRET, "exit", "C 1", "pl", 5).hex() in sign_query(SECRET, "exit", "C 1", "pl", 5)


@pytest.mark.parametrize("encode", [
    lambda raw: raw.hex(),
    lambda raw: raw.hex().upper(),
    lambda raw: base64.urlsafe_b64encode(raw).decode(),
    lambda raw: base64.urlsafe_b64encode(raw).decode().rstrip("="),
], ids=["hex", "HEX", "base64url", "base64url-unpadded"])
def test_hex_and_base64url_signatures_are_accepted(encode):
    raw = mac(SECRET, "exit", "C-1", "fr", NOW + 60)
    link = verify(SECRET, "exit", params(sig=encode(raw)), NOW, LANGS)
    assert isinstance(link, SignedLink) and (link.ref, link.lang, link.exp) == ("C-1", "fr", NOW + 60)
    assert link.mark == hashlib.sha256(raw).hexdigest()


@pytest.mark.parametrize("lang", ["en", "fr", "pl", "ru"])
def test_every_language(lang):
    assert isinstance(verify(SECRET, "exit", params(lang=lang), NOW, LANGS), SignedLink)


@pytest.mark.parametrize(("change", "problem"), [
    ({"ref": "C-2"}, LinkProblem.BAD_SIGNATURE),
    ({"lang": "pl"}, LinkProblem.BAD_SIGNATURE),
    ({"lang": ""}, LinkProblem.MALFORMED),
    ({"exp": str(NOW + 61)}, LinkProblem.BAD_SIGNATURE),
    ({"sig": "0" * 64}, LinkProblem.BAD_SIGNATURE),
    ({"sig": ""}, LinkProblem.MALFORMED),
    ({"sig": "zz" * 32}, LinkProblem.MALFORMED),
    ({"sig": "abc"}, LinkProblem.MALFORMED),
    ({"ref": ""}, LinkProblem.MALFORMED),
    ({"ref": "x" * 65}, LinkProblem.MALFORMED),
    ({"ref": "C-1\nfr"}, LinkProblem.MALFORMED),
    ({"lang": "de"}, LinkProblem.MALFORMED),
    ({"exp": ""}, LinkProblem.MALFORMED),
    ({"exp": "-5"}, LinkProblem.MALFORMED),
    ({"exp": "1e9"}, LinkProblem.MALFORMED),
], ids=lambda value: str(value))
def test_tampering_with_any_parameter_is_refused(change, problem):
    assert verify(SECRET, "exit", {**params(), **change}, NOW, LANGS) == problem


@pytest.mark.parametrize(("slug", "secret"), [("other", SECRET), ("exit", "another-secret"), ("exit", "")])
def test_a_link_for_another_survey_or_secret_is_refused(slug, secret):
    assert verify(secret, slug, params(), NOW, LANGS) == LinkProblem.BAD_SIGNATURE


@pytest.mark.parametrize(("now", "good"), [(NOW + 59, True), (NOW + 60, False), (NOW + 10_000, False)])
def test_a_link_works_until_its_expiry(now, good):
    result = verify(SECRET, "exit", params(exp=NOW + 60), now, LANGS)
    assert isinstance(result, SignedLink) if good else result == LinkProblem.EXPIRED


def test_an_expired_link_with_a_bad_signature_is_told_bad_not_expired():
    assert verify(SECRET, "exit", params(exp=NOW - 1, sig="1" * 64), NOW, LANGS) == LinkProblem.BAD_SIGNATURE


def test_no_link_parameters_is_an_unsigned_link():
    assert verify(SECRET, "exit", {}, NOW, LANGS) == LinkProblem.UNSIGNED
    assert verify(SECRET, "exit", {"ref": "", "sig": ""}, NOW, LANGS) == LinkProblem.UNSIGNED


@pytest.mark.parametrize(("text", "seconds"), [("30m", 1800), ("12h", 43200), ("7d", 604800), ("2W", 1209600),
                                               (" 1d ", 86400), ("0d", None), ("7", None), ("d", None),
                                               ("1y", None), ("-1d", None), ("", None)])
def test_validities(text, seconds):
    assert parse_duration(text) == seconds
