"""The statutory returns from daily data: the DfE SEN2 person-level XML, its pre-submission check, and
Ofsted's Annex A workbook.

Each case is folded into a `Sen2Person` by pure functions of its events, placements and materialised
final-plan and transfer deadlines (the ones `kpi` counts from), as known on the census date; the writer
then emits the elements in the order of `codes.SEN2_STRUCTURE` for the collection year. Every choice
the published structure leaves open is written down in the README ("Statutory returns").
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any
from xml.etree import ElementTree as ET

from sendtrack import codes
from sendtrack.errors import RefusedError
from sendtrack.storage.db import Database
from sendtrack.storage.privacy import ERASED_NAME
from sendtrack.storage.returns import Placement, ReturnCase, return_cases

#: the appealable decisions, by the part of SEN2 a mediation or appeal after them belongs to
_DECISION_PART = {"decision": "Request", "no-plan": "Assessment", "final": "Other", "amended-plan": "Other",
                  "no-amendment": "Other", "cease": "Other"}
#: `appeal --against` values, by the part of SEN2 they belong to
_APPEAL_PART = {"refuse-assess": "Request", "no-plan": "Assessment", "plan-contents": "Other",
                "no-amend": "Other", "cease": "Other", "refuse-reassess": "Other"}
_TRANSFER_RULES = ("phase-transfer", "post16-transfer", "post16-move")


@dataclass(frozen=True, slots=True)
class Collection:
    """The SEN2 collection of `year`: requests of the previous calendar year, plans active on the census
    date (the third Thursday of January of `year`)."""

    year: int

    def __post_init__(self) -> None:
        if self.year not in codes.SEN2_YEARS:
            raise RefusedError(f"sen2 --year {self.year}: sendtrack writes the "
                               f"{' and '.join(map(str, codes.SEN2_YEARS))} collections")

    @property
    def census(self) -> date:
        return codes.census_date(self.year)

    @property
    def start(self) -> date:
        return date(self.year - 1, 1, 1)

    @property
    def end(self) -> date:
        return date(self.year - 1, 12, 31)


@dataclass
class Sen2Person:
    """One child's SEN2 record as plain values in element names (None: the element is left out)."""

    ref: str
    person: dict[str, Any]
    request: dict[str, Any]
    assessment: dict[str, Any] | None
    named_plan: dict[str, Any] | None
    plan_details: list[dict[str, Any]]
    active: dict[str, Any] | None
    placements: list[dict[str, Any]]
    needs: list[dict[str, Any]]
    #: (code, message) for `sen2 --check`: never a name, date of birth or identifier
    problems: list[tuple[str, str]] = field(default_factory=list)


# --- folding a case -----------------------------------------------------------------------------------

class _Events:
    """A case's live events up to the census date, by kind."""

    def __init__(self, events: Iterable[tuple[int, str, date, dict]], until: date) -> None:
        self.all = [(kind, when, details) for _, kind, when, details in events if when <= until]

    def first(self, kind: str, **match: str) -> tuple[date, dict] | None:
        return next(((when, d) for k, when, d in self.all
                     if k == kind and all(d.get(key) == value for key, value in match.items())), None)

    def every(self, *kinds: str) -> list[tuple[str, date, dict]]:
        return [e for e in self.all if e[0] in kinds]

    def last(self, kind: str, after: date | None = None) -> tuple[date, dict] | None:
        found = [(when, d) for k, when, d in self.all if k == kind and (after is None or when > after)]
        return found[-1] if found else None


def split_name(name: str) -> tuple[str, str]:
    """(surname, forename): the last word is the surname, the rest the forename (README)."""
    words = name.split()
    if len(words) < 2:
        return name.strip(), name.strip()
    return words[-1], " ".join(words[:-1])


def _flag(value: bool) -> str:
    return "1" if value else "0"


def _appeal_flags(events: _Events) -> dict[str, bool]:
    """Mediation and tribunal per part of the return: a mediation held belongs to the latest appealable
    decision before it; an appeal to the part its `--against` names (README)."""
    flags = {f"{part}{what}": False for part in ("Request", "Assessment", "Other")
             for what in ("Mediation", "Tribunal")}
    latest: str | None = None
    for kind, _when, details in events.all:
        if kind == "decision" and details.get("outcome") == "refuse":
            latest = "Request"
        elif kind in _DECISION_PART and kind != "decision":
            latest = _DECISION_PART[kind]
        elif kind == "mediation-held" and latest is not None:
            flags[f"{latest}Mediation"] = True
        elif kind == "appeal":
            part = _APPEAL_PART.get(str(details.get("against")))
            if part is not None:
                flags[f"{part}Tribunal"] = True
    return flags


