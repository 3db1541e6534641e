"""Signed survey links for a product's own cancel flow: signing and checking (pure Python: no Flask, no database).

A link ``/s/o/<slug>?ref=REF&lang=xx&exp=UNIX_TS&sig=SIG`` is signed with the survey's secret: ``SIG`` is the
HMAC-SHA256 of the canonical string ``slug \\n ref \\n lang \\n exp`` (UTF-8), written in hex or in base64url
(padding optional). ``lang`` (en, fr, pl or ru) is the form's language and a new customer's.
"""
from __future__ import annotations

import base64
import binascii
import enum
import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass
from urllib.parse import urlencode

from ..text import one_line

#: Longest customer reference a link may carry (the customer table's limit).
REF_MAX = 64
#: Query parameters a signed link carries.
LINK_PARAMS = ("ref", "lang", "exp", "sig")

_DIGITS = re.compile(r"[0-9]{1,12}")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


class LinkProblem(enum.StrEnum):
    """Why a signed link is not accepted."""

    #: The link carries none of the signed-link parameters: an ordinary public link.
    UNSIGNED = "unsigned"
    #: A parameter is missing or malformed.
    MALFORMED = "malformed"
    #: The signature does not match the parameters.
    BAD_SIGNATURE = "bad_signature"
    #: The link was good until ``exp``.
    EXPIRED = "expired"


@dataclass(frozen=True)
class SignedLink:
    """What a good signed link says: who answers, in which language, until when; ``mark`` identifies the link."""

    ref: str
    lang: str
    exp: int
    #: A digest of the signature: the same link gives the same mark (stored with its answer, so it counts once).
    mark: str


def new_secret() -> str:
    """A fresh random signing secret (URL-safe text, 256 bits)."""
    return secrets.token_urlsafe(32)


def canonical(slug: str, ref: str, lang: str, exp: int | str) -> bytes:
    """The bytes a link's signature is computed over."""
    return f"{slug}\n{ref}\n{lang}\n{exp}".encode()


def signature(secret: str, slug: str, ref: str, lang: str, exp: int | str) -> str:
    """The hex signature of a link's parameters."""
    return hmac.new(secret.encode(), canonical(slug, ref, lang, exp), hashlib.sha256).hexdigest()


def sign_query(secret: str, slug: str, ref: str, lang: str, exp: int) -> str:
    """The query string of a signed link (without ``?``)."""
    return urlencode({"ref": ref, "lang": lang, "exp": exp, "sig": signature(secret, slug, ref, lang, exp)})


def _decode(sig: str) -> bytes | None:
    """The 32 signature bytes written as hex or base64url, or None."""
    sig = sig.strip()
    if len(sig) == 64:
        try:
            return bytes.fromhex(sig)
        except ValueError:
            return None
    if len(sig.rstrip("=")) == 43 and re.fullmatch(r"[A-Za-z0-9_-]{43}=?", sig):
        try:
            raw = base64.urlsafe_b64decode(sig.rstrip("=") + "=")
        except (binascii.Error, ValueError):
            return None
        return raw if len(raw) == 32 else None
    return None


def verify(secret: str, slug: str, params: dict[str, str], now: float, languages: frozenset[str] | set[str]
           ) -> SignedLink | LinkProblem:
    """Check a link's query parameters against the survey's ``secret`` at ``now`` (Unix time).

    ``languages``: the codes ``lang`` may take. Returns the link's details, or why it is refused.
    """
    if not any(params.get(name) for name in LINK_PARAMS):
        return LinkProblem.UNSIGNED
    ref, lang, exp, sig = (params.get(name) or "" for name in LINK_PARAMS)
    if (not one_line(ref).strip() or len(ref) > REF_MAX or _CONTROL.search(ref) or lang not in languages
            or not _DIGITS.fullmatch(exp)):
        return LinkProblem.MALFORMED
    given = _decode(sig)
    if given is None:
        return LinkProblem.MALFORMED
    expected = hmac.new(secret.encode(), canonical(slug, ref, lang, exp), hashlib.sha256).digest()
    if not secret or not hmac.compare_digest(given, expected):
        return LinkProblem.BAD_SIGNATURE
    if now >= int(exp):
        return LinkProblem.EXPIRED
    return SignedLink(ref=ref, lang=lang, exp=int(exp), mark=hashlib.sha256(expected).hexdigest())


_DURATION = re.compile(r"([0-9]{1,6})([mhdw])")
_UNIT_SECONDS = {"m": 60, "h": 3600, "d": 86400, "w": 7 * 86400}


def parse_duration(text: str) -> int | None:
    """Seconds in a validity such as ``30m``, ``12h``, ``7d`` or ``2w``; None if it is not one."""
    match = _DURATION.fullmatch(text.strip().lower())
    if match is None or int(match.group(1)) == 0:
        return None
    return int(match.group(1)) * _UNIT_SECONDS[match.group(2)]
