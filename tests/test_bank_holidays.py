"""The shipped bank-holiday table against the `holidays` library it is generated from."""

from __future__ import annotations

import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest

from sendtrack.calendar import DEFAULT_YEARS, bank_holidays, england

ROOT = Path(__file__).resolve().parents[1]


def test_the_table_is_what_holidays_gives_for_england():
    holidays = pytest.importorskip("holidays", reason="the check needs the test extra's `holidays`")
    days, first, last = bank_holidays()
    expected = holidays.country_holidays("GB", subdiv="ENG", years=range(first, last + 1), observed=True)
    assert sorted(days) == sorted(expected)
    # and a calendar of the default years holds exactly those years' dates
    cal = england()
    wanted = holidays.country_holidays("GB", subdiv="ENG", years=DEFAULT_YEARS)
    assert cal.bank_holidays == frozenset(wanted)
    assert len(cal.bank_holidays) == 590  # 1995-2060, the figure issue 14 counted from holidays


def test_the_regeneration_script_agrees():
    pytest.importorskip("holidays", reason="the script needs the test extra's `holidays`")
    done = subprocess.run([sys.executable, str(ROOT / "tools" / "bank_holidays.py"), "--check"],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr


def test_table_covers_the_one_off_and_observed_days():
    # checked by hand against gov.uk/bank-holidays: the Queen's state funeral Mon 19 Sep 2022, the
    # coronation Mon 8 May 2023, Christmas 2021 on a Saturday observed Mon 27 and Boxing Day Tue 28
    days, first, last = bank_holidays()
    for day in (date(2022, 9, 19), date(2023, 5, 8), date(2021, 12, 27), date(2021, 12, 28)):
        assert day in days
    assert first <= DEFAULT_YEARS[0] - 1 and last >= DEFAULT_YEARS[-1] + 1  # the digest's fallback reach


def test_a_calendar_outside_the_table_is_refused():
    _, first, last = bank_holidays()
    with pytest.raises(ValueError):
        england(range(first - 1, first + 1))
    with pytest.raises(ValueError):
        england(range(last, last + 2))


def test_no_run_time_import_of_holidays():
    code = ("import sys; from sendtrack.calendar import england; england(); "
            "print('holidays' in sys.modules)")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, cwd=ROOT)
    assert done.stdout.strip() == "False", done.stderr