def _plan_detail(text: str | None) -> dict[str, Any] | None:
    """A named setting as SEN2 can hold it: a URN, a UKPRN or a SENSetting code; None for a name."""
    if not text:
        return None
    value = text.strip().upper()
    if value.isdigit() and len(value) <= 6:
        return {"URN": value}
    if value.isdigit() and len(value) == 8:
        return {"UKPRN": value}
    if value in codes.PLAN_SETTINGS:
        return {"SENSetting": value}
    return None


def _placement(p: Placement, *, census: date | None = None) -> dict[str, Any]:
    """A placement's elements; with `census`, its dates as known that day (a leaving date after the
    census date had not happened yet, so the placement was current: no LeavingDate)."""
    out: dict[str, Any] = {"URN": p.urn, "UKPRN": p.ukprn, "SENSetting": p.setting_type,
                           "PlacementRank": str(p.rank)}
    if census is not None:
        out.update(EntryDate=p.entry, LeavingDate=p.leaving if p.leaving is None or p.leaving <= census
                   else None)
    return out


def plan_ceased_on(case: ReturnCase, census: date) -> date | None:
    """The first day a ceased plan was no longer maintained, when that was by the census date (spec 4.3
    `cease-effective`, 8.6: the plan is maintained until the cease takes effect: the day after the
    family's appeal window, or the order dismissing their appeal; never after an order to continue);
    None while it was still maintained on the census date. The rules' own reading (rules.paths), given
    the events known on the census date."""
    from sendtrack.domain import Case, Event
    from sendtrack.rules.paths import plan_ceases_on

    v = case.values
    known = tuple(Event.make(event_id, kind, when, **details) for event_id, kind, when, details in case.events
                  if when <= census)
    ended = plan_ceases_on(Case(ref=v["ref"], dob=v["dob"], received=v["received"], events=known))
    return ended if ended is not None and ended <= census else None


