"""The shape of the code, checked: pure modules (taxonomy, languages, answer rules, statistics, charts, the
classifier's maths…) import neither Flask nor a database library, so they can be tested and reused alone."""
import configparser
import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.slow
def test_the_import_contracts_are_kept():
    lint = Path(sys.executable).parent / "lint-imports"
    result = subprocess.run([str(lint), "--no-cache"], cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout


def _contract(key: str) -> list[str]:
    """The module names listed under ``key`` in the pure-modules contract of ``.importlinter``."""
    parser = configparser.ConfigParser()
    parser.read(ROOT / ".importlinter")
    return parser["importlinter:contract:pure-modules"][key].split()


@pytest.mark.slow
def test_pure_modules_load_without_flask_or_a_database_library_at_run_time():
    # import-linter reads import statements; this also catches what a package's __init__ drags in.
    forbidden = _contract("forbidden_modules")
    script = ("import importlib, json, sys\n"
              f"for name in {_contract('source_modules')!r}:\n"
              "    importlib.import_module(name)\n"
              f"print(json.dumps(sorted(m for m in sys.modules if m.split('.')[0] in {forbidden!r})))")
    result = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == []


def test_the_contract_lists_modules_that_exist():
    modules = _contract("source_modules")
    assert len(modules) >= 10
    for name in modules:
        assert (ROOT / (name.replace(".", "/") + ".py")).is_file(), name
