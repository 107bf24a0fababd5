"""sendtrack's benchmark: council (13,000 cases) and England (640,000) databases made by `sendtrack sample`;
each command timed as the median of several runs against its floor measured in the same run.

    python bench/run.py                 # both scales (England takes a while: minutes per step)
    python bench/run.py --council-only
    python bench/run.py --smoke         # tiny sizes, a check that the benchmark itself works

Commands the installed sendtrack does not have (reports merged separately) are skipped and listed.
Peak memory comes from /usr/bin/time -v where it exists (else the children's maxrss so far).
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
AS_OF = "2025-06-30"
GNU_TIME = "/usr/bin/time" if Path("/usr/bin/time").exists() else None


class Figures(list):
    """The figures so far; each is printed as it is measured (an England run takes a while)."""

    def append(self, figure: Figure) -> None:
        super().append(figure)
        print(row(figure), flush=True)


@dataclass
class Figure:
    name: str
    seconds: float
    peak_mb: float
    floor_name: str = ""
    floor_seconds: float | None = None
    target: float | None = None  # ratio to the floor, or seconds when there is no floor
    memory_target: float | None = None
    note: str = ""

    @property
    def ratio(self) -> float | None:
        return self.seconds / self.floor_seconds if self.floor_seconds else None

    def verdict(self) -> str:
        if self.target is None:
            return ""
        value = self.ratio if self.floor_seconds else self.seconds
        ok = value is not None and value <= self.target
        if self.memory_target is not None:
            ok = ok and self.peak_mb <= self.memory_target
        return "ok" if ok else "MISSED"


def sendtrack() -> list[str]:
    found = shutil.which("sendtrack", path=str(Path(sys.executable).parent)) or shutil.which("sendtrack")
    return [found] if found else [sys.executable, "-m", "sendtrack"]


def run_once(argv: list[str], *, env: dict | None = None, stdout=subprocess.DEVNULL) -> tuple[float, float]:
    """(seconds, peak MB) of one run; fails loudly if the command fails."""
    with tempfile.NamedTemporaryFile("r") as report:
        prefix = [GNU_TIME, "-f", "%M", "-o", report.name] if GNU_TIME else []
        before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
        started = time.perf_counter()
        done = subprocess.run(prefix + argv, env={**os.environ, **(env or {})}, stdout=stdout,
                              stderr=subprocess.PIPE, text=True)
        seconds = time.perf_counter() - started
        if done.returncode != 0:
            raise SystemExit(f"bench: {' '.join(argv)} failed ({done.returncode}): "
                             f"{done.stderr.strip()[-500:]}")
        if GNU_TIME:
            lines = [line for line in Path(report.name).read_text().splitlines() if line.strip().isdigit()]
            peak_kb = int(lines[-1]) if lines else 0
        else:
            peak_kb = max(before, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
    return seconds, peak_kb / 1024


def median_of(argv: list[str], runs: int, **kwargs) -> tuple[float, float]:
    results = [run_once(argv, **kwargs) for _ in range(runs)]
    return statistics.median(r[0] for r in results), max(r[1] for r in results)


def paired(name: str, argv: list[str], floor_name: str, floor: list[str], runs: int, **extra) -> Figure:
    """Command and floor interleaved run by run, so both see the same machine."""
    mine, base = [], []
    for _ in range(runs):
        base.append(run_once(floor))
        mine.append(run_once(argv))
    return Figure(name, statistics.median(m[0] for m in mine), max(m[1] for m in mine), floor_name,
                  statistics.median(b[0] for b in base), **extra)


def has_command(name: str) -> bool:
    done = subprocess.run([*sendtrack(), name, "--help"], capture_output=True, text=True)
    return done.returncode == 0


def build(db: Path, cases: int, *, reuse: bool) -> Figure | None:
    if reuse and db.exists():
        return None
    for leftover in db.parent.glob(db.name + "*"):
        leftover.unlink()
    subprocess.run([*sendtrack(), "--db", str(db), "init"], check=True, capture_output=True)
    seconds, peak = run_once([*sendtrack(), "--db", str(db), "sample", "--cases", str(cases), "--seed", "1",
                              "--as-of", AS_OF])
    return Figure(f"sample --cases {cases:,}", seconds, peak)


REPORTS = {  # command -> extra arguments; each only if the installed sendtrack has it
    "cases": ["--format", "csv"],
    "overdue": ["--format", "csv"],
    "at-risk": ["--format", "csv"],
    "caseload": ["--format", "csv"],
    "kpi": ["--year", "2024", "--format", "json"],
    "digest": [],
}


def council(out: Path, cases: int, runs: int, reuse: bool, figures: list[Figure], skipped: list[str]) -> None:
    db = out / "council.db"
    built = build(db, cases, reuse=reuse)
    if built:
        figures.append(built)
    st, floor = sendtrack(), [sys.executable, str(HERE / "floor.py")]
    figures.append(paired("sendtrack --help", [*st, "--help"], "bare typer --help", [*floor, "--help"], runs,
                          target=1.3))
    floor_cmd = [*floor, "--db", str(db)]
    for name, extra in REPORTS.items():
        if not has_command(name):
            skipped.append(f"{name} (not in this sendtrack)")
            continue
        args = [*st, "--db", str(db), name, "--as-of", AS_OF, *extra]
        figures.append(paired(f"council {name} {' '.join(extra)}".strip(), args, "floor command",
                              floor_cmd, runs, target=2.0))
    # single writes, on a copy so the benchmark database stays as sampled
    copy = out / "council-writes.db"
    shutil.copy(db, copy)
    refs = []
    adds, base = [], []
    for number in range(runs):
        ref = f"BENCH-{os.getpid()}-{number}"
        refs.append(ref)
        base.append(run_once([*floor, "--db", str(copy)]))
        # a new child each time: the same name and date of birth would be refused as a duplicate
        adds.append(run_once([*st, "--db", str(copy), "add-request", "--ref", ref, "--name",
                              f"Bench Child {number}", "--dob", "2016-05-04", "--received", "2025-06-02"]))
    figures.append(Figure("council add-request", statistics.median(a[0] for a in adds),
                          max(a[1] for a in adds), "floor command", statistics.median(b[0] for b in base)))
    records = []
    for ref in refs:
        records.append(run_once([*st, "--db", str(copy), "record", "decision", ref, "--date", "2025-06-20",
                                 "--outcome", "assess"]))
    figures.append(Figure("council record decision", statistics.median(r[0] for r in records),
                          max(r[1] for r in records), "floor command", statistics.median(b[0] for b in base)))


def council_bulk(out: Path, heavy_runs: int, figures: list[Figure]) -> None:
    """Import and recompute at council size (issue 14 item 6): import against raw executemany of the
    same file, recompute with nothing changed (skipping the unchanged cases, and with --full where the
    installed sendtrack has it) and with every case changed."""
    db, st = out / "council.db", sendtrack()
    exported = out / "council.csv"
    exported.unlink(missing_ok=True)
    subprocess.run([*st, "--db", str(db), "export", "--out", str(exported)], check=True, capture_output=True)
    cases = sum(1 for line in exported.open() if ",request," in line)
    raw, mine = [], []
    for _ in range(heavy_runs):
        for name, results in (("council-raw.db", raw), ("council-import.db", mine)):
            target = out / name
            for leftover in out.glob(name + "*"):
                leftover.unlink()
            subprocess.run([*st, "--db", str(target), "init"], check=True, capture_output=True)
            raw_argv = [sys.executable, str(HERE / "raw_import.py"), str(exported), str(target)]
            argv = raw_argv if results is raw else [*st, "--db", str(target), "import", str(exported)]
            results.append(run_once(argv))
    figures.append(Figure(f"council import ({cases:,} cases)", statistics.median(m[0] for m in mine),
                          max(m[1] for m in mine), "raw executemany", statistics.median(r[0] for r in raw),
                          target=3.0))
    copy = out / "council-recompute.db"
    shutil.copy(db, copy)
    run_once([*st, "--db", str(copy), "recompute"])  # the first: afterwards unchanged cases can be skipped
    full = "--full" in subprocess.run([*st, "recompute", "--help"], capture_output=True, text=True).stdout
    for label, extra in (("nothing changed", []), ("nothing changed, --full", ["--full"])):
        if extra and not full:
            continue
        seconds, peak = median_of([*st, "--db", str(copy), "recompute", *extra], heavy_runs)
        figures.append(Figure(f"council recompute ({label}; {seconds / cases * 1e3:.3f} ms a case)", seconds,
                              peak, target=0.1e-3 * cases))
    config = out / "config-contact-4-weeks.toml"
    default = Path(__import__("sendtrack").__file__).with_name("data") / "config.toml"
    config.write_text(default.read_text().replace("contact_weeks = 6", "contact_weeks = 4"))
    seconds, peak = run_once([*st, "--db", str(copy), "--config", str(config), "recompute"])
    figures.append(Figure("council recompute (contact_weeks 6 -> 4: every case)", seconds, peak))


def england(out: Path, cases: int, runs: int, heavy_runs: int, reuse: bool, figures: list[Figure],
            skipped: list[str]) -> None:
    db = out / "england.db"
    built = build(db, cases, reuse=reuse)
    if built:
        figures.append(built)
    st = sendtrack()
    if has_command("overdue"):
        with open(os.devnull, "w") as sink:
            plain = median_of([sys.executable, str(HERE / "plain_overdue.py"), str(db), AS_OF], runs,
                              stdout=sink)
        seconds, peak = median_of([*st, "--db", str(db), "overdue", "--as-of", AS_OF, "--format", "csv"],
                                  runs)
        figures.append(Figure("England overdue --format csv", seconds, peak, "plain sqlite3 script", plain[0],
                              target=2.5, memory_target=300))
    else:
        skipped.append("England overdue (not in this sendtrack)")
    exported = out / "england.csv"
    seconds, peak = run_once([*st, "--db", str(db), "export", "--out", str(exported)])
    figures.append(Figure("England export (CSV)", seconds, peak))
    raw, mine = [], []
    for _ in range(heavy_runs):
        target = out / "england-raw.db"
        for leftover in out.glob("england-raw.db*"):
            leftover.unlink()
        subprocess.run([*st, "--db", str(target), "init"], check=True, capture_output=True)
        raw.append(run_once([sys.executable, str(HERE / "raw_import.py"), str(exported), str(target)]))
        target = out / "england-import.db"
        for leftover in out.glob("england-import.db*"):
            leftover.unlink()
        subprocess.run([*st, "--db", str(target), "init"], check=True, capture_output=True)
        mine.append(run_once([*st, "--db", str(target), "import", str(exported)]))
    figures.append(Figure(f"England import ({cases:,} cases)", statistics.median(m[0] for m in mine),
                          max(m[1] for m in mine), "raw executemany", statistics.median(r[0] for r in raw),
                          target=3.0))
    seconds, peak = median_of([*st, "--db", str(db), "recompute"], heavy_runs)
    figures.append(Figure("England recompute (nothing changed)", seconds, peak, target=60))
    config = out / "config-contact-4-weeks.toml"
    default = Path(__import__("sendtrack").__file__).with_name("data") / "config.toml"
    config.write_text(default.read_text().replace("contact_weeks = 6", "contact_weeks = 4"))
    seconds, peak = run_once([*st, "--db", str(db), "--config", str(config), "recompute"])
    figures.append(Figure("England recompute (contact_weeks 6 -> 4)", seconds, peak, target=60))
    seconds, peak = run_once([*st, "--db", str(db), "recompute"])
    figures.append(Figure("England recompute (and back)", seconds, peak, target=60))


HEADER = ("| measurement | median s | floor | floor s | ratio | target | peak MB | |\n"
          "|---|---:|---|---:|---:|---:|---:|---|")


def row(f: Figure) -> str:
    ratio = f"{f.ratio:.2f}x" if f.ratio else ""
    target = ("" if f.target is None
              else f"<= {f.target:g}x" if f.floor_seconds else f"<= {f.target:g} s")
    if f.memory_target:
        target += f", <= {f.memory_target:g} MB"
    floor = f"{f.floor_seconds:.3f}" if f.floor_seconds else ""
    return (f"| {f.name} | {f.seconds:.3f} | {f.floor_name} | {floor} | {ratio} | {target} | "
            f"{f.peak_mb:.0f} | {f.verdict()} |")


def table(figures: list[Figure]) -> str:
    return "\n".join([HEADER, *(row(f) for f in figures)])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--council-only", action="store_true", help="skip the England database")
    parser.add_argument("--bulk", action="store_true",
                        help="with --council-only: import and recompute at council size too")
    parser.add_argument("--smoke", action="store_true", help="tiny sizes: check the benchmark runs")
    parser.add_argument("--runs", type=int, default=7, help="runs per quick command (median)")
    parser.add_argument("--heavy-runs", type=int, default=1, help="runs of import and recompute")
    parser.add_argument("--council", type=int, default=13_000)
    parser.add_argument("--england", type=int, default=640_000)
    parser.add_argument("--out", type=Path, default=HERE / "out", help="where the databases go")
    parser.add_argument("--reuse", action="store_true", help="keep databases already built")
    args = parser.parse_args(argv)
    if args.smoke:
        args.council, args.england, args.runs = 300, 1_000, 2
    args.out.mkdir(parents=True, exist_ok=True)
    figures: list[Figure] = Figures()
    skipped: list[str] = []
    print(HEADER, flush=True)
    council(args.out, args.council, args.runs, args.reuse, figures, skipped)
    if args.bulk or not args.council_only:
        council_bulk(args.out, args.heavy_runs, figures)
    if not args.council_only:
        england(args.out, args.england, args.runs, args.heavy_runs, args.reuse, figures, skipped)
    print(f"sendtrack benchmark: {os.cpu_count()} cores, Python {sys.version.split()[0]}, "
          f"council {args.council:,} cases, England {args.england:,}, medians of {args.runs} runs")
    print()
    print(table(figures))
    if skipped:
        print("skipped: " + "; ".join(skipped))
    return 0


if __name__ == "__main__":
    sys.exit(main())