def fold(case: ReturnCase, collection: Collection) -> Sen2Person | None:
    """The case's SEN2 record, or None when the collection does not cover it (README: a request is
    covered when it was received in the year, decided or concluded in it, still open at its start, or
    behind a plan active on the census date or ended in the year). Pure: the census date bounds what
    is known."""
    census, start = collection.census, collection.start
    v = case.values
    events = _Events(case.events, census)
    request = events.first("request")
    if request is None or v["received"] > census:
        return None  # a voided request counts nowhere
    if any(kind == "transfer-in" and when > census for _, kind, when, _ in case.events):
        return None  # a plan transferred in later was another LA's on the census date
    received = v["received"]
    decision = events.first("decision")
    withdrawn = events.first("withdrawn")
    final = events.first("final")
    no_plan = events.first("no-plan")
    cease = events.first("cease")
    out_to = events.first("transferred-out")
    came_in = events.first("transfer-in")
    ceased_on = plan_ceased_on(case, census) if cease is not None else None
    ended_on = min((d for d in (ceased_on, out_to[0] if out_to else None) if d is not None), default=None)
    active = final is not None and (ended_on is None or ended_on > census)
    concluded = min((e[0] for e in (final, no_plan, withdrawn) if e is not None), default=None)
    refused = decision is not None and decision[1].get("outcome") == "refuse"
    ordered = events.first("tribunal-order", order="assess")
    if refused and decision is not None and ordered is not None and ordered[0] >= decision[0]:
        # the Tribunal ordered the assessment the LA refused: the order stands where the decision to
        # assess would have been (as the rules read it, README "Where we read the spec"); the appeal
        # itself is in RequestTribunal
        decision, refused = (ordered[0], {"outcome": "assess"}), False
    finished = decision[0] if refused and decision is not None else concluded
    if finished is None and decision is None and withdrawn is not None:
        finished = withdrawn[0]
    end = collection.end
    covered = (start <= received <= end or active
               or (received < start and (finished is None or finished >= start))
               or (final is not None and ended_on is not None and start <= ended_on <= end))
    if not covered:
        return None

    problems: list[tuple[str, str]] = []
    historical = came_in is not None and (decision is None or decision[0] < came_in[0])
    # the request
    req: dict[str, Any] = {"ReceivedDate": received, "RequestSource": codes.REQUEST_SOURCE.get(v["source"])}
    if decision is not None:
        if decision[0] < start or historical:
            req["RequestOutcome"] = "H"
        else:
            req["RequestOutcome"] = "N" if refused else "Y"
        req["RequestOutcomeDate"] = decision[0]
    elif historical and final is not None:
        req["RequestOutcome"] = "H"
    elif withdrawn is not None:
        req.update(RequestOutcome="W", RequestOutcomeDate=withdrawn[0])
    else:
        req["RequestOutcome"] = "A"
    flags = _appeal_flags(events)
    req["RequestMediation"] = _flag(flags["RequestMediation"])
    req["RequestTribunal"] = _flag(flags["RequestTribunal"])
    req["Exported"] = _flag(out_to is not None)

    # the assessment, once a decision to assess was made (or the plan came with a transfer)
    assessment: dict[str, Any] | None = None
    named: dict[str, Any] | None = None
    details: list[dict[str, Any]] = []
    if req["RequestOutcome"] in {"Y", "H"} and not refused:
        if final is not None:
            outcome, when = "Y", final[0]
        elif no_plan is not None:
            outcome, when = "N", no_plan[0]
        elif withdrawn is not None:
            outcome, when = "W", withdrawn[0]
        else:
            outcome, when = "A", None
        if outcome in {"Y", "N"} and (when is not None and when < start or historical):
            outcome = "H"
        assessment = {"AssessmentOutcome": outcome,
                      "AssessmentOutcomeDate": when if outcome in {"Y", "N"} else None}
        for part in ("Assessment", "Other"):
            assessment[f"{part}Mediation"] = _flag(flags[f"{part}Mediation"])
            assessment[f"{part}Tribunal"] = _flag(flags[f"{part}Tribunal"])
        if outcome in {"Y", "N"} and case.final_plan is not None:
            excepted = case.final_plan[2]
            # kpi's definition: an exception recorded by the day counted (here the census date); a plan
            # made under a Tribunal order runs to reg 44's periods, not the 20 weeks (kpi leaves it
            # out of its 20-week figure), so it is written as excepted
            assessment["Week20"] = _flag(ordered is not None and decision is not None
                                         and decision[0] == ordered[0]
                                         or excepted is not None and excepted <= census)
        if final is not None:
            named = {"StartDate": final[0]}
            if ended_on is not None:
                named["CeaseDate"] = ended_on
                if out_to is not None and (ceased_on is None or out_to[0] <= ceased_on):
                    named["CeaseReason"] = "5"
                else:
                    assert cease is not None
                    code = codes.cease_reason(cease[1].get("reason"))
                    named["CeaseReason"] = code
                    if code is None:
                        problems.append(("cease-reason", "the cease reason is not one of SEN2's codes 1-9"))
            chosen = _plan_detail(final[1].get("names_setting"))
            if chosen is not None:
                details = [{**chosen, "PlacementRank": "1"}]
            else:
                # NEET, NIEC and NIEO describe a placement, never a plan's named setting
                details = [_placement(p) for p in case.placements
                           if p.current_on(final[0])
                           and (p.setting_type is None or p.setting_type in codes.PLAN_SETTINGS)][:2]

    # the plan, when it is active on the census date
    active_plan: dict[str, Any] | None = None
    placements: list[dict[str, Any]] = []
    needs: list[dict[str, Any]] = []
    if active and final is not None:
        active_plan = {"TransferLA": came_in[1].get("from_la") if came_in is not None else None}
        placements = [_placement(p, census=census) for p in case.placements
                      if p.leaving is None or p.leaving >= start]
        placements = [p for p in placements if p["EntryDate"] is None or p["EntryDate"] <= census]
        needs = [{"SENtype": v[key], "SENtypeRank": rank}
                 for key, rank in (("primary_need", "1"), ("secondary_need", "2")) if v.get(key)]
        meeting = events.last("review-meeting", after=final[0])
        if meeting is not None:
            active_plan["ReviewMeeting"] = meeting[0]
        decided = events.last("review-decision", after=final[0])
        if decided is not None:
            active_plan["LastReview"] = decided[0]
            active_plan["ReviewOutcome"] = codes.REVIEW_OUTCOMES.get(str(decided[1].get("outcome")))
            notice = events.last("amendment-notice", after=decided[0] - timedelta(days=1))
            if notice is not None:
                active_plan["ReviewDraft"] = notice[0]
        # the next transfer deadline due from the collection year's start to a year after the census
        horizon = census.replace(year=census.year + 1)
        transfer = next((t for t in case.transfers if start <= t[1] <= horizon), None)
        if transfer is not None:
            active_plan["PhaseTransferDueDate"] = transfer[1]
            if transfer[2] is not None and transfer[2] <= census:
                active_plan["PhaseTransferFinalDate"] = transfer[2]

    surname, forename = split_name(v["name"])
    if len(v["name"].split()) < 2:
        problems.append(("one-name", "the name is one word: SEN2 needs a surname and a forename, so the "
                                     "word is written as both; check the name"))
    person = {"Surname": surname, "Forename": forename, "PersonBirthDate": v["dob"], "Sex": v.get("sex"),
              "Ethnicity": v.get("ethnicity"), "PostCode": v.get("postcode"), "UPN": v.get("upn"),
              "UniqueLearnerNumber": v.get("uln"), "UPNunknown": v.get("upn_unknown")}
    record = Sen2Person(v["ref"], person, req, assessment, named, details, active_plan, placements, needs,
                        problems)
    record.problems.extend(_problems(record, active=active_plan is not None))
    return record


