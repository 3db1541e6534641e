"""Packaging: every folder of the application is a declared package (setuptools warns about each one that is not,
~400 lines before `make run` prints the logins), and every template, static file and data file is package data."""
import configparser
import fnmatch
from pathlib import Path

from setuptools import find_namespace_packages

ROOT = Path(__file__).resolve().parent.parent


def _options() -> configparser.ConfigParser:
    parser = configparser.ConfigParser()
    parser.read(ROOT / "setup.cfg")
    return parser


def test_every_folder_with_files_is_a_declared_package():
    options = _options()
    assert options["options"]["packages"].strip() == "find_namespace:"
    include = options["options.packages.find"]["include"].split()
    declared = set(find_namespace_packages(where=str(ROOT), include=include))
    folders = {str(p.parent.relative_to(ROOT)).replace("/", ".")
               for p in (ROOT / "survey_app").rglob("*") if p.is_file() and "__pycache__" not in p.parts}
    assert folders and folders <= declared, sorted(folders - declared)


def test_every_non_python_file_is_package_data():
    patterns = _options()["options.package_data"]["survey_app"].split()
    files = [str(p.relative_to(ROOT / "survey_app")) for p in (ROOT / "survey_app").rglob("*")
             if p.is_file() and p.suffix not in (".py", ".pyc", ".mo") and "__pycache__" not in p.parts]
    missing = [f for f in files if not any(fnmatch.fnmatch(f, pattern) for pattern in patterns)]
    assert files and missing == [], missing
