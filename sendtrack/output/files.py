"""The one safe file writer: atomic, 0600, never through a symlink or onto the database; formula-safe CSV.

Every file sendtrack writes (export, backup, a report's `--out`, and the calendar, dashboard, XLSX and
SEN2 files) goes through `safe_output` (a stream) or `safe_path` (a file name, for writers that need
one, such as SQLite's backup API). Both write to a temporary file beside the destination, created with
O_EXCL and mode 0600 whatever the umask, and only when the writing is complete, flushed and fsynced is
it renamed into place and the directory fsynced. The destination is checked before anything is written:

- never a symbolic link (the link is refused, not followed, `--force` or not);
- never the open SQLite database or its `-wal`, `-shm` or `-journal` file (by resolved path, and by
  device and inode when the file exists, so a hard link or a second spelling is caught too);
- never over an existing file without `force`, and never over a directory or a device.

On a failure (a full disk, a permission, a read-only file system) the temporary file is removed and
the message says what happened and that nothing was written. A run killed part-way leaves only its
temporary file, named `.NAME.TOKEN.sendtrack-tmp` and held under an flock while in use: the next write
into that directory removes every such file no process holds (and the `.NAME.PID.partial` copies
earlier versions of `backup` left).

CSV cells go through `csv_writer`: a text cell starting with `=`, `+`, `-`, `@`, tab or CR (after any
leading `'`) is written with one more leading `'` (OWASP's advice against formula injection), and
`unneutralise` takes exactly that one quote off again, so sendtrack's import of its own export is
lossless. Numbers are written as they are: `-3` is a number to a spreadsheet, never a formula.
"""

from __future__ import annotations

import csv
import errno
import fcntl
import io
import os
import re
import stat
import sys
from collections.abc import Iterable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from itertools import islice
from pathlib import Path
from typing import IO, Any

from sendtrack.errors import RefusedError

TEMP_SUFFIX = ".sendtrack-tmp"
#: The files SQLite keeps beside a database, and so beside a temporary copy of one.
SIDECARS = ("-wal", "-shm", "-journal")
#: What a spreadsheet reads as the start of a formula (OWASP, "CSV Injection").
FORMULA_STARTS = frozenset("=+-@\t\r")
_SUSPECT = FORMULA_STARTS | {"'"}
_OLD_PARTIAL = re.compile(r"\.(?P<name>.+)\.(?P<pid>\d+)\.partial(?:-journal|-wal|-shm)?")
_BUFFER = 1 << 16


class OutputRefused(RefusedError):
    """The destination is refused, or writing it failed: nothing was written there."""


@dataclass(frozen=True, slots=True)
class Target:
    """Where a report or an export goes: `path` (None: stdout), whether it may replace a file, the open
    database (whose files are never written over), and `excel`: a CSV starts with a byte order mark
    so Excel reads it as UTF-8 ("Léa", not "LÃ©a")."""

    path: Path | None = None
    force: bool = False
    database: Any = None
    excel: bool = False


#: What Excel needs at the start of a CSV to read it as UTF-8.
BOM = "\ufeff"


# --- formula-safe CSV ---------------------------------------------------------------------------------

def formula_safe(value: Any) -> Any:
    """`value` as a CSV cell a spreadsheet will not run: text starting (after any `'`) with one of
    FORMULA_STARTS gets one leading `'`. Anything that is not text (numbers, None) is left as it is."""
    if type(value) is str and value[:1] in _SUSPECT and \
            value.lstrip("'")[:1] in FORMULA_STARTS:
        return "'" + value
    return value


def unneutralise(text: str) -> str:
    """The inverse of `formula_safe` on text: one leading `'` off, where the rest (after any further
    quotes) starts with one of FORMULA_STARTS; anything else is returned unchanged."""
    if text[:1] == "'" and text.lstrip("'")[:1] in FORMULA_STARTS:
        return text[1:]
    return text


#: For spotting, in csv's output, a cell that starts (quoted or not) with a formula character or a
#: quote: those become \x01 and line ends become commas, so a risky cell is ",\x01" or ',"\x01'.
#: str.translate and `in` run in C, at a few percent of what csv.writer costs.
_MARK = str.maketrans({**dict.fromkeys(FORMULA_STARTS | {"'"}, "\x01"), "\n": ","})
_BATCH = 5000


