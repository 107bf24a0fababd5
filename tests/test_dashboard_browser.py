"""The dashboard in a real browser (Debian's chromium-headless-shell, which `.ci/run` installs): the page
makes no network request, its screenshot is not blank, and it prints to an A4 landscape PDF.

"No network request" is read from Chromium's own NetLog, with every request also sent to a closed
proxy and every host name made unresolvable, so nothing could leave even if the page asked. A control
page that does fetch (an image and a stylesheet) shows that the NetLog check sees requests: the test
can fail. Skipped, with the reason, where no Chromium is installed (a user's plain clone).
"""

from __future__ import annotations

import json
import re
import shutil
import struct
import subprocess
import zlib
from pathlib import Path

import pytest

from tests.caseload import AS_OF, built
from tests.conftest import Cli

BROWSERS = ("chromium-headless-shell", "chromium", "chromium-browser", "google-chrome")
BROWSER = next((found for name in BROWSERS if (found := shutil.which(name))), None)
pytestmark = pytest.mark.skipif(BROWSER is None, reason="no Chromium: apt-get install chromium-headless-shell "
                                                       "(.ci/run does)")

#: Nothing may leave: a proxy on a port nothing listens on (the discard port) and no host resolves.
ISOLATED = ["--proxy-server=127.0.0.1:9", "--host-resolver-rules=MAP * ~NOTFOUND"]


def chromium(*args: str) -> None:
    assert BROWSER is not None
    subprocess.run([BROWSER, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
                    "--no-first-run", "--disable-extensions", *ISOLATED, *args],
                   check=True, capture_output=True, timeout=120)


def requested(page: Path, tmp_path: Path) -> set[str]:
    """Every URL the NetLog saw a request for while Chromium loaded `page` (and screenshotted it)."""
    log = tmp_path / f"{page.stem}.netlog.json"
    chromium(f"--log-net-log={log}", "--window-size=1280,900", f"--screenshot={tmp_path / 'x.png'}",
             page.as_uri())
    data = json.loads(log.read_text())
    return {event["params"]["url"] for event in data["events"] if "url" in event.get("params", {})}


def pixels(png: bytes) -> tuple[int, int, list[bytes]]:
    """(width, height, rows of RGB(A) bytes) of an 8-bit PNG, unfiltered (RFC 2083 section 6)."""
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    position, chunks, header = 8, [], b""
    while position < len(png):
        length, kind = struct.unpack(">I4s", png[position:position + 8])
        body = png[position + 8:position + 8 + length]
        if kind == b"IHDR":
            header = body
        elif kind == b"IDAT":
            chunks.append(body)
        position += 12 + length
    width, height, depth, colour = struct.unpack(">IIBB", header[:10])
    assert depth == 8 and colour in (2, 6), (depth, colour)
    step = 3 if colour == 2 else 4
    raw = zlib.decompress(b"".join(chunks))
    stride = width * step
    rows: list[bytes] = []
    previous = bytearray(stride)
    for y in range(height):
        kind, line = raw[y * (stride + 1)], bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        for i in range(stride):
            left = line[i - step] if i >= step else 0
            up = previous[i]
            corner = previous[i - step] if i >= step else 0
            if kind == 1:
                line[i] = (line[i] + left) & 0xFF
            elif kind == 2:
                line[i] = (line[i] + up) & 0xFF
            elif kind == 3:
                line[i] = (line[i] + (left + up) // 2) & 0xFF
            elif kind == 4:
                p = left + up - corner
                pa, pb, pc = abs(p - left), abs(p - up), abs(p - corner)
                predictor = left if pa <= pb and pa <= pc else up if pb <= pc else corner
                line[i] = (line[i] + predictor) & 0xFF
        rows.append(bytes(line))
        previous = line
    return width, height, rows


def variance(png: bytes) -> float:
    """The variance of the pixels' brightness, sampled every 4th pixel of every 4th row."""
    width, height, rows = pixels(png)
    step = len(rows[0]) // width
    values = [sum(row[x * step:x * step + 3]) / 3 for row in rows[::4] for x in range(0, width, 4)]
    mean = sum(values) / len(values)
    return sum((v - mean) ** 2 for v in values) / len(values)


@pytest.fixture(scope="module")
def board(tmp_path_factory) -> Path:
    db = built(tmp_path_factory, "browser")
    out = tmp_path_factory.mktemp("board") / "board.html"
    Cli().ok(["--db", db, "dashboard", "--as-of", AS_OF, "--out", str(out)])
    return out


def test_the_page_makes_no_network_request_and_the_check_would_see_one(board, tmp_path):
    control = tmp_path / "control.html"
    control.write_text('<!DOCTYPE html><html><body><p>control</p>'
                       '<img src="http://sendtrack-control.invalid/x.png">'
                       '<style>@import url("https://fonts.sendtrack-control.invalid/a.css");</style>'
                       "</body></html>")
    assert {"http://sendtrack-control.invalid/x.png",
            "https://fonts.sendtrack-control.invalid/a.css"} <= requested(control, tmp_path)
    assert requested(board, tmp_path) == set()


def test_the_screenshot_is_not_blank(board, tmp_path):
    shot = tmp_path / "board.png"
    chromium("--window-size=1280,1400", f"--screenshot={shot}", board.as_uri())
    blank = tmp_path / "blank.html"
    blank.write_text("<!DOCTYPE html><html><body></body></html>")
    empty = tmp_path / "blank.png"
    chromium("--window-size=1280,1400", f"--screenshot={empty}", blank.as_uri())
    assert variance(empty.read_bytes()) < 1  # the measure reads a blank page as blank
    assert variance(shot.read_bytes()) > 500


def test_it_prints_on_a4_landscape(board, tmp_path):
    pdf = tmp_path / "board.pdf"
    chromium("--no-pdf-header-footer", f"--print-to-pdf={pdf}", board.as_uri())
    data = pdf.read_bytes()
    assert data.startswith(b"%PDF-")
    boxes = {tuple(round(float(v)) for v in box.split()) for box in
             re.findall(rb"/MediaBox\s*\[\s*([\d.\s]+?)\s*\]", data)}
    assert boxes == {(0, 0, 842, 595)}  # A4 landscape: 297 x 210 mm in points
    # the council and six teams each start a page (CSS break-before), so at least seven pages
    assert len(re.findall(rb"/Type\s*/Page\b", data)) >= 7
