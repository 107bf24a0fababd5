"""The statutory returns' vocabulary, in one place: SEN2's element order per collection year and its code
lists, Annex A's headings and values, the identifier formats (UPN, ULN, URN, UKPRN, LA) and the table
of the case's return fields (`RETURN_FIELDS`) with each one's validator, option and help.

Source: shared/spec/returns.md (DfE SEN2 technical specification, Ofsted Annex A). Where DfE's
published documents for a year differ, this module is the one place to correct. Pure: no I/O.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from sendtrack.errors import RefusedError

# --- code lists (returns.md) -----------------------------------------------------------------------------

SEX = ("M", "F")
#: CBDS ethnicity, the main codes (the extended sub-codes are not held: add them here if a council uses them)
ETHNICITY = ("WBRI", "WIRI", "WIRT", "WOTH", "WROM", "MWBC", "MWBA", "MWAS", "MOTH", "AIND", "APKN",
             "ABAN", "AOTH", "BCRB", "BAFR", "BOTH", "CHNE", "OOTH", "REFU", "NOBT")
#: SENtype: the primary and secondary need (DS from 2025)
SEN_TYPES = ("SPLD", "MLD", "SLD", "PMLD", "SEMH", "SLCN", "HI", "VI", "MSI", "PD", "ASD", "DS", "OTH")
UPN_UNKNOWN = ("UN1", "UN2", "UN3", "UN5", "UN8", "UN9", "UN10")
#: SENSetting where there is no URN or UKPRN; the last three only for a current placement
PLAN_SETTINGS = ("OLA", "OPA", "EHE", "EYP", "OTH")
SEN_SETTINGS = (*PLAN_SETTINGS, "NEET", "NIEC", "NIEO")
PLACEMENT_RANKS = ("1", "2")
#: sendtrack's request sources as SEN2 RequestSource codes
REQUEST_SOURCE = {"parent": "1", "young-person": "1", "school": "2", "health": "3", "social-care": "4",
                  "other": "5"}
REQUEST_OUTCOMES = ("Y", "N", "A", "W", "H")
ASSESSMENT_OUTCOMES = ("Y", "N", "A", "W", "H")
REVIEW_OUTCOMES = {"maintain": "M", "cease": "C", "amend": "A"}
#: CeaseReason 1-9, with the words `record cease --reason` may use for each (the digit itself also works)
CEASE_REASONS = {
    "1": ("max-age", "maximum-age"),
    "2": ("needs-met", "needs-met-without-plan"),
    "3": ("higher-education",),
    "4": ("employment", "paid-employment"),
    "5": ("transferred", "transferred-out", "transferred-to-another-la"),
    "6": ("disengaged", "no-longer-wishes-to-engage"),
    "7": ("moved-outside-england", "outside-england"),
    "8": ("deceased",),
    "9": ("other",),
}
#: Annex A phase of education, by the placement phase sendtrack holds
PHASES = {"nursery": "a) Nursery", "primary": "b) Primary", "middle-primary": "c) Middle (deemed primary)",
          "middle-secondary": "d) Middle (deemed secondary)", "secondary": "e) Secondary",
          "all-through": "f) All-through", "special": "g) Special",
          "pru-ap": "h) Pupil referral unit/Alternative provision", "fe": "i) FE college"}
GENDER = {"M": "a) Male", "F": "b) Female", None: "c) Not known"}
YES_NO = {True: "a) Yes", False: "b) No"}


def cease_reason(text: str | None) -> str | None:
    """The SEN2 CeaseReason of a `cease --reason` value: its digit, or the code whose words it is."""
    if text is None:
        return None
    word = text.strip().casefold()
    if word in CEASE_REASONS:
        return word
    return next((code for code, words in CEASE_REASONS.items() if word in words), None)


# --- SEN2's structure: element names in schema order, per collection year ---------------------------------

#: Person, Requests, Assessment, NamedPlan, PlanDetail, ActivePlans, PlacementDetail, SENneed: each level's
#: children in `xs:sequence` order. 2026 moves LastReview to the end of ActivePlans (returns.md).
_ACTIVE_2025 = ("TransferLA", "PlacementDetail", "SENneed", "ReviewMeeting", "LastReview", "ReviewOutcome",
                "ReviewDraft", "PhaseTransferDueDate", "PhaseTransferFinalDate")
_ACTIVE_2026 = tuple(e for e in _ACTIVE_2025 if e != "LastReview") + ("LastReview",)
_COMMON = {
    "Message": ("Header", "Persons"),
    "Header": ("CollectionDetails", "Source"),
    "CollectionDetails": ("Collection", "Year", "ReferenceDate"),
    "Source": ("SourceLevel", "LEA", "SoftwareCode", "Release", "SerialNo", "DateTime", "DMO", "DCO", "DSCO"),
    "Person": ("Surname", "Forename", "PersonBirthDate", "Sex", "Ethnicity", "PostCode", "UPN",
               "UniqueLearnerNumber", "UPNunknown", "Requests"),
    "Requests": ("ReceivedDate", "RequestSource", "RYA", "RequestOutcomeDate", "RequestOutcome",
                 "RequestMediation", "RequestTribunal", "Exported", "Assessment", "ActivePlans"),
    "Assessment": ("AssessmentOutcome", "AssessmentOutcomeDate", "AssessmentMediation", "AssessmentTribunal",
                   "OtherMediation", "OtherTribunal", "Week20", "NamedPlan"),
    "NamedPlan": ("StartDate", "PlanDetail", "PlanRes", "PlanWBP", "PB", "OA", "DP", "CeaseDate",
                  "CeaseReason"),
    "PlanDetail": ("URN", "UKPRN", "SENSetting", "SENSettingOther", "PlacementRank", "SENunitIndicator",
                   "ResourcedProvisionIndicator"),
    "PlacementDetail": ("URN", "UKPRN", "SENSetting", "SENSettingOther", "PlacementRank", "EntryDate",
                        "LeavingDate", "SENunitIndicator", "ResourcedProvisionIndicator", "Res", "WBP"),
    "SENneed": ("SENtype", "SENtypeRank"),
}
SEN2_YEARS = (2025, 2026)
SEN2_STRUCTURE: dict[int, dict[str, tuple[str, ...]]] = {
    2025: {**_COMMON, "ActivePlans": _ACTIVE_2025},
    2026: {**_COMMON, "ActivePlans": _ACTIVE_2026},
}
SOFTWARE_CODE = "sendtrack"


_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", re.ASCII)


def iso_date(text: str) -> date:
    """`YYYY-MM-DD` and nothing else, as every way in takes a date: `date.fromisoformat` alone also takes
    week dates (`2024-W01-1`) and basic forms (`20240101`); ValueError otherwise."""
    if not isinstance(text, str) or not _ISO_DATE.fullmatch(text):
        raise ValueError(f"not YYYY-MM-DD: {len(text) if isinstance(text, str) else type(text).__name__}")
    return date.fromisoformat(text)


def census_date(year: int) -> date:
    """The SEN2 reference date: the third Thursday of January of the collection year."""
    first = date(year, 1, 1)
    first_thursday = 1 + (3 - first.weekday()) % 7
    return date(year, 1, first_thursday + 14)


# --- Annex A (Ofsted) -------------------------------------------------------------------------------------

LIST_1 = ("Unique ID", "UPN", "ULN", "Date of birth", "Gender", "Ethnicity", "Date initial EHC plan issued",
          "Date updated EHC plan issued", "Date EHC plan last reviewed", "SEN primary need",
          "Main education establishment \u2013 URN", "Main education establishment \u2013 phase",
          "Subsidiary education establishment \u2013 phase (dual registration)", "Elective home education",
          "Suspensions", "Permanent exclusions", "Absence", "Pupil Premium",
          "Known to children's social care?", "Which children's social care team?",
          "Does the child or young person have a disability?")
LIST_2 = tuple(h for h in LIST_1 if h not in {"Date initial EHC plan issued", "Date updated EHC plan issued",
                                              "Date EHC plan last reviewed", "Elective home education"})


# --- identifier formats -----------------------------------------------------------------------------------

#: The UPN check letter's alphabet: I, O and S are never used (DfE; govtalk UniquePupilNumber 2.0)
UPN_LETTERS = "ABCDEFGHJKLMNPQRTUVWXYZ"
_UPN = re.compile(r"[A-Z][0-9]{11}[0-9A-Z]")


def upn_check_letter(last12: str) -> str:
    """The check letter of a UPN from its last 12 characters: each character times its position
    (2 to 13), summed, modulo 23, as a letter of UPN_LETTERS; a temporary UPN's final letter counts
    as its place in UPN_LETTERS."""
    total = sum(position * (int(ch) if ch.isdigit() else UPN_LETTERS.index(ch))
                for position, ch in enumerate(last12, start=2))
    return UPN_LETTERS[total % 23]


def check_upn(value: str) -> str:
    upn = value.strip().upper()
    if not _UPN.fullmatch(upn) or (not upn[-1].isdigit() and upn[-1] not in UPN_LETTERS):
        raise RefusedError("upn must be 13 characters: a letter, 11 digits, then a digit or letter")
    if upn_check_letter(upn[1:]) != upn[0]:
        raise RefusedError("upn has the wrong check letter (its first character)")
    return upn


def _digits(name: str, low: int, high: int) -> Callable[[str], str]:
    pattern = re.compile(rf"[0-9]{{{low},{high}}}")
    size = f"{low}" if low == high else f"{low} to {high}"

    def check(value: str) -> str:
        text = value.strip()
        if not pattern.fullmatch(text):
            raise RefusedError(f"{name} must be {size} digits")
        return text

    return check


check_uln = _digits("uln", 10, 10)
check_urn = _digits("urn", 1, 6)
check_ukprn = _digits("ukprn", 8, 8)
check_la = _digits("LA code", 3, 3)

#: A UK postcode's shape: outward code (area, district) and inward code (sector digit, unit letters)
_POSTCODE = re.compile(r"([A-Z]{1,2}[0-9][0-9A-Z]?) ?([0-9][A-Z]{2})")


def check_postcode(value: str) -> str:
    found = _POSTCODE.fullmatch(value.strip().upper())
    if not found:
        raise RefusedError("postcode is not a UK postcode (e.g. AL1 3JE)")
    return f"{found[1]} {found[2]}"


def _code(name: str, values: tuple[str, ...]) -> Callable[[str], str]:
    def check(value: str) -> str:
        text = value.strip().upper()
        if text not in values:
            raise RefusedError(f"{name} must be one of {', '.join(values)}")
        return text

    return check


def _day(value: str, what: str = "placement-from") -> str:
    try:
        return iso_date(value.strip()).isoformat()
    except ValueError:
        raise RefusedError(f"{what} is not a real date in the form YYYY-MM-DD") from None


def _phase(value: str) -> str:
    text = value.strip().casefold()
    if text not in PHASES:
        raise RefusedError(f"placement-phase must be one of {', '.join(PHASES)}")
    return text


# --- the case's return fields -------------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class ReturnField:
    """A value SEN2 or Annex A needs that the case holds: its `cases` column (or, with `placement`, the
    current placement's), its option, help and validator. `identifying` values are shown only with
    `--names`. add-request and import take exactly these; `edit` can take each by one declaration."""

    key: str
    flag: str
    help: str
    metavar: str
    check: Callable[[str], str]
    identifying: bool = False
    #: a value of the current placement (the placements table), not a column of the case
    placement: bool = False


RETURN_FIELDS: tuple[ReturnField, ...] = (
    ReturnField("upn", "--upn", "Unique pupil number (13 characters, check letter first).", "UPN", check_upn,
                identifying=True),
    ReturnField("uln", "--uln", "Unique learner number (10 digits).", "ULN", check_uln, identifying=True),
    ReturnField("upn_unknown", "--upn-unknown", "Why there is no UPN: " + ", ".join(UPN_UNKNOWN) + ".",
                "CODE", _code("upn-unknown", UPN_UNKNOWN)),
    ReturnField("sex", "--sex", "M or F, as SEN2 records it.", "M|F", _code("sex", SEX)),
    ReturnField("ethnicity", "--ethnicity", "CBDS ethnicity code (WBRI, MWBC, APKN, ...).", "CODE",
                _code("ethnicity", ETHNICITY)),
    ReturnField("postcode", "--postcode", "Home postcode.", "PC", check_postcode, identifying=True),
    ReturnField("primary_need", "--primary-need", "Primary SEN type: " + ", ".join(SEN_TYPES) + ".", "CODE",
                _code("primary-need", SEN_TYPES)),
    ReturnField("secondary_need", "--secondary-need", "Secondary SEN type (as --primary-need).", "CODE",
                _code("secondary-need", SEN_TYPES)),
    ReturnField("urn", "--urn", "Current placement: the school's URN (up to 6 digits).", "URN", check_urn,
                placement=True),
    ReturnField("ukprn", "--ukprn", "Current placement: the provider's UKPRN (8 digits).", "UKPRN",
                check_ukprn, placement=True),
    ReturnField("setting_type", "--setting-type", "Current placement without URN or UKPRN: "
                + ", ".join(SEN_SETTINGS) + ".", "CODE", _code("setting-type", SEN_SETTINGS), placement=True),
    ReturnField("placement_phase", "--placement-phase", "Current placement's phase (Annex A): "
                + ", ".join(PHASES) + ".", "PHASE", _phase, placement=True),
    ReturnField("placement_from", "--placement-from", "Current placement: the day the child started there.",
                "DATE", _day, placement=True),
)
RETURN_FIELD: dict[str, ReturnField] = {f.key: f for f in RETURN_FIELDS}
#: the case's own columns (the rest describe its current placement)
CASE_RETURN_KEYS = tuple(f.key for f in RETURN_FIELDS if not f.placement)
#: the current placement's identifier: one of these, never two
PLACEMENT_IDS = ("urn", "ukprn", "setting_type")


def check_return_values(values: dict) -> dict:
    """Every return field given (None and blank skipped) checked by its validator, and `placements` (the
    import layout's list) by check_placements; one current-placement identifier at most. Messages name
    the field, never its value."""
    out: dict = {}
    for key, value in values.items():
        if value is None or (isinstance(value, str) and not value.strip()) or key == "placements":
            continue
        entry = RETURN_FIELD.get(key)
        if entry is None:
            raise RefusedError(f"{key!r} is not a return field")
        if not isinstance(value, str):
            raise RefusedError(f"{entry.flag.lstrip('-')} must be text")
        out[key] = entry.check(value)
    if values.get("placements") not in (None, "", []):
        out["placements"] = check_placements(values["placements"])
    given = [k for k in PLACEMENT_IDS if k in out]
    if len(given) > 1:
        raise RefusedError("give one of --urn, --ukprn and --setting-type, not several")
    for key in ("placement_phase", "placement_from"):
        if key in out and not given:
            raise RefusedError(f"{RETURN_FIELD[key].flag.lstrip('-')} needs the placement: --urn, --ukprn "
                               "or --setting-type")
    if "upn" in out and "upn_unknown" in out:
        raise RefusedError("give a upn or a reason it is unknown (--upn-unknown), not both")
    return out


def placement_dates_problem(values: dict, *, dob: date | None, today: date | None, first_year: int,
                            last_year: int) -> str | None:
    """Why checked return values' placement dates cannot be a child's (None when they can): the new
    current placement's `placement_from` and each `placements` entry and leaving is a day in the
    calendar's years (check_placements has seen that no leaving is before its entry). With `dob` and
    `today` (add-request and edit, the guards on what a user types), a start is also not before the date
    of birth nor after `today`; import passes neither, so an export always imports (what the database
    holds, for instance a placement from before a date of birth corrected by `edit --dob`, or a planned
    one, is never refused on the way back: README, "An export always imports"). Names the field, never
    the date of birth."""
    dates = [("placement-from", values.get("placement_from"), True)]
    for number, placement in enumerate(values.get("placements") or (), start=1):
        dates += [(f"placement {number} entry", placement.get("entry"), True),
                  (f"placement {number} leaving", placement.get("leaving"), False)]
    for what, text, start in dates:
        if not text:
            continue
        day = date.fromisoformat(text)
        if not first_year <= day.year <= last_year:
            return f"{what} is outside the years sendtrack can count in ({first_year}-{last_year})"
        if dob is not None and day < dob:
            return f"{what} is before the child's date of birth"
        if today is not None and start and day > today:
            return f"{what} is after today: record a placement once it has started"
    return None


#: A placement in the import/export layout: one identifier, rank, dates and phase
PLACEMENT_KEYS = ("urn", "ukprn", "setting_type", "rank", "entry", "leaving", "phase")


def check_placements(value) -> list[dict]:
    """The `placements` of the import layout: a list of objects, each with exactly one of urn, ukprn
    and setting_type, rank 1 or 2 (default 1), entry/leaving dates (leaving not before entry) and a
    phase; each value checked as the add-request option is."""
    if not isinstance(value, list):
        raise RefusedError("placements must be a list of objects")
    out = []
    for number, item in enumerate(value, start=1):
        what = f"placement {number}"
        if not isinstance(item, dict):
            raise RefusedError(f"{what} must be an object")
        unknown = [k for k in item if k not in PLACEMENT_KEYS]
        if unknown:
            raise RefusedError(f"{what} has unknown keys: use {', '.join(PLACEMENT_KEYS)}")
        ids = [k for k in PLACEMENT_IDS if item.get(k) not in (None, "")]
        if len(ids) != 1:
            raise RefusedError(f"{what} needs exactly one of urn, ukprn and setting_type")
        key = ids[0]
        if not isinstance(item[key], str):
            raise RefusedError(f"{what} {key} must be text")
        placement: dict = {key: RETURN_FIELD[key].check(item[key])}
        rank = item.get("rank", 1)
        if str(rank) not in PLACEMENT_RANKS or isinstance(rank, bool):
            raise RefusedError(f"{what} rank must be 1 or 2")
        placement["rank"] = int(rank)
        for day in ("entry", "leaving"):
            if item.get(day) not in (None, ""):
                if not isinstance(item[day], str):
                    raise RefusedError(f"{what} {day} must be a date YYYY-MM-DD")
                placement[day] = _day(item[day], f"{what} {day}")
        if "entry" in placement and "leaving" in placement and placement["leaving"] < placement["entry"]:
            raise RefusedError(f"{what} leaving is before its entry")
        if item.get("phase") not in (None, ""):
            if not isinstance(item["phase"], str):
                raise RefusedError(f"{what} phase must be text")
            placement["phase"] = _phase(item["phase"])
        out.append(placement)
    return out
