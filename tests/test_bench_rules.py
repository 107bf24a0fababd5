"""bench/rules.py at a tiny size: it runs, its comparison passes against its own dump, and it fails (exit
1) when a single deadline differs, so the check made against main's engine can fail."""

from __future__ import annotations

import pickle
import subprocess
import sys
from pathlib import Path

SCRIPT = Path(__file__).resolve().parents[1] / "bench" / "rules.py"


def run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, str(SCRIPT), "--cases", "40", "--runs", "1", "--shuffled", "20",
                           *args], capture_output=True, text=True, timeout=300)


def test_the_comparison_passes_on_the_same_engine_and_fails_on_a_changed_deadline(tmp_path):
    dump = tmp_path / "engine.pickle"
    made = run("--dump", str(dump))
    assert made.returncode == 0, made.stderr
    assert "cases/s" in made.stdout and "refusals" in made.stdout
    same = run("--against", str(dump))
    assert same.returncode == 0, same.stderr
    assert "identical" in same.stdout

    deadlines, refusals = pickle.loads(dump.read_bytes())
    assert sum(map(len, deadlines)) > 40 and sum(map(len, refusals[1:])) > 0  # something to compare
    first = next(n for n, items in enumerate(deadlines) if items)
    changed = list(deadlines[first][0])
    changed[-1] += " (changed)"  # the basis, which Deadline's equality leaves out: compared all the same
    deadlines[first][0] = tuple(changed)
    dump.write_bytes(pickle.dumps((deadlines, refusals)))
    differs = run("--against", str(dump))
    assert differs.returncode == 1
    assert "DIFFERENT: 1 cases' deadlines" in differs.stderr