def _problems(record: Sen2Person, *, active: bool) -> Iterator[tuple[str, str]]:
    """What the return would be missing or break (DfE's schema and validation rules as returns.md
    gives them), as (code, message); the message never carries the value."""
    p, r = record.person, record.request
    if not p["Sex"]:
        yield "no-sex", "no sex (M or F): the schema requires it"
    if not p["Ethnicity"]:
        yield "no-ethnicity", "no ethnicity: the schema requires it"
    if not p["UPN"] and not p["UPNunknown"] and not p["UniqueLearnerNumber"]:
        yield "no-upn", "no UPN (or ULN) and no UPN-unknown reason"
    if active:
        if not any(n["SENtypeRank"] == "1" for n in record.needs):
            yield "no-primary-need", "an active plan with no primary need"
        if record.needs and len({n["SENtype"] for n in record.needs}) < len(record.needs):
            yield "same-needs", "the secondary need is the primary need"
        current = [x for x in record.placements if x["LeavingDate"] is None]
        if not current:
            yield "no-placement", "an active plan with no current placement"
        if any(x["EntryDate"] is None for x in record.placements):
            yield "no-entry-date", "a placement with no entry date"
        if record.named_plan is None or r["RequestOutcome"] not in {"Y", "H"}:
            yield ("plan-without-request",
                   "an active plan whose request has no decision to assess in the return")
    order = [("PersonBirthDate", p["PersonBirthDate"], "ReceivedDate", r["ReceivedDate"]),
             ("ReceivedDate", r["ReceivedDate"], "RequestOutcomeDate", r.get("RequestOutcomeDate"))]
    if record.assessment is not None:
        order.append(("RequestOutcomeDate", r.get("RequestOutcomeDate"), "AssessmentOutcomeDate",
                      record.assessment.get("AssessmentOutcomeDate")))
    if record.named_plan is not None:
        order.append(("StartDate", record.named_plan["StartDate"], "CeaseDate",
                      record.named_plan.get("CeaseDate")))
    for x in record.placements:
        order.append(("EntryDate", x["EntryDate"], "LeavingDate", x["LeavingDate"]))
    for first_name, first, then_name, then in order:
        if first is not None and then is not None and then < first:
            yield "dates-out-of-order", f"{then_name} is before {first_name}"


def erased(case: ReturnCase) -> bool:
    """An erased case (README: Erasure) is in no return: its name and date of birth are tombstones."""
    return case.values["name"] == ERASED_NAME


