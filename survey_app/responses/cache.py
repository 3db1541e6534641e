"""What the respondent's path keeps between requests, held by the app: one object, one ``clear()``.

Survey snapshots, the reason catalogue, rendered blank forms and the loaded classifier live in one
:class:`RespondentCache` at ``app.extensions["respondent_cache"]``, so two apps in a process never share
entries and a test or an operator empties all of it at once. Writers announce changes with the signals of
:mod:`survey_app.signals` and the cache forgets what depended on them; other processes see a survey change
through its ``updated_at`` and a new model through its version, read at most every ``SURVEY_RECHECK_SECONDS``.
"""
from __future__ import annotations

import time
from collections.abc import Callable, Hashable, Mapping
from threading import Lock
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from flask import Flask, current_app

from ..signals import model_changed, reasons_changed, survey_changed

if TYPE_CHECKING:
    from markupsafe import Markup

    from ..classification.model import TextClassifier
    from .snapshot import ReasonDef, SurveyDefinition

EXTENSION = "respondent_cache"
MAX_ENTRIES = 512
V = TypeVar("V")
#: (survey id, updated_at) of a survey as last read from the database, or None when there is no such survey.
VersionRow = tuple[int, Any] | None


class _Entries(Generic[V]):
    """A small thread-safe dict that forgets everything when it grows too big."""

    def __init__(self, max_entries: int = MAX_ENTRIES) -> None:
        self._data: dict[Hashable, V] = {}
        self._lock = Lock()
        self._max = max_entries

    def get_or_build(self, key: Hashable, build: Callable[[], V]) -> V:
        """Return the value for ``key``, building it on a miss."""
        try:
            return self._data[key]
        except KeyError:
            pass
        value = build()
        self.put(key, value)
        return value

    def get(self, key: Hashable) -> V | None:
        """Return the value for ``key``, or None."""
        return self._data.get(key)

    def put(self, key: Hashable, value: V) -> None:
        """Keep ``value`` under ``key``."""
        with self._lock:
            if len(self._data) >= self._max:
                self._data.clear()
            self._data[key] = value

    def forget(self, keep: Callable[[Hashable], bool]) -> None:
        """Drop the entries whose key ``keep`` refuses."""
        with self._lock:
            for key in [k for k in self._data if not keep(k)]:
                del self._data[key]

    def clear(self) -> None:
        """Forget everything."""
        with self._lock:
            self._data.clear()

    def __len__(self) -> int:
        return len(self._data)


