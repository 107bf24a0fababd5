"""Importing a council's own tracker (.xlsx, one row per case, through a map) against importing the same
cases from sendtrack's own CSV export, in one run (issue 10: target <= 2x, memory flat).

    python bench/tracker_import.py [--cases 13000] [--runs 3]

A synthetic council (`sendtrack sample`) is written out as a tracker the way councils keep one
(Case Ref, Child Name, DOB, Date Request Received, Decision Date, Decision, Draft Issued, Final EHCP
Issued, Last Annual Review, ...; real date cells), imported with `import --map` into database B, and B
exported to CSV: so the CSV holds exactly the tracker's cases and events. Then, run by run and
interleaved so both see the same machine, the tracker and the CSV are imported into fresh databases.
Peak memory (the importing process's maximum RSS) is printed for the full tracker and for a quarter of
it: flat means the same, whatever the number of rows.
"""

from __future__ import annotations

import argparse
import csv
import resource
import statistics
import subprocess
import sys
import tempfile
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from run import AS_OF, run_once, sendtrack  # noqa: E402 - the benchmark's shared runner

HEADINGS = ["Case Ref", "Child Name", "DOB", "Date Request Received", "Requested By", "Team", "EHCC",
            "LAC", "Decision Date", "Decision", "Draft Issued", "Final EHCP Issued", "Last Annual Review",
            "Date Withdrawn", "Date Ceased", "Cease Reason"]
MAP = """\
sheet = "Live cases"
[columns]
ref = "Case Ref"
name = "Child Name"
dob = "DOB"
received = "Date Request Received"
source = "Requested By"
team = "Team"
coordinator = "EHCC"
looked_after = "LAC"
decision = "Decision Date"
decision_outcome = "Decision"
draft = "Draft Issued"
final = "Final EHCP Issued"
last_review = "Last Annual Review"
withdrawn = "Date Withdrawn"
ceased = "Date Ceased"
cease_reason = "Cease Reason"

[values.decision_outcome]
"Agreed" = "assess"
"Not agreed" = "refuse"
"""


def tracker_rows(export: Path):
    """One tracker row per case of a sendtrack export: the events a council's tracker keeps."""
    case: dict | None = None
    voided: set[str] = set()

    def row(c: dict) -> list:
        ev = c["events"]
        first = {k: next((e for e in ev if e[0] == k and e[3] not in voided), None)
                 for k in ("decision", "draft", "final", "withdrawn", "cease")}
        decision = first["decision"]
        assessed = decision is not None and '"assess"' in decision[2]
        final = first["final"] if assessed else None
        end = min((e[1] for e in (first["withdrawn"], first["cease"]) if e is not None), default=None)
        reviews = [e for e in ev if e[0] == "review-meeting" and e[3] not in voided and final is not None
                   and e[1] >= final[1] and (end is None or e[1] < end)]
        cease = first["cease"] if final is not None else None
        withdrawn = first["withdrawn"]
        if withdrawn is not None and final is not None and withdrawn[1] >= final[1]:
            withdrawn = None
        if withdrawn is not None and final is not None:
            final, reviews, cease = None, [], None
        draft = first["draft"] if assessed and (final is None or first["draft"] is None
                                                or first["draft"][1] <= final[1]) else None
        day = lambda e: date.fromisoformat(e[1]) if e is not None else None  # noqa: E731
        return [c["ref"], c["name"], date.fromisoformat(c["dob"]), date.fromisoformat(c["received"]),
                c["source"], c["team"], c["coordinator"], "Yes" if c["looked_after"] == "yes" else "No",
                day(decision), ("Agreed" if assessed else "Not agreed") if decision else None,
                day(draft), day(final), day(reviews[-1]) if reviews else None, day(withdrawn),
                day(cease), "moved away" if cease is not None else None]

    with export.open(newline="", encoding="utf-8") as handle:
        for r in csv.DictReader(handle):
            if case is None or r["ref"] != case["ref"]:
                if case is not None:
                    yield row(case)
                case, voided = {"ref": r["ref"], "events": []}, set()
            if r["kind"] == "request":
                case.update(name=r["name"], dob=r["dob"], received=r["date"], source=r["source"],
                            team=r["team"], coordinator=r["coordinator"], looked_after=r["looked_after"])
            elif r["kind"] == "void":
                voided.add(r["voids"])
            else:
                case["events"].append((r["kind"], r["date"], r["details"], r["event_id"]))
    if case is not None:
        yield row(case)


def write_tracker(rows, path: Path, limit: int | None = None) -> int:
    import xlsxwriter

    book = xlsxwriter.Workbook(str(path), {"constant_memory": True})
    sheet = book.add_worksheet("Live cases")
    sheet.write_string(0, 0, "Synthetic Council - EHC tracker")
    day = book.add_format({"num_format": "dd/mm/yyyy"})
    for col, heading in enumerate(HEADINGS):
        sheet.write_string(2, col, heading)
    count = 0
    for values in rows:
        if limit is not None and count >= limit:
            break
        count += 1
        for col, value in enumerate(values):
            if isinstance(value, date):
                sheet.write_datetime(2 + count, col, value, day)
            elif value:
                sheet.write_string(2 + count, col, value)
    book.close()
    return count


