"""The references import has seen (`exchange._Refs`): exact whatever the order the cases come in, and a
case whose rows come back after another case's is refused as before, however many cases lie between
(a block of references kept joined, the one being filled, or the set of those out of order)."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from sendtrack.app.exchange import _Refs

refs = st.lists(st.from_regex(r"[A-Za-z0-9][A-Za-z0-9._/-]{0,6}", fullmatch=True), unique=True, max_size=60)


@given(refs, st.lists(st.from_regex(r"[A-Za-z0-9][A-Za-z0-9._/-]{0,6}", fullmatch=True), max_size=20),
       st.booleans())
def test_the_refs_seen_answer_as_a_set_would(added, asked, ascending):
    seen, expected = _Refs(), set()
    seen.BLOCK = 4  # several blocks from a few references
    for ref in sorted(added) if ascending else added:
        assert (ref in seen) == (ref in expected)
        seen.add(ref)
        expected.add(ref)
    for ref in [*added, *asked, *(r + "0" for r in added), *(r[:-1] for r in added if len(r) > 1)]:
        assert (ref in seen) == (ref in expected), ref


def test_ascending_refs_are_kept_in_blocks_not_the_set():
    seen = _Refs()
    for n in range(1, 2001):
        seen.add(f"SMP-{n:07d}")
    assert not seen.others and len(seen.blocks) == 2000 // seen.BLOCK
    assert "SMP-0000001" in seen and "SMP-0001024" in seen and "SMP-0002000" in seen
    assert "SMP-0002001" not in seen and "SMP-0000000" not in seen and "SMP-000100" not in seen
    seen.add("SMP-0000000")  # out of order: the set
    assert seen.others == {"SMP-0000000"} and "SMP-0000000" in seen


LAYOUT = "ref,name,dob,source,team,looked_after,kind,date,details\n"


def _request(ref: str) -> str:
    return f"{ref},Ann Testchild,2015-03-15,parent,front-door,no,request,2025-01-06,\n"


def test_a_case_whose_rows_come_back_after_other_cases_is_refused(cli, tmp_path):
    # 1,200 cases in ascending order (two full blocks of 512 and a tail), then a contact row of case 3
    # (in the first block), of case 1,100 (in the tail) and of one never seen (no request row)
    rows = [_request(f"R{n:05d}") for n in range(1, 1201)]
    later = [f"R{n:05d},,,,,,contact,2025-01-10,{{}}\n" for n in (3, 1100)]
    path = tmp_path / "in.csv"
    path.write_text(LAYOUT + "".join(rows + later) + "Z1,,,,,,contact,2025-01-10,{}\n", encoding="utf-8")
    result = cli.fails(["import", "--dry-run", str(path)])
    # header line 1, the requests lines 2-1201, the two rows back lines 1202-1203, Z1 line 1204
    for line, ref in ((1202, "R00003"), (1203, "R01100")):
        assert f"line {line}: {ref}: the case's rows are not together: sort the file by ref" in result.stderr
    assert "line 1204: Z1: the case has no request row" in result.stderr
    assert result.stderr.count("not together") == 2, result.stderr
