"""Statutory returns: `sen2` (the DfE SEN2 XML, or `--check` before submitting) and `annex-a` (Ofsted)."""

from __future__ import annotations

import sys
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from sendtrack.cli.common import AsOf, FormatOpt, as_of_date, command, fmt_value, open_db
from sendtrack.errors import RefusedError, UsageError


class Officer(StrEnum):
    Y = "Y"
    N = "N"
    R = "R"


ForceOpt = Annotated[bool, typer.Option("--force", help="Replace the file if it exists.")]


def register(app: typer.Typer) -> None:
    @command(app, "sen2")
    def sen2(
        year: Annotated[int, typer.Option(metavar="YYYY", help="Collection year: census on the third "
                                                                "Thursday of January of YYYY.")],
        la: Annotated[str, typer.Option(metavar="NNN", help="The LA's 3-digit DfE code.")],
        out: Annotated[Path | None, typer.Option(metavar="FILE.xml",
                                                 help="Write the XML here (default: standard output).")]
        = None,
        check: Annotated[bool, typer.Option("--check", help="Write nothing; list, per case reference, "
                                                            "what the return would miss or break (exit 1 "
                                                            "if any).")]
        = False,
        serial: Annotated[str, typer.Option(metavar="NNN", help="The file's serial number.")] = "001",
        dmo: Annotated[Officer, typer.Option(help="Designated medical officer in post.")] = Officer.Y,
        dco: Annotated[Officer, typer.Option(help="Designated clinical officer in post.")] = Officer.Y,
        dsco: Annotated[Officer, typer.Option(help="Designated social care officer in post.")] = Officer.Y,
        format: FormatOpt = None,
        force: ForceOpt = False,
    ) -> None:
        """The DfE SEN2 person-level return for a collection year, or --check before submitting."""
        from datetime import UTC, datetime
        from importlib.metadata import version

        from sendtrack import codes
        from sendtrack.app import returns
        from sendtrack.output.render import Column, render

        collection = returns.Collection(year)
        la = codes.check_la(la)
        if not (serial.isascii() and serial.isdigit() and len(serial) == 3):
            raise RefusedError("--serial must be 3 digits")
        if check and out is not None:
            raise UsageError("sen2 --check writes nothing: leave out --out (or --check)")
        db = open_db()
        if check:
            problems = returns.check(db, collection)
            render(problems, [Column("ref", "Case"), Column("problem", "Problem"),
                              Column("message", "What to fix", wrap=True)], fmt_value(format),
                   title=f"SEN2 {year}: what to fix before submitting", empty="no problems")
            if problems:
                raise RefusedError(f"{len({p['ref'] for p in problems})} case(s) with "
                                   f"{len(problems)} problem(s)")
            return
        header = returns.Header(la=la, created=datetime.now(UTC).replace(tzinfo=None, microsecond=0),
                                release=version("sendtrack"), serial=serial, dmo=dmo.value, dco=dco.value,
                                dsco=dsco.value)
        written, troubled = returns.write_sen2(db, collection, header, out, force=force)
        if out is not None:
            typer.echo(f"wrote {out}: {written} persons for SEN2 {year}"
                       + (f"; {troubled} with problems (`sendtrack sen2 --check`)" if troubled else ""))

    @command(app, "annex-a")
    def annex_a(
        out: Annotated[Path | None, typer.Option(metavar="FILE.xlsx", help="Where to write the workbook "
                                                 "(default: standard output, when not a terminal).")]
        = None,
        as_of: AsOf = None,
        force: ForceOpt = False,
    ) -> None:
        """Ofsted's Annex A workbook (List_1, List_2) of the plans maintained on the day."""
        from sendtrack.app import returns
        from sendtrack.storage.returns import pseudonym_secret

        day = as_of_date(as_of)
        if out is None and sys.stdout.isatty():
            raise UsageError("a workbook is not for the terminal: give --out FILE.xlsx")
        db = open_db()
        written = returns.write_annex_a(db, day, pseudonym_secret(db), out, force=force)
        if out is not None:
            typer.echo(f"wrote {out}: {written} children with a plan on {day} (List_1), none on SEN "
                       "support (List_2)")