def _risky(text: str) -> bool:
    """Whether csv output `text` (whole rows) may hold a cell formula_safe would change. Negative
    numbers and lines inside quoted cells make false alarms, never misses."""
    marked = "," + text.translate(_MARK)
    return ",\x01" in marked or ',"\x01' in marked


def _joined(batch: list[Any]) -> str | None:
    """What csv.writer (`\\n` line ends, minimal quoting) writes for `batch`, made by joining the cells
    with commas, or None when csv would quote a cell (one holding a comma, a quote or a line end, or a
    row of a single cell). csv.writer spends ~1.4 us on a row of 11 short cells (18 ms for a council's
    13,000 case rows); joining them and counting, a tenth of that."""
    try:
        if min(map(len, batch)) < 2:
            return None
        cells = sum(map(len, batch))
    except TypeError:  # a row that is an iterator: csv.writer takes it as it is
        return None
    try:  # every cell text (what the reports' write_csv gives): joined as it is
        text = "\n".join([",".join(row) for row in batch]) + "\n"
    except TypeError:  # csv's spelling of any other cell: str()'s (a float's is its repr), None as nothing
        text = "\n".join([",".join(["" if v is None else str(v) for v in row]) for row in batch]) + "\n"
    # every comma and line end is one of ours: no cell holds one (nor a quote or a carriage return)
    if text.count(",") != cells - len(batch) or text.count("\n") != len(batch) or '"' in text or "\r" in text:
        return None
    return text


class _SafeCsv:
    """csv.writer with every cell through `formula_safe`. Rows are written in batches: each batch is
    written as plain CSV into a buffer first and, if no cell in it could start a formula (nearly
    always), copied out as it is; only a batch that has one is written again cell by cell. An export
    of millions of rows so costs a regular-expression scan, not a Python call per cell."""

    def __init__(self, handle: IO[str], *, joined: bool = False) -> None:
        self._handle = handle
        self._joined = joined
        self._writer = csv.writer(handle, lineterminator="\n")
        self._buffer = io.StringIO()
        self._plain = csv.writer(self._buffer, lineterminator="\n")

    def writerow(self, row: Iterable[Any]) -> None:
        self._writer.writerow([formula_safe(v) for v in row])

    def writerows(self, rows: Iterable[Iterable[Any]]) -> None:
        rows = iter(rows)
        while batch := list(islice(rows, _BATCH)):
            text = _joined(batch) if self._joined else None
            if text is None:
                self._buffer.seek(0)
                self._buffer.truncate()
                self._plain.writerows(batch)
                text = self._buffer.getvalue()
            if not _risky(text):
                self._handle.write(text)
            else:
                self._writer.writerows([formula_safe(v) for v in row] for row in batch)


def csv_writer(handle: IO[str], *, joined: bool = False) -> _SafeCsv:
    """The CSV writer every CSV sendtrack writes goes through (`\\n` line ends, formula-safe cells).
    `joined`: rows whose cells are nearly always text needing no quoting (a report's, as
    render.write_csv spells them) are joined first (`_joined`), csv.writer only for a batch that needs
    it; an export's rows (details as JSON, quoted on every row) would be made twice, so not there."""
    return _SafeCsv(handle, joined=joined)


# --- the destination ----------------------------------------------------------------------------------

def _database_files(database: Any) -> list[Path]:
    """The open SQLite database's file and its sidecars, as given and as resolved."""
    path = getattr(database, "path", database)
    if path is None:
        return []
    path = Path(path).expanduser()
    names = {path.absolute(), path.resolve()}
    return [Path(f"{base}{suffix}") for base in names for suffix in ("", *SIDECARS)]


def _is_database(dest: Path, database: Any) -> str | None:
    """Which of the database's files `dest` is ("the database", "the -wal file of the database")."""
    try:
        here = os.stat(dest)
    except OSError:
        here = None
    for candidate in _database_files(database):
        same = candidate.resolve() == dest
        if not same and here is not None:
            with suppress(OSError):
                there = os.stat(candidate)
                same = (there.st_dev, there.st_ino) == (here.st_dev, here.st_ino)
        if same:
            suffix = next((s for s in SIDECARS if str(candidate).endswith(s)), "")
            return f"the {suffix} file of the database" if suffix else "the database"
    return None


