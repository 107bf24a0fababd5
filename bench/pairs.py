"""What bench/sample_pairs.py and bench/command_pairs.py share: a command timed through os.wait4, and
this installation alternated with another, pair by pair, in one sitting."""

from __future__ import annotations

import os
import subprocess
import time
from collections.abc import Callable


def timed(argv: list[str]) -> tuple[float, float, float]:
    """(wall s, CPU s, peak MB) of one run: wait4 counts the process and the children it waited for
    (the pool's workers); the peak is the largest of them."""
    wall = time.perf_counter()
    process = subprocess.Popen(argv, stdout=subprocess.DEVNULL)
    _, status, usage = os.wait4(process.pid, 0)
    if status != 0:
        raise SystemExit(f"{' '.join(argv)} failed ({status})")
    return time.perf_counter() - wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024


def alternate(pairs: int, this: str, other: str, measure: Callable[[str], tuple[float, float, float]], *,
              label: str = "", per_run: Callable[[float], str] = lambda cpu: "",
              each_pair: bool = False) -> list[float]:
    """`measure(executable)` for this and the other installation, the order swapped every pair; a
    line a run (wall, CPU, `per_run(cpu)`, peak, load), and each pair's CPU ratio this / other."""
    ratios = []
    for pair in range(pairs):
        got = {}
        order = [("this", this), ("other", other)]
        for name, exe in order if pair % 2 == 0 else order[::-1]:
            load = os.getloadavg()[0]
            wall, cpu, peak = measure(exe)
            got[name] = cpu
            print(f"{label}pair {pair + 1} {name:5s} wall {wall:7.2f} s  cpu {cpu:7.2f} s  "
                  f"{per_run(cpu)}peak {peak:.0f} MB  load {load:.1f}", flush=True)
        ratios.append(got["this"] / got["other"])
        if each_pair:
            print(f"{label}pair {pair + 1} CPU ratio this/other {ratios[-1]:.3f}", flush=True)
    return ratios