def refuse_unfinished_import(db: Database, what: str) -> None:
    """A return from a database an import is still writing (or was stopped in) would silently miss the
    cases not yet in: refused until the import is run again to its end."""
    from sendtrack.storage.bulk import import_marker

    marker = import_marker(db)
    if marker is not None:
        raise RefusedError(f"{what}: an import is unfinished ({marker['written']} of {marker['cases']} "
                           f"cases in); run the same `sendtrack import` again to finish it first; "
                           "nothing was written")


def persons(db: Database, collection: Collection) -> Iterator[Sen2Person]:
    """The SEN2 records of every case the collection covers (erased cases left out)."""
    refuse_unfinished_import(db, f"sen2 {collection.year}")
    for case in return_cases(db):
        if erased(case):
            continue
        record = fold(case, collection)
        if record is not None:
            yield record


# --- the check ----------------------------------------------------------------------------------------

CHECK_COLUMNS = ("ref", "problem", "message")


def check(db: Database, collection: Collection) -> list[dict]:
    """Every problem the return would have, per case reference (ref order); shared UPNs too."""
    rows: list[dict] = []
    upns: dict[str, list[str]] = {}
    for record in persons(db, collection):
        rows += [{"ref": record.ref, "problem": code, "message": message}
                 for code, message in record.problems]
        if record.person["UPN"]:
            upns.setdefault(record.person["UPN"], []).append(record.ref)
    for refs in upns.values():
        if len(refs) > 1:
            shared = f"the same UPN as {len(refs) - 1} other case(s) in the return"
            rows += [{"ref": ref, "problem": "upn-shared", "message": shared} for ref in refs]
    return sorted(rows, key=lambda row: (row["ref"], row["problem"], row["message"]))


#: problems that break DfE's schema itself: the file is not written while any is left
BLOCKING = frozenset({"no-sex", "no-ethnicity"})


# --- the XML ------------------------------------------------------------------------------------------

def _text(value: Any) -> str:
    if isinstance(value, datetime):
        return value.replace(microsecond=0).isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def _emit(parent: ET.Element, level: str, values: dict[str, Any], structure: dict[str, tuple[str, ...]]):
    """The children of `level` in the structure's order; None left out, a list repeats the element."""
    for name in structure[level]:
        value = values.get(name)
        if value is None:
            continue
        for item in value if isinstance(value, list) else [value]:
            child = ET.SubElement(parent, name)
            if isinstance(item, dict):
                _emit(child, name, item, structure)
            else:
                child.text = _text(item)


@dataclass(frozen=True, slots=True)
class Header:
    la: str
    created: datetime
    release: str
    serial: str = "001"
    dmo: str = "Y"
    dco: str = "Y"
    dsco: str = "Y"


def person_values(record: Sen2Person) -> dict[str, Any]:
    """The Person element's values, nested by element name (what `_emit` writes)."""
    request = dict(record.request)
    if record.assessment is not None:
        assessment = dict(record.assessment)
        if record.named_plan is not None:
            assessment["NamedPlan"] = {**record.named_plan, "PlanDetail": record.plan_details or None}
        request["Assessment"] = assessment
    if record.active is not None:
        request["ActivePlans"] = {**record.active, "PlacementDetail": record.placements or None,
                                  "SENneed": record.needs or None}
    return {**record.person, "Requests": [request]}


def message(records: Iterable[Sen2Person], collection: Collection, header: Header) -> ET.Element:
    structure = codes.SEN2_STRUCTURE[collection.year]
    root = ET.Element("Message")
    head = {"CollectionDetails": {"Collection": "SEN2", "Year": str(collection.year),
                                  "ReferenceDate": collection.census},
            "Source": {"SourceLevel": "L", "LEA": header.la, "SoftwareCode": codes.SOFTWARE_CODE,
                       "Release": header.release, "SerialNo": header.serial, "DateTime": header.created,
                       "DMO": header.dmo, "DCO": header.dco, "DSCO": header.dsco}}
    _emit(ET.SubElement(root, "Header"), "Header", head, structure)
    people = ET.SubElement(root, "Persons")
    for record in records:
        _emit(ET.SubElement(people, "Person"), "Person", person_values(record), structure)
    return root