def timed(argv: list[str]) -> tuple[float, float, float]:
    """(wall seconds, peak MB, CPU seconds of the whole process tree: user + system, which a machine
    shared with other work disturbs far less than the wall clock)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    seconds, peak = run_once(argv)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return seconds, peak, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cases", type=int, default=13_000)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    st = sendtrack()
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        source, export = work / "sample.db", work / "sample.csv"
        subprocess.run([*st, "--db", str(source), "init"], check=True, capture_output=True)
        subprocess.run([*st, "--db", str(source), "sample", "--cases", str(args.cases), "--as-of", AS_OF],
                       check=True, capture_output=True)
        subprocess.run([*st, "--db", str(source), "export", "--out", str(export)], check=True)
        tracker, quarter, mapping = work / "tracker.xlsx", work / "quarter.xlsx", work / "map.toml"
        rows = write_tracker(tracker_rows(export), tracker)
        write_tracker(tracker_rows(export), quarter, limit=rows // 4)
        mapping.write_text(MAP, encoding="utf-8")
        # the CSV of exactly the tracker's cases and events: the tracker imported, then exported
        middle, same = work / "middle.db", work / "same.csv"
        subprocess.run([*st, "--db", str(middle), "init"], check=True, capture_output=True)
        done = subprocess.run([*st, "--db", str(middle), "import", "--map", str(mapping), str(tracker)],
                              capture_output=True, text=True)
        if done.returncode != 0:
            raise SystemExit(f"the tracker did not import: {done.stderr.strip()[-800:]}")
        print(f"tracker: {rows} rows ({tracker.stat().st_size // 1024} KB .xlsx); {done.stdout.strip()}")
        subprocess.run([*st, "--db", str(middle), "export", "--out", str(same)], check=True)
        print(f"the same cases as sendtrack's CSV export: {same.stat().st_size // 1024} KB")
        quarter_db, quarter_csv = work / "quarter-middle.db", work / "quarter.csv"
        subprocess.run([*st, "--db", str(quarter_db), "init"], check=True, capture_output=True)
        subprocess.run([*st, "--db", str(quarter_db), "import", "--map", str(mapping), str(quarter)],
                       check=True, capture_output=True)
        subprocess.run([*st, "--db", str(quarter_db), "export", "--out", str(quarter_csv)], check=True)

        def fresh(name: str) -> Path:
            db = work / name
            for old in work.glob(name + "*"):
                old.unlink()
            subprocess.run([*st, "--db", str(db), "init"], check=True, capture_output=True)
            return db

        mine, base, small, small_base = [], [], [], []
        for _ in range(args.runs):
            base.append(timed([*st, "--db", str(fresh("csv.db")), "import", str(same)]))
            mine.append(timed([*st, "--db", str(fresh("xlsx.db")), "import", "--map", str(mapping),
                                  str(tracker)]))
            small.append(timed([*st, "--db", str(fresh("quarter.db")), "import", "--map", str(mapping),
                                   str(quarter)]))
            small_base.append(timed([*st, "--db", str(fresh("quarter-csv.db")), "import",
                                        str(quarter_csv)]))
        seconds, csv_seconds = statistics.median(m[0] for m in mine), statistics.median(b[0] for b in base)
        ratio = seconds / csv_seconds
        peak, csv_peak, small_peak, small_csv_peak = (max(r[1] for r in runs)
                                                      for runs in (mine, base, small, small_base))
        cpu, csv_cpu = statistics.median(m[2] for m in mine), statistics.median(b[2] for b in base)
        print(f"import --map tracker.xlsx ({rows} rows): {seconds:.2f} s wall, {cpu:.2f} s CPU, "
              f"peak {peak:.0f} MB")
        print(f"import same.csv (sendtrack's export):  {csv_seconds:.2f} s wall, {csv_cpu:.2f} s CPU, "
              f"peak {csv_peak:.0f} MB")
        print(f"ratio {ratio:.2f}x wall, {cpu / csv_cpu:.2f}x CPU (target <= 2x): "
              f"{'ok' if max(ratio, cpu / csv_cpu) <= 2 else 'MISSED'}")
        print(f"memory, a quarter ({rows // 4} rows) -> the whole: tracker {small_peak:.0f} -> {peak:.0f} MB,"
              " "
              f"CSV export {small_csv_peak:.0f} -> {csv_peak:.0f} MB; the tracker's own part "
              f"{small_peak - small_csv_peak:+.0f} -> {peak - csv_peak:+.0f} MB")
        print(f"(medians of {args.runs} runs each, interleaved in one run; peak = the importing process's "
              "maximum RSS)")


if __name__ == "__main__":
    main()