def _destination(path: Path, *, force: bool, database: Any) -> Path:
    """The absolute destination (its directory resolved, its own name kept), or OutputRefused."""
    given = Path(path).expanduser()
    if given.name in ("", ".", ".."):
        raise OutputRefused(f"{given} is a directory: give a file name; nothing was written")
    parent = given.parent.resolve()
    dest = parent / given.name
    try:
        info = os.lstat(dest)
    except FileNotFoundError:
        info = None
    except OSError as exc:
        raise OutputRefused(f"cannot write {given}: {reason(exc)}; nothing was written") from None
    if info is not None and stat.S_ISLNK(info.st_mode):
        raise OutputRefused(f"{given} is a symbolic link: sendtrack does not write through links; give "
                            "the real file's path; nothing was written")
    which = _is_database(dest, database)
    if which:
        raise OutputRefused(f"{given} is {which} sendtrack has open: writing there would destroy the "
                            "records; choose another path; nothing was written")
    if info is not None and stat.S_ISDIR(info.st_mode):
        raise OutputRefused(f"{given} is a directory: give a file name; nothing was written")
    if info is not None and not stat.S_ISREG(info.st_mode):
        raise OutputRefused(f"{given} is not a regular file; nothing was written")
    if info is not None and not force:
        raise OutputRefused(f"{given} already exists: choose another name or give --force to replace it")
    if not parent.is_dir():
        import shlex

        raise OutputRefused(f"no directory {given.parent} to write {given.name} into: create it first "
                            f"(`mkdir -m 700 {shlex.quote(str(given.parent))}`); nothing was written")
    return dest


def reason(exc: OSError) -> str:
    """What went wrong, in words a user acts on."""
    code = exc.errno
    if code in (errno.ENOSPC, errno.EDQUOT):
        return "the disk is full" if code == errno.ENOSPC else "the disk quota is used up"
    if code in (errno.EACCES, errno.EPERM):
        return "permission denied"
    if code == errno.EROFS:
        return "the file system is read-only"
    if code == errno.EISDIR:
        return "it is a directory"
    if code == errno.EIO:
        return "an input/output error (a failing disk or a lost network share)"
    return (exc.strerror or type(exc).__name__).lower()


# --- leftovers ----------------------------------------------------------------------------------------

def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:
        return True  # someone else's process
    return True


def _base(name: str) -> str:
    for suffix in SIDECARS:
        if name.endswith(TEMP_SUFFIX + suffix):
            return name[:-len(suffix)]
    return name