class RespondentCache:
    """Everything the respondent's path reuses across requests, for one app."""

    def __init__(self) -> None:
        self._versions: _Entries[tuple[float, VersionRow]] = _Entries()
        self._definitions: _Entries[SurveyDefinition] = _Entries()
        self._fields: _Entries[Markup] = _Entries()
        self._pages: _Entries[str] = _Entries()
        self._reasons: _Entries[tuple[float, Mapping[str, ReasonDef]]] = _Entries(1)
        self._model_version: tuple[float, str | None] = (float("-inf"), None)
        self._models: _Entries[TextClassifier] = _Entries(1)
        self._model_lock = Lock()

    # -- surveys ---------------------------------------------------------------------------------

    def survey_version(self, lookup: tuple, max_age: float, read: Callable[[], VersionRow]) -> VersionRow:
        """The (id, version) of the survey found by ``lookup``, read again when older than ``max_age`` seconds."""
        now = time.monotonic()
        checked_at, row = self._versions.get(lookup) or (float("-inf"), None)
        if now - checked_at >= max_age:
            row = read()
            self._versions.put(lookup, (now, row))
        return row

    def definition(self, version: tuple[int, Any], build: Callable[[], SurveyDefinition]) -> SurveyDefinition:
        """The snapshot of a survey at ``version`` (its id and ``updated_at``)."""
        return self._definitions.get_or_build(version, build)

    def fields_html(self, key: tuple, build: Callable[[], Markup]) -> Markup:
        """The untouched answer fields of a survey version, keyed by ``(definition.key, …)``."""
        return self._fields.get_or_build(key, build)

    def blank_page(self, key: tuple, build: Callable[[], str]) -> str:
        """An untouched answer page, with slots for its per-view values, keyed by ``(definition.key, …)``."""
        return self._pages.get_or_build(key, build)

    def forget_survey(self, survey_id: int) -> None:
        """Drop all that was read or built from survey ``survey_id``."""
        self._versions.clear()  # keyed by slug or id: a slug may have moved to or from this survey
        for entries in (self._definitions, self._fields, self._pages):
            entries.forget(lambda key: _survey_of(key) != survey_id)

    # -- reasons ---------------------------------------------------------------------------------

    def reasons(self, max_age: float, read: Callable[[], Mapping[str, ReasonDef]]) -> Mapping[str, ReasonDef]:
        """The whole reason catalogue by code, read again when older than ``max_age`` seconds."""
        now = time.monotonic()
        read_at, catalogue = self._reasons.get("all") or (float("-inf"), {})
        if now - read_at >= max_age:
            catalogue = read()
            self._reasons.put("all", (now, catalogue))
        return catalogue

    def forget_reasons(self) -> None:
        """Drop the catalogue and every snapshot and page built with it."""
        for entries in (self._reasons, self._definitions, self._fields, self._pages):
            entries.clear()

    # -- the classifier --------------------------------------------------------------------------

    def model_version(self, max_age: float, read: Callable[[], str | None]) -> str | None:
        """The newest model version, read again when older than ``max_age`` seconds."""
        checked_at, version = self._model_version
        now = time.monotonic()
        if now - checked_at >= max_age:
            version = read()
            self._model_version = (now, version)
        return version

    def model(self, version: str, load: Callable[[], TextClassifier | None]) -> TextClassifier | None:
        """The classifier of ``version``, loaded once (only one version is kept); a failed load is tried again."""
        classifier = self._models.get(version)
        if classifier is None:
            with self._model_lock:  # one load at a time: a model is big and slow to read
                classifier = self._models.get(version)
                if classifier is None:
                    classifier = load()
                    if classifier is not None:
                        self._models.put(version, classifier)
        return classifier

    def forget_model(self) -> None:
        """Drop the loaded classifier and the version last read."""
        self._model_version = (float("-inf"), None)
        self._models.clear()

    # -- all -------------------------------------------------------------------------------------

    def clear(self) -> None:
        """Forget everything."""
        for entries in (self._versions, self._definitions, self._fields, self._pages, self._reasons, self._models):
            entries.clear()
        self._model_version = (float("-inf"), None)

    def __len__(self) -> int:
        """How many entries are held (a loaded model and a remembered model version count one each)."""
        held = (self._versions, self._definitions, self._fields, self._pages, self._reasons, self._models)
        return sum(len(e) for e in held) + (self._model_version[0] != float("-inf"))


def _survey_of(key: Hashable) -> object:
    # Keys start with the definition's key, (survey id, version), or are that key itself.
    first = key[0] if isinstance(key, tuple) and key else None
    if isinstance(first, tuple):
        return first[0]
    return first


def init_app(app: Flask) -> None:
    """Give ``app`` its own respondent cache."""
    app.extensions[EXTENSION] = RespondentCache()


def respondent_cache(app: Flask | None = None) -> RespondentCache:
    """The respondent cache of ``app`` (the current app by default)."""
    return (app or current_app).extensions[EXTENSION]


def _survey_changed(_sender, survey_id: int, **_details) -> None:
    respondent_cache().forget_survey(survey_id)


def _reasons_changed(_sender, **_details) -> None:
    respondent_cache().forget_reasons()


def _model_changed(_sender, **_details) -> None:
    respondent_cache().forget_model()


def connect() -> None:
    """Forget what a survey, reason or model change makes stale, in the process that made it."""
    survey_changed.connect(_survey_changed)
    reasons_changed.connect(_reasons_changed)
    model_changed.connect(_model_changed)
