"""A smoke run of the benchmark at tiny sizes: the command documented in docs/performance.md still works."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

BENCH = Path(__file__).resolve().parents[1] / "bench" / "run.py"


def test_benchmark_smoke_run(tmp_path):
    done = subprocess.run([sys.executable, str(BENCH), "--smoke", "--council-only", "--runs", "1",
                           "--out", str(tmp_path)], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert "| sendtrack --help |" in done.stdout
    assert "| council cases --format csv |" in done.stdout
    assert "| council add-request |" in done.stdout
