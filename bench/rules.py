"""The rules engine alone (issue 14 items 6-7): `compute` over a council's cases and the `refusal` replay
of every event, timed in one process, with a comparison mode that exits non-zero on any difference.

The cases are the ones `sendtrack sample --seed S --as-of D` writes (made by the sample's own generator,
voided events left out, as the database gives them back), so no database is needed.

    python bench/rules.py                          # 13,000 cases: cases/s for compute and replay
    python bench/rules.py --dump /tmp/x/old.pickle # also keep every deadline and refusal
    python bench/rules.py --against /tmp/x/old.pickle --runs 1   # exit 1 on any difference

Run `--dump` with one checkout's interpreter (e.g. main's venv) and `--against` with another's: every
field of every deadline (its basis too) and every refusal's message must be equal.
"""

from __future__ import annotations

import argparse
import gc
import pickle
import random
import sys
import time
from bisect import insort
from dataclasses import astuple
from datetime import date


def histories(cases: int, seed: int, as_of: date, years: int):
    """(case values, live events, the events in recording order as (event, voided id or None)).

    The timings: `build` makes each case value from its events (as storage.to_case does), `compute` runs
    the engine over each, `replay` judges every event with `refusal` as import does."""
    from sendtrack.app.sample import generate, ref_for, staffing
    from sendtrack.config import load
    from sendtrack.domain import Event

    staff = staffing(seed, cases, as_of=as_of, years=years, teams=load(None).teams)
    out = []
    for number in range(cases):
        values, events = generate(seed, number, as_of=as_of, years=years, staff=staff)
        voided = {v for kind, _, _, v, _, _ in events if kind == "void"}
        made = [Event(index, kind, when, () if kind == "void" else pairs)
                for index, (kind, when, pairs, _, _, _) in enumerate(events)]
        live = tuple(e for index, e in enumerate(made) if e.kind != "void" and index not in voided)
        recorded = [(e, events[e.id][3] if e.kind == "void" else None) for e in made]
        values = (ref_for(number + 1), values["dob"], values["received"], values["looked_after"],
                  values["alternative_provision"], values["setting"])
        out.append((values, live, recorded))
    return out


def fresh_cases(made):
    """New case values (their per-case memo empty), as a command builds them from its rows."""
    from sendtrack.domain import Case

    return [Case(ref, dob, received, looked_after, ap, setting, live)
            for (ref, dob, received, looked_after, ap, setting), live, _ in made]


def replay(made, today: date, calendar, settings) -> list[tuple[int, int, str]]:
    """Every event judged by `refusal` against the case as it stood before it (as import does):
    (case number, event id, reason) for each refused one. Voided events are left out once voided."""
    from sendtrack.domain import Case
    from sendtrack.rules.engine import refusal

    problems = []
    for number, ((ref, dob, received, looked_after, ap, setting), _, recorded) in enumerate(made):
        current = Case(ref, dob, received, looked_after, ap, setting)
        live: list = []
        for event, target in recorded:
            if event.kind == "void":
                live = [e for e in live if e.id != target]
                current = Case(ref, dob, received, looked_after, ap, setting, tuple(live))
                continue
            if event.kind != "request":
                problem = refusal(current, event, today=today, calendar=calendar, settings=settings)
                if problem:
                    problems.append((number, event.id, problem))
                    continue
            if live and (event.date, event.id) < (live[-1].date, live[-1].id):
                insort(live, event, key=lambda e: (e.date, e.id))  # back-dated: rebuilt, as import does
                current = Case(ref, dob, received, looked_after, ap, setting, tuple(live))
            else:
                live.append(event)
                current = current.then(event)
    return problems


