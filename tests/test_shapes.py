"""One source for every row shape: the SQLModel tables, the row types and the queries all use the
column lists of storage/columns.py."""

from __future__ import annotations

from dataclasses import fields

import pytest

from sendtrack.domain import Deadline
from sendtrack.reports.base import ITEM_FIELDS, ITEM_SQL
from sendtrack.storage import columns
from sendtrack.storage.cases import CASE_COLUMNS, StoredCase, StoredEvent
from sendtrack.storage.schema import (
    AuditHeadTable,
    CaseTable,
    CheckedTable,
    DeadlineTable,
    EventTable,
    PlacementTable,
)


@pytest.mark.parametrize("table,declared", [(CaseTable, columns.CASES + columns.CASE_RETURNS),
                                            (EventTable, columns.EVENTS),
                                            (DeadlineTable, columns.DEADLINES),
                                            (AuditHeadTable, columns.AUDIT_HEADS),
                                            (PlacementTable, columns.PLACEMENTS),
                                            (CheckedTable, columns.CHECKED)],
                         ids=["cases", "events", "deadlines", "audit_heads", "placements", "checked"])
def test_schema_tables_have_exactly_the_declared_columns(table, declared):
    assert set(table.__table__.columns.keys()) == set(declared)
    assert len(declared) == len(set(declared))


def test_row_types_are_the_declared_columns():
    assert tuple(f.name for f in fields(StoredCase)) == CASE_COLUMNS
    assert set(columns.CASES) - set(CASE_COLUMNS) == {"created_at"}
    assert tuple(f.name for f in fields(StoredEvent)) == columns.EVENTS
    assert tuple(f.name for f in fields(Deadline) if f.name not in columns.COMPUTED_ONLY) == \
        columns.DEADLINE_FIELDS
    # what is left out is only ever words computed beside the dates, never compared
    assert {f.name for f in fields(Deadline) if not f.compare} == columns.COMPUTED_ONLY
    assert {"trigger", "due", "act_by", "completed_on", "excepted_from", "ended_on",
                                      "known_from", "known_until"} == columns.DEADLINE_DATES


def test_report_items_read_declared_columns_by_name():
    for name in ITEM_FIELDS:
        assert name == "status" or name in columns.CASES or name in columns.DEADLINE_FIELDS, name
        assert f".{name}" in ITEM_SQL or name == "status"


def test_stored_case_reads_a_row_by_name_not_position():
    row = dict(zip(CASE_COLUMNS, range(len(CASE_COLUMNS)), strict=True))
    row.update(dob="2015-03-15", received="2025-01-06", ref="R1", team="front-door")
    case = StoredCase.from_row(tuple(row[c] for c in CASE_COLUMNS))
    assert (case.ref, case.team, str(case.dob), str(case.received)) == ("R1", "front-door", "2015-03-15",
                                                                       "2025-01-06")
