"""Reports stream their rows to the writer: the streamed JSON and tables are the same bytes as the
whole-list ones they replaced."""

from __future__ import annotations

import io
import json
from datetime import date

from hypothesis import given
from hypothesis import strategies as st

from sendtrack.output import render as out

text = st.text(max_size=12)  # any code point: quotes, newlines, RTL marks, emoji
value = st.one_of(st.none(), st.booleans(), st.integers(), text, st.dates())
rows = st.lists(st.dictionaries(st.sampled_from(["ref", "due", "b", "z", "é"]), value), max_size=6)


@given(rows)
def test_json_written_row_by_row_is_the_whole_lists_bytes(items):
    streamed = io.StringIO()
    out.write_json_list(iter(items), streamed)
    whole = json.dumps(items, sort_keys=True, indent=2, ensure_ascii=False, default=out.plain) + "\n"
    assert streamed.getvalue() == whole


def test_empty_json_is_brackets():
    streamed = io.StringIO()
    out.write_json_list(iter([]), streamed)
    assert streamed.getvalue() == "[]\n"


def test_a_table_counts_the_rows_it_does_not_show(monkeypatch, capsys):
    monkeypatch.setenv("COLUMNS", "80")
    columns = [out.Column("ref", "Ref"), out.Column("due", "Due")]
    made = ({"ref": f"R{n:04d}", "due": date(2025, 1, 1)} for n in range(out.TABLE_LIMIT + 7))
    out.render(made, columns, "table", title="T")
    lines = capsys.readouterr().out.splitlines()
    # title, header, rule, 500 rows, the count line
    assert len(lines) == 3 + out.TABLE_LIMIT + 1
    assert lines[-1] == f"… 7 more rows: use --format csv for all {out.TABLE_LIMIT + 7}"
    assert lines[3].startswith("R0000") and lines[-2].startswith("R0499")


def test_a_generator_and_a_list_render_alike(monkeypatch, capsys):
    monkeypatch.setenv("COLUMNS", "80")
    columns = [out.Column("ref", "Ref"), out.Column("n", "N", "right")]
    data = [{"ref": "A-1", "n": 3}, {"ref": "=cmd", "n": -2}]
    for fmt in ("table", "csv", "json"):
        out.render(data, columns, fmt, title="T")
        whole = capsys.readouterr().out
        out.render(iter(data), columns, fmt, title="T")
        assert capsys.readouterr().out == whole
    out.render(iter([]), columns, "table", empty="nothing here")
    assert capsys.readouterr().out == "nothing here\n"