def shuffled(made, count: int, seed: int):
    """The first `count` histories with their events after the request recorded in a shuffled order
    (back-dated entries, events before what they need): what the guards refuse, compared too."""
    rng = random.Random(seed)
    out = []
    for values, live, recorded in made[:count]:
        rest = recorded[1:]
        rng.shuffle(rest)
        out.append((values, live, [recorded[0], *rest]))
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=13_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--as-of", type=date.fromisoformat, default=date(2025, 6, 30))
    parser.add_argument("--years", type=int, default=6)
    parser.add_argument("--runs", type=int, default=3, help="timed runs of each (the best is printed)")
    parser.add_argument("--dump", help="write every deadline and refusal to this pickle")
    parser.add_argument("--against", help="compare with a pickle written by --dump; exit 1 on a difference")
    parser.add_argument("--shuffled", type=int, default=2000, metavar="N",
                        help="with --dump/--against: also replay N histories shuffled (3 seeds) and compare "
                             "what is refused")
    parser.add_argument("--profile", help="write a cProfile of one compute pass and one replay here")
    args = parser.parse_args()

    from sendtrack.calendar import england
    from sendtrack.config import load
    from sendtrack.rules.engine import compute

    calendar, settings = england(), load(None).settings()
    started = time.process_time()
    made = histories(args.cases, args.seed, args.as_of, args.years)
    events = sum(len(recorded) for _, _, recorded in made)
    print(f"{args.cases} cases, {events} events made in {time.process_time() - started:.2f} s CPU "
          f"(not counted)")

    def compute_all():
        # each case's deadlines dropped once counted, as sample, import and recompute turn them into
        # rows a case (or a chunk) at a time: keeping 250,000 deadlines alive would time the garbage
        # collector walking them as much as the rules
        cases = fresh_cases(made)
        gc.collect()
        start = time.process_time()
        count = 0
        for case in cases:
            count += len(compute(case, calendar, settings))
        return time.process_time() - start, count

    def replay_all():
        gc.collect()
        start = time.process_time()
        out = replay(made, args.as_of, calendar, settings)
        return time.process_time() - start, out

    if args.profile:
        import cProfile

        cases = fresh_cases(made)
        profiler = cProfile.Profile()
        profiler.enable()
        for case in cases:
            compute(case, calendar, settings)
        replay(made, args.as_of, calendar, settings)
        profiler.disable()
        profiler.dump_stats(args.profile)
        print(f"profile written to {args.profile}")

    def build_all():
        gc.collect()
        start = time.process_time()
        fresh_cases(made)
        return time.process_time() - start, None

    timings: dict[str, list[float]] = {"build": [], "compute": [], "replay": []}
    count = 0
    problems: list = []
    for _ in range(args.runs):
        timings["build"].append(build_all()[0])
        spent, count = compute_all()
        timings["compute"].append(spent)
        spent, problems = replay_all()
        timings["replay"].append(spent)
    for name, spent in timings.items():
        best = min(spent)
        runs = ", ".join(f"{s:.2f}" for s in spent)
        print(f"{name:8} best {best:6.2f} s CPU ({runs}): {args.cases / best:8.0f} cases/s, "
              f"{best / args.cases * 1000:.3f} ms a case")
    print(f"{count} deadlines, {len(problems)} refusals")

    if not (args.dump or args.against):
        return 0
    deadlines = [compute(case, calendar, settings) for case in fresh_cases(made)]
    mixed = [replay(shuffled(made, args.shuffled, seed), args.as_of, calendar, settings) for seed in range(3)]
    print(f"shuffled: {sum(len(m) for m in mixed)} refusals in 3 x {args.shuffled} histories")
    found = ([[astuple(d) for d in items] for items in deadlines], [problems, *mixed])
    if args.dump:
        with open(args.dump, "wb") as handle:
            pickle.dump(found, handle)
        print(f"written to {args.dump}")
    if args.against:
        with open(args.against, "rb") as handle:
            expected = pickle.load(handle)
        differ = [n for n, (a, b) in enumerate(zip(expected[0], found[0], strict=True)) if a != b]
        if differ or expected[1] != found[1]:
            print(f"DIFFERENT: {len(differ)} cases' deadlines (first: case {differ[:5]}), "
                  f"refusals {'differ' if expected[1] != found[1] else 'equal'}", file=sys.stderr)
            return 1
        print(f"identical to {args.against}: every field of {count} deadlines (basis included) in "
              f"{args.cases} cases, and every refusal (the shuffled histories' too)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
