"""`import` and `recompute` timed against another installation's, alternated in one sitting.

    python bench/command_pairs.py --other /work/main/.venv/bin/sendtrack --db COUNCIL.db --out /tmp/NAME

`--db` is a council database (`sendtrack --db X init && sendtrack --db X sample --cases 13000 --seed 1
--as-of 2025-06-30`), only read. `import`: its CSV export (made once, by `--other`) into a fresh
database (made by `init`, not timed). `recompute`: a copy of it recomputed with contact_weeks 6 -> 4
(every case changed; the copy is made and given a first recompute beforehand, not timed). Prints, a run
a line: wall, CPU (user + system, worker processes included), peak memory (the largest process), the
load; then each pair's CPU ratio (this / other).
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
from pathlib import Path

from pairs import alternate, timed


def clear(db: Path) -> None:
    for leftover in db.parent.glob(db.name + "*"):
        leftover.unlink()


def run(what: str, exe: str, council: Path, out: Path) -> tuple[float, float, float]:
    target = out / "pairs.db"
    clear(target)
    if what == "import":
        subprocess.run([exe, "--db", str(target), "init"], check=True, stdout=subprocess.DEVNULL)
        got = timed([exe, "--db", str(target), "import", str(out / "council.csv")])
    else:
        shutil.copyfile(council, target)
        subprocess.run([exe, "--db", str(target), "recompute"], check=True, stdout=subprocess.DEVNULL)
        got = timed([exe, "--db", str(target), "--config", str(out / "contact-4.toml"), "recompute"])
    clear(target)
    return got


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--other", required=True, help="the other sendtrack executable (e.g. main's)")
    parser.add_argument("--this", default=shutil.which("sendtrack") or "sendtrack")
    parser.add_argument("--db", type=Path, required=True, help="a council database (read only)")
    parser.add_argument("--out", type=Path, required=True, help="a folder for the export and databases")
    parser.add_argument("--pairs", type=int, default=2)
    parser.add_argument("--only", choices=("import", "recompute"), action="append")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    if not (args.out / "council.csv").exists():
        subprocess.run([args.other, "--db", str(args.db), "export", "--out", str(args.out / "council.csv")],
                       check=True)
    default = Path(__import__("sendtrack").__file__).with_name("data") / "config.toml"
    (args.out / "contact-4.toml").write_text(default.read_text().replace("contact_weeks = 6",
                                                                         "contact_weeks = 4"))
    for what in args.only or ("import", "recompute"):
        ratios = alternate(args.pairs, args.this, args.other,
                           lambda exe, what=what: run(what, exe, args.db, args.out), label=f"{what} ")
        print(f"{what} CPU ratios this/other: {', '.join(f'{r:.3f}' for r in ratios)}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