def _held(path: Path) -> bool:
    """Whether a live writer holds this temporary file; if not, it is removed (True if it is kept)."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_CLOEXEC | os.O_NONBLOCK)
    except FileNotFoundError:
        return False
    except OSError:
        return True  # not ours to judge (another user's, or a link): leave it
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            return True  # a writer is still at work
        with suppress(OSError):
            here, there = os.fstat(fd), os.lstat(path)
            if (here.st_dev, here.st_ino) == (there.st_dev, there.st_ino):
                path.unlink()
        return False
    finally:
        os.close(fd)


def sweep(directory: Path, name: str | None = None) -> list[Path]:
    """Remove the temporary files of killed writers in `directory` (and, for `name`, the `.partial`
    copies earlier backups left); returns what was removed. Files a live writer holds are kept."""
    try:
        entries = [e.name for e in os.scandir(directory)]
    except OSError:
        return []
    removed: list[Path] = []
    temporary = [e for e in entries if e.startswith(".") and TEMP_SUFFIX in e]
    held: dict[str, bool] = {}
    for entry in temporary:
        if entry.endswith(TEMP_SUFFIX):
            held[entry] = _held(directory / entry)
            if not held[entry]:
                removed.append(directory / entry)
    for entry in temporary:
        base = _base(entry)
        if base == entry:
            continue
        if base not in held and (directory / base).exists():  # a writer that started meanwhile
            held[base] = _held(directory / base)
        if not held.get(base):
            with suppress(OSError):
                (directory / entry).unlink()
                removed.append(directory / entry)
    for entry in entries:
        old = _OLD_PARTIAL.fullmatch(entry) if name is not None else None
        if old and old["name"] == name and not _pid_alive(int(old["pid"])):
            with suppress(OSError):
                (directory / entry).unlink()
                removed.append(directory / entry)
    return removed


# --- writing ------------------------------------------------------------------------------------------

class _Pending:
    """One file being written: its temporary file, held open (and flocked) until renamed into place."""

    def __init__(self, path: Path, *, force: bool, database: Any) -> None:
        self.given = Path(path).expanduser()
        self.force = force
        self.database = database
        self.dest = _destination(path, force=force, database=database)
        sweep(self.dest.parent, self.dest.name)
        self.fd = -1
        self.temporary = self.dest  # until the temporary file exists: nothing to discard
        flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC
        try:
            while self.fd < 0:
                # the name cut short: with the token, the suffix and a "-journal" it must fit in 255 bytes
                stem = self.dest.name if len(os.fsencode(self.dest.name)) <= 120 else self.dest.name[:30]
                import secrets  # ~4 ms: only a command that writes a file pays for it

                candidate = self.dest.with_name(f".{stem}.{secrets.token_hex(6)}{TEMP_SUFFIX}")
                with suppress(FileExistsError):
                    self.fd = os.open(candidate, flags, 0o600)
                    self.temporary = candidate
            fcntl.flock(self.fd, fcntl.LOCK_EX | fcntl.LOCK_NB)  # a new file: never blocks
            os.fchmod(self.fd, 0o600)  # exactly 0600, whatever the umask
        except OSError as exc:
            self.discard()
            raise self.failed(exc) from None

    def failed(self, exc: OSError) -> OutputRefused:
        return OutputRefused(f"cannot write {self.given}: {reason(exc)}; nothing was written")

    def commit(self) -> None:
        """fsync, check the destination again (it may have changed meanwhile), rename, fsync the
        directory. Without `force` the new file is hard-linked into place, which fails rather than
        replace a file that appeared since the check."""
        os.fsync(self.fd)
        _destination(self.given, force=self.force, database=self.database)
        if self.force:
            os.replace(self.temporary, self.dest)
        else:
            try:
                os.link(self.temporary, self.dest, follow_symlinks=False)
            except FileExistsError:
                raise OutputRefused(f"{self.given} already exists: choose another name or give --force "
                                    "to replace it") from None
            except OSError as exc:
                if exc.errno not in (errno.EPERM, errno.EOPNOTSUPP, errno.ENOTSUP, errno.EMLINK,
                                     errno.EXDEV, errno.ENOSYS):
                    raise
                # no hard links here (FAT, some network shares): the check above has to do
                os.replace(self.temporary, self.dest)
            else:
                os.unlink(self.temporary)
        self.temporary = self.dest  # renamed: nothing left to discard
        try:
            directory = os.open(self.dest.parent, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
        except OSError:
            pass
        else:
            try:
                with suppress(OSError):  # some file systems cannot fsync a directory
                    os.fsync(directory)
            finally:
                os.close(directory)
        self.close()

    def close(self) -> None:
        if self.fd >= 0:
            with suppress(OSError):
                os.close(self.fd)
            self.fd = -1

    def discard(self) -> None:
        """Remove the temporary file and any sidecars SQLite made beside it (before unlocking it)."""
        if self.temporary != self.dest:
            for leftover in (self.temporary, *(Path(f"{self.temporary}{s}") for s in SIDECARS)):
                with suppress(OSError):
                    leftover.unlink()
        self.close()


@contextmanager
def safe_path(path: Path, *, force: bool = False, database: Any = None) -> Iterator[Path]:
    """For a writer that needs a file name: yields the temporary file's path (created, empty, 0600);
    when the block ends it is fsynced and renamed onto `path`. The writer must have closed it by then."""
    pending = _Pending(path, force=force, database=database)
    try:
        yield pending.temporary
        for suffix in SIDECARS:  # a SQLite writer's journal, gone when it closed cleanly
            with suppress(FileNotFoundError):
                Path(f"{pending.temporary}{suffix}").unlink()
        pending.commit()
    except OSError as exc:
        pending.discard()
        raise pending.failed(exc) from None
    except BaseException:
        pending.discard()
        raise


@contextmanager
def safe_output(path: Path | None, *, force: bool = False, database: Any = None,
                binary: bool = False, personal: bool = True) -> Iterator[IO[Any]]:
    """A stream to write `path` through (UTF-8 text, or bytes with `binary`), renamed into place only
    when the block ends without an error; stdout when `path` is None. `database` is the open
    database's Location (or path), whose files are refused as destinations. `personal`: what is
    written may hold children's data (a warning when stdout is a file others can read)."""
    if path is None:
        if personal:
            warn_if_stdout_is_shared()
        stream = sys.stdout.buffer if binary else sys.stdout
        try:
            yield stream
            stream.flush()
        except BrokenPipeError:
            raise
        except OSError as exc:
            raise OutputRefused(f"cannot write to the standard output: {reason(exc)}; the output is "
                                "incomplete") from None
        return
    pending = _Pending(path, force=force, database=database)
    handle: IO[Any] | None = None
    try:
        raw = io.FileIO(pending.fd, "wb", closefd=False)
        buffered = io.BufferedWriter(raw, buffer_size=_BUFFER)
        handle = buffered if binary else io.TextIOWrapper(buffered, encoding="utf-8", newline="")
        yield handle
        handle.close()  # flushes; the descriptor stays open (and locked) until the rename
        pending.commit()
    except OSError as exc:
        _quiet_close(handle)
        pending.discard()
        raise pending.failed(exc) from None
    except BaseException:
        _quiet_close(handle)
        pending.discard()
        raise
    finally:
        _quiet_close(handle)


