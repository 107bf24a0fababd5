"""`sendtrack sample` timed against another installation's, alternated in one sitting.

    python bench/sample_pairs.py --other /work/main/.venv/bin/sendtrack --cases 13000 --pairs 2
    python bench/sample_pairs.py --other OLD --cases 100000 --pairs 1 --out /tmp/NAME

Each run samples `--cases` cases (`--seed 1 --as-of 2025-06-30`) into a fresh database (made by
`init` beforehand, not timed) under --out, then deletes it. Prints, a run a line: wall seconds, CPU
seconds (user + system, the command's worker processes included), CPU ms a case and peak memory
(the largest process); then each pair's CPU ratio (this / other) and the load average when it ran,
and at the end the wall-time ratios too.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from pairs import alternate, timed


def run(exe: str, folder: Path, cases: int) -> tuple[float, float, float]:
    db = folder / "sample.db"
    for leftover in folder.glob("sample.db*"):
        leftover.unlink()
    subprocess.run([exe, "--db", str(db), "init"], check=True, stdout=subprocess.DEVNULL)
    got = timed([exe, "--db", str(db), "sample", "--cases", str(cases), "--seed", "1",
                 "--as-of", "2025-06-30"])
    for leftover in folder.glob("sample.db*"):
        leftover.unlink()
    return got


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--other", required=True, help="the other sendtrack executable (e.g. main's)")
    parser.add_argument("--this", default=shutil.which("sendtrack") or "sendtrack")
    parser.add_argument("--cases", type=int, default=13000)
    parser.add_argument("--pairs", type=int, default=2)
    parser.add_argument("--out", type=Path, default=None, help="folder for the databases (a temporary one)")
    args = parser.parse_args()
    folder = args.out or Path(tempfile.mkdtemp(prefix="sample-pairs-"))
    folder.mkdir(parents=True, exist_ok=True)
    walls: dict[str, list[float]] = {args.this: [], args.other: []}

    def measure(exe: str) -> tuple[float, float, float]:
        got = run(exe, folder, args.cases)
        walls[exe].append(got[0])
        return got

    ratios = alternate(args.pairs, args.this, args.other, measure,
                       per_run=lambda cpu: f"{cpu / args.cases * 1000:.3f} ms CPU a case  ", each_pair=True)
    if args.out is None:
        shutil.rmtree(folder)
    print(f"CPU ratios this/other: {', '.join(f'{r:.3f}' for r in ratios)}")
    wall_ratios = [a / b for a, b in zip(walls[args.this], walls[args.other], strict=True)]
    print(f"wall ratios this/other: {', '.join(f'{r:.3f}' for r in wall_ratios)} (wall time follows the "
          "load: compare pairs run at the same load)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
