"""`sendtrack history`: a case's audit trail, every event with who recorded it and when (and who imported
it and when, for imported events), voids marked."""

from __future__ import annotations

from sendtrack.codes import PLACEMENT_KEYS, RETURN_FIELDS
from sendtrack.output.render import Column, initials
from sendtrack.storage import cases as store
from sendtrack.storage.db import Database
from sendtrack.storage.privacy import ERASED_NAME

HISTORY_COLUMNS = [
    Column("id", "#", "right"),
    Column("date", "Date"),
    Column("kind", "Event"),
    Column("details", "Details", priority=2, wrap=True),
    Column("recorded_by", "Recorded by", priority=3, wrap=True),
    Column("recorded_at", "Recorded at (UTC)", priority=4),
    Column("imported_by", "Imported by"),
    Column("imported_at", "Imported at (UTC)"),
    Column("voids", "Voids"),
    Column("voided", "Voided"),
    Column("voided_by", "Voided by"),
    Column("voided_at", "Voided at (UTC)"),
    Column("void_reason", "Why voided"),
    Column("void_event", "Void event"),
]
#: The terminal table folds the import columns into one and the void columns into another, so it fits
#: a screen (a column empty in every row, as "Imported" is for a case recorded by commands, is left out).
HISTORY_TABLE_COLUMNS = [*HISTORY_COLUMNS[:6], Column("imported", "Imported (UTC)", priority=5, wrap=True),
                         Column("note", "Note", priority=1, wrap=True)]


def details_text(details: dict) -> str:
    """An event's details as one line; an edit's changes as `name: Old -> New` (its old and new values);
    an erase's commitments (SHA-256 hashes) shortened to their first 12 characters (JSON keeps them
    whole)."""
    return ", ".join(_changes(v) if k == "changes" and isinstance(v, dict) else f"{k}={_short(v)}"
                     for k, v in sorted(details.items()))


def _is_hash(value) -> bool:
    return isinstance(value, str) and len(value) == 64 and all(c in "0123456789abcdef" for c in value)


def _short(value):
    if _is_hash(value):
        return f"{value[:12]}…"
    if isinstance(value, dict) and value and all(_is_hash(v) for v in value.values()):
        return "{" + ", ".join(f"{k}: {v[:12]}…" for k, v in sorted(value.items())) + "}"
    return value


def _changes(changes: dict) -> str:
    def shown(value) -> str:
        if isinstance(value, dict):  # a placement: "urn=117002 rank=1 entry=2024-09-02"
            return " ".join(f"{k}={value[k]}" for k in PLACEMENT_KEYS if k in value) or "-"
        return "-" if value is None else ("yes" if value else "no") if isinstance(value, bool) else str(value)

    return ", ".join(f"{field}: {shown(pair[0])} -> {shown(pair[1])}"
                     for field, pair in sorted(changes.items()) if isinstance(pair, list) and len(pair) == 2)


#: What an edit's changes show of a personal value without --names: names as initials, the rest this
HIDDEN = "(hidden)"
#: The values of an edit's `changes` shown only with --names: the name, the date of birth and the
#: return fields that identify a child (codes.ReturnField.identifying: UPN, ULN, postcode)
PERSONAL = ("name", "dob", *(f.key for f in RETURN_FIELDS if f.identifying))


def shown_details(kind: str, details: dict, *, names: bool) -> dict:
    """An event's details as a report shows them: with `names` as stored; without, an edit's personal
    changes (PERSONAL) as initials for a name and HIDDEN for the others (an erased value, null, and
    the erased name stay as they are: they say what happened and hold nothing)."""
    changes = details.get("changes")
    if names or kind != "edit" or not isinstance(changes, dict):
        return details

    def hide(key: str, value):
        if value is None or key not in PERSONAL:
            return value
        if key == "name":
            return value if value == ERASED_NAME else initials(str(value))
        return HIDDEN

    return {**details, "changes": {key: [hide(key, v) for v in pair] if isinstance(pair, list) else pair
                                   for key, pair in changes.items()}}


def for_display(rows: list[dict], fmt: str) -> list[dict]:
    """JSON keeps details as an object; CSV and the table get text, the table one note column."""
    if fmt == "json":
        return rows
    out = []
    for row in rows:
        voided = bool(row["voided"])
        row = {**row, "details": details_text(row["details"]), "voided": str(voided).lower()}
        if fmt == "table":
            row["imported"] = f"by {row['imported_by']} at {row['imported_at']}" if row["imported_by"] else ""
            row["note"] = (f"VOIDED by {row['voided_by']} at {row['voided_at']} (event {row['void_event']}): "
                           f"{row['void_reason']}" if voided
                           else f"voids event {row['voids']}" if row["voids"] else "")
        out.append(row)
    return out


def history_rows(db: Database, ref: str, *, names: bool = False) -> list[dict]:
    """Every event of the case in the order recorded, voided ones included and marked; an edit's
    personal values only with `names` (shown_details)."""
    with db.read():
        case = store.find_case(db, ref)
        rows = sorted(store.event_rows(db, case.id), key=lambda e: e.id)
    voiders = {e.voids: e for e in rows if e.kind == "void" and e.voids is not None}
    out = []
    for event in rows:
        voider = voiders.get(event.id)
        out.append({
            "id": event.id, "date": event.date.isoformat(), "kind": event.kind,
            # a void's target is its own column, not a detail
            "details": shown_details(event.kind, {k: v for k, v in event.details.items()
                                                  if event.kind != "void" or k != "event"}, names=names),
            "recorded_by": event.recorded_by, "recorded_at": event.recorded_at,
            "imported_by": event.imported_by, "imported_at": event.imported_at,
            "voids": event.voids,
            "voided": voider is not None,
            "voided_by": voider.recorded_by if voider else None,
            "voided_at": voider.recorded_at if voider else None,
            "void_reason": voider.details.get("reason") if voider else None,
            "void_event": voider.id if voider else None,
        })
    return out
