"""``flask translate``: extract, update and compile the message catalogues with pybabel."""
from __future__ import annotations

import os
import subprocess
import sys

import click

from . import ROOT
from .languages import TRANSLATED

LOCALES = TRANSLATED
POT = os.path.join(ROOT, "translations", "messages.pot")
#: Line width of the catalogues (kept the same so updates change only what changed).
WIDTH = "100"


def _pybabel(*args: str) -> None:
    pybabel = os.path.join(os.path.dirname(sys.executable), "pybabel")
    subprocess.run([pybabel, *args], check=True, cwd=ROOT)


@click.group("translate")
def translate_cli() -> None:
    """Keep the fr, pl and ru catalogues in step with the code."""


@translate_cli.command("extract")
def extract() -> None:
    """Collect every translatable string into translations/messages.pot."""
    _pybabel("extract", "-F", "babel.cfg", "-k", "_l", "-k", "N_", "-k", "lazy_pgettext:1c,2", "--no-location",
             "--sort-output",
             "--project", "survey_app", "--width", WIDTH, "-o", POT, "survey_app")


@translate_cli.command("update")
def update() -> None:
    """Extract, then merge new strings into each language's messages.po."""
    extract.callback()
    for locale in LOCALES:
        po = os.path.join(ROOT, "translations", locale, "LC_MESSAGES", "messages.po")
        if os.path.exists(po):
            _pybabel("update", "-i", POT, "-d", "translations", "-l", locale, "--no-fuzzy-matching", "--width", WIDTH)
        else:
            _pybabel("init", "-i", POT, "-d", "translations", "-l", locale)


@translate_cli.command("compile")
def compile_() -> None:
    """Build the .mo files the application reads."""
    _pybabel("compile", "-d", "translations", "--statistics")