def write_sen2(db: Database, collection: Collection, header: Header, out: Path | None, *,
               force: bool = False) -> tuple[int, int]:
    """Write the return through the safe writer; refuses (nothing written) while a schema-breaking
    problem is left. Returns (persons written, cases with other problems)."""
    from sendtrack.output.files import safe_output

    codes.check_la(header.la)
    records = list(persons(db, collection))
    if not records:
        raise RefusedError(f"no case is in the SEN2 {collection.year} return (a return holds at least one "
                           "person); nothing was written")
    blocking = sorted({r.ref for r in records for code, _ in r.problems if code in BLOCKING})
    if blocking:
        raise RefusedError(f"{len(blocking)} case(s) lack what DfE's schema requires (sex, ethnicity), "
                           f"first {blocking[0]}: `sendtrack sen2 --check` lists them; nothing was written")
    root = message(records, collection, header)
    ET.indent(root)
    with safe_output(out, force=force, database=db.location, binary=True) as handle:
        ET.ElementTree(root).write(handle, encoding="utf-8", xml_declaration=True)
        handle.write(b"\n")
    return len(records), sum(1 for r in records if r.problems)


# --- Annex A --------------------------------------------------------------------------------------------

def unique_id(secret: bytes, case_id: int) -> str:
    """A stable pseudonymous id: HMAC-SHA256 of the case id under the database's own secret, 12 hex
    characters (no meaning, no reversal without the secret; stable across runs)."""
    return hmac.new(secret, str(case_id).encode(), hashlib.sha256).hexdigest()[:12].upper()


def annex_a_rows(db: Database, day: date, secret: bytes) -> list[list[Any]]:
    """List_1's rows: every plan the LA maintains on `day` (issued on or before it, not transferred out,
    its cease, if any, not yet in effect), in the headings' order (codes.LIST_1)."""
    refuse_unfinished_import(db, "annex-a")
    rows = []
    for case in return_cases(db):
        if erased(case):
            continue
        events = _Events(case.events, day)
        final = events.first("final")
        if events.first("request") is None or final is None:
            continue
        moved = events.first("transferred-out")
        if (moved is not None and moved[0] <= day) or (
                events.first("cease") is not None and plan_ceased_on(case, day) is not None):
            continue  # no longer maintained on the day (a cease once it took effect, as SEN2 reads it)
        v = case.values
        updated = events.last("amended-plan")
        meeting = events.last("review-meeting", after=final[0])
        current = [p for p in case.placements if p.current_on(day)]
        main = next((p for p in current if p.rank == 1), None)
        second = next((p for p in current if p.rank == 2), None)
        rows.append([
            unique_id(secret, v["id"]), v.get("upn"), v.get("uln"), v["dob"], codes.GENDER.get(v.get("sex")),
            v.get("ethnicity"), final[0], updated[0] if updated else None, meeting[0] if meeting else None,
            v.get("primary_need"), main.urn if main else None,
            codes.PHASES.get(main.phase or "") if main else None,
            codes.PHASES.get(second.phase or "") if second else None,
            codes.YES_NO[main is not None and main.setting_type == "EHE"] if main else None,
            None, None, None, None,
            codes.YES_NO[True] if v["looked_after"] else None,
            "Children looked after" if v["looked_after"] else None,
            None,
        ])
    return rows


def write_annex_a(db: Database, day: date, secret: bytes, out: Path | None, *, force: bool = False) -> int:
    """The Annex A workbook (List_1, List_2) through the safe writer (standard output without `out`);
    returns List_1's row count. Built in memory first (~30 bytes a child), so a failure writes nothing."""
    import io

    import xlsxwriter

    from sendtrack.output.files import formula_safe, safe_output

    rows = annex_a_rows(db, day, secret)
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"strings_to_formulas": False, "strings_to_urls": False,
                                        "in_memory": True})
    dates = book.add_format({"num_format": "dd/mm/yyyy"})
    bold = book.add_format({"bold": True})
    for name, headings, data in (("List_1", codes.LIST_1, rows), ("List_2", codes.LIST_2, [])):
        sheet = book.add_worksheet(name)
        sheet.write_row(0, 0, headings, bold)
        for r, row in enumerate(data, start=1):
            for c, value in enumerate(row):
                if value is None:
                    continue
                if isinstance(value, date):
                    sheet.write_datetime(r, c, datetime(value.year, value.month, value.day), dates)
                else:
                    sheet.write_string(r, c, str(formula_safe(value)))
    book.close()
    with safe_output(out, force=force, database=db.location, binary=True) as handle:
        handle.write(buffer.getvalue())
    return len(rows)