def warn_if_stdout_is_shared() -> None:
    """A shell's `> file` makes the file with the umask's mode (0644 commonly), which sendtrack cannot
    choose: a warning on stderr (never refused: pipes and redirections are how scripts work) when the
    standard output is a regular file its group or others can read. The file is not changed: its mode
    is the user's (README: Privacy)."""
    try:
        info = os.fstat(sys.stdout.fileno())
    except (OSError, ValueError, AttributeError):
        return
    if stat.S_ISREG(info.st_mode) and info.st_mode & 0o044:
        print(f"sendtrack: warning: the standard output is a file others can read (mode "
              f"{stat.S_IMODE(info.st_mode):04o}) and this holds children's data: `chmod 600` it, or "
              "give --out FILE (written 0600)", file=sys.stderr)


def _quiet_close(handle: IO[Any] | None) -> None:
    if handle is not None and not handle.closed:
        with suppress(OSError, ValueError):
            handle.close()


# --- a report to a file -------------------------------------------------------------------------------

def to_target(target: Target, fmt: str, rows: Any, columns: Any, *, title: str | None = None) -> None:
    """A report's rows (dicts) in `columns` (render.Column) as CSV, JSON or .xlsx to `target`."""
    if fmt == "xlsx":
        from sendtrack.output.xlsx import report_rows, write_rows

        write_rows(target, [c.key for c in columns], report_rows(rows, columns),
                   sheet=(title or "Report").replace(":", ""))
        return
    if fmt not in ("csv", "json"):
        raise OutputRefused("--out writes csv, json or xlsx: give --format")
    from sendtrack.output.render import plain, write_csv

    with safe_output(target.path, force=target.force, database=target.database) as handle:
        if fmt == "json":
            import json

            handle.write(json.dumps([{c.key: plain(row.get(c.key)) for c in columns} for row in rows],
                                    sort_keys=True, indent=2, ensure_ascii=False, default=plain) + "\n")
        else:
            if target.excel:
                handle.write(BOM)
            write_csv(rows, columns, handle)


def json_to(target: Target, data: Any) -> None:
    """One JSON document (a report that is an object, like kpi or timeline) to `target`'s file."""
    import json

    from sendtrack.output.render import plain

    with safe_output(target.path, force=target.force, database=target.database) as handle:
        handle.write(json.dumps(data, sort_keys=True, indent=2, ensure_ascii=False, default=plain) + "\n")
