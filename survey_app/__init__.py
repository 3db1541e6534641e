"""survey_app: exit and loyalty surveys that find out why customers leave.

Importing the package imports nothing else, so the pure modules (``survey_app.taxonomy``,
``survey_app.languages`` …) load without Flask or SQLAlchemy; the factory is in
:mod:`survey_app.factory`.
"""
from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from flask import Flask

    from .config import Config

#: The project folder (migrations, translations, the default instance folder).
ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), os.pardir))


def create_app(config: type[Config] | None = None, **overrides: Any) -> Flask:
    """Create and configure the survey application (see :func:`survey_app.factory.create_app`)."""
    from .factory import create_app as factory

    return factory(config, **overrides)
