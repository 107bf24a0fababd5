"""`sendtrack sample` timed against another installation's, alternated in one sitting.

    python bench/sample_pairs.py --other /work/main/.venv/bin/sendtrack --cases 13000 --pairs 2
    python bench/sample_pairs.py --other OLD --cases 100000 --pairs 1 --out /tmp/NAME

Each run samples `--cases` cases (`--seed 1 --as-of 2025-06-30`) into a fresh database (made by
`init` beforehand, not timed) under --out, then deletes it. Prints, a run a line: wall seconds, CPU
seconds (user + system, the command's worker processes included), CPU ms a case and peak memory
(the largest process); then each pair's CPU ratio (this / other) and the load average when it ran.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def run(exe: str, folder: Path, cases: int) -> tuple[float, float, float]:
    db = folder / "sample.db"
    for leftover in folder.glob("sample.db*"):
        leftover.unlink()
    subprocess.run([exe, "--db", str(db), "init"], check=True, stdout=subprocess.DEVNULL)
    wall = time.perf_counter()
    process = subprocess.Popen([exe, "--db", str(db), "sample", "--cases", str(cases), "--seed", "1",
                                "--as-of", "2025-06-30"], stdout=subprocess.DEVNULL)
    _, status, usage = os.wait4(process.pid, 0)
    wall = time.perf_counter() - wall
    if status != 0:
        raise SystemExit(f"{exe} sample failed ({status})")
    # wait4 counts the process and the children it waited for (the pool's workers)
    cpu = usage.ru_utime + usage.ru_stime
    peak = usage.ru_maxrss / 1024  # the largest of the process and its workers
    for leftover in folder.glob("sample.db*"):
        leftover.unlink()
    return wall, cpu, peak


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
    ratios = []
    for pair in range(args.pairs):
        got = {}
        order = [("this", args.this), ("other", args.other)]
        for name, exe in order if pair % 2 == 0 else order[::-1]:
            load = os.getloadavg()[0]
            wall, cpu, peak = run(exe, folder, args.cases)
            got[name] = cpu
            print(f"pair {pair + 1} {name:5s} wall {wall:7.2f} s  cpu {cpu:7.2f} s  "
                  f"{cpu / args.cases * 1000:.3f} ms CPU a case  peak {peak:.0f} MB  load {load:.1f}",
                  flush=True)
        ratios.append(got["this"] / got["other"])
        print(f"pair {pair + 1} CPU ratio this/other {ratios[-1]:.3f}", flush=True)
    if args.out is None:
        shutil.rmtree(folder)
    print(f"CPU ratios this/other: {', '.join(f'{r:.3f}' for r in ratios)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
