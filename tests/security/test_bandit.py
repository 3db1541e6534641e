"""Static security check of the package with bandit."""
import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def test_bandit_finds_nothing_of_medium_or_high_severity():
    pytest.importorskip("bandit")
    run = subprocess.run([sys.executable, "-m", "bandit", "-r", "survey_app", "-q", "-f", "json"], cwd=ROOT,
                         capture_output=True, text=True)
    report = json.loads(run.stdout)
    serious = [f"{r['filename']}:{r['line_number']} {r['test_id']} {r['issue_text']}" for r in report["results"]
               if r["issue_severity"] in ("MEDIUM", "HIGH")]
    assert serious == []
    assert report["metrics"]["_totals"]["loc"] > 5000, "bandit looked at the package"
