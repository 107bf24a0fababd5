"""The statutory returns at council size: how long `sen2`, `sen2 --check` and `annex-a` take over a
sampled caseload (issue 12's target: under 10 s each at 13,000 cases), and whether the SEN2 file is
valid against the tests' XML Schema.

    python bench/returns.py                      # 13,000 cases into a temporary database
    python bench/returns.py --cases 2000 --runs 3
    python bench/returns.py --db existing.db     # an existing database (not written, but for the
                                                 # Annex A secret on its first run)

Each command runs as a user runs it (a new `sendtrack` process), so start-up is included; the figure
is the median of --runs, wall clock, with the sample made once before.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CENSUS_YEAR = 2026


def run(db: Path, *args: str, ok: tuple[int, ...] = (0,)) -> float:
    env = {**os.environ, "SENDTRACK_DB": str(db)}
    started = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "sendtrack", *args], env=env, capture_output=True, text=True)
    took = time.perf_counter() - started
    if done.returncode not in ok:
        raise SystemExit(f"sendtrack {' '.join(args)} exited {done.returncode}: {done.stderr.strip()}")
    return took


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=13_000)
    parser.add_argument("--runs", type=int, default=1)
    parser.add_argument("--db", type=Path)
    options = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        work = Path(scratch)
        db = options.db or work / "returns.db"
        if options.db is None:
            run(db, "init")
            took = run(db, "sample", "--cases", str(options.cases), "--as-of", f"{CENSUS_YEAR}-02-01")
            print(f"sample --cases {options.cases}: {took:.1f} s (not part of the target)")
        xml, xlsx = work / "sen2.xml", work / "annex-a.xlsx"
        figures = {
            "sen2 --out FILE.xml": [run(db, "sen2", "--year", str(CENSUS_YEAR), "--la", "919", "--out",
                                        str(xml), "--force") for _ in range(options.runs)],
            "sen2 --check": [run(db, "sen2", "--year", str(CENSUS_YEAR), "--la", "919", "--check",
                                 "--format", "csv", ok=(0, 1)) for _ in range(options.runs)],
            "annex-a --out FILE.xlsx": [run(db, "annex-a", "--out", str(xlsx), "--force",
                                            "--as-of", f"{CENSUS_YEAR}-01-15") for _ in range(options.runs)],
        }
        for name, times in figures.items():
            print(f"{name:28} {statistics.median(times):6.2f} s  (target < 10 s; runs: "
                  f"{', '.join(f'{t:.2f}' for t in times)})")
        print(f"SEN2 file: {xml.stat().st_size / 1e6:.1f} MB, {xml.read_text().count('<Person>')} persons; "
              f"Annex A: {xlsx.stat().st_size / 1e6:.1f} MB")
        try:
            import xmlschema
        except ImportError:
            print("xmlschema not installed (test extra): the file was not validated")
            return
        started = time.perf_counter()
        xmlschema.XMLSchema(str(ROOT / "tests" / "data" / f"sen2-{CENSUS_YEAR}.xsd")).validate(str(xml))
        took = time.perf_counter() - started
        print(f"valid against tests/data/sen2-{CENSUS_YEAR}.xsd (checked in {took:.1f} s)")


if __name__ == "__main__":
    main()
