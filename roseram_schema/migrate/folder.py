"""The migration folder: where it is, its files in order, and replaying them.

The folder is `supabase/migrations/` when the project has a `supabase/` folder (the Supabase
CLI's `db push` reads it), else `migrations/`; `--dir` chooses another. A migration file is
`<version>_<name>.sql` where <version> is a UTC time, yyyymmddHHMMSS; files run in name
order. Other files (roseram.sum, a README) are not migrations.
"""

from __future__ import annotations

import hashlib
import re
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path

import psycopg
from pglast.parser import split

from ..errors import DatabaseError, RoseramError
from ..normalize.scratch import scratch_database
from ..platform import ensure_platform

FILE_NAME = re.compile(r"^(\d+)_([A-Za-z0-9_.-]*)\.sql$")
VERSION_FORMAT = "%Y%m%d%H%M%S"


@dataclass(frozen=True)
class MigrationFile:
    path: Path
    data: bytes

    @property
    def name(self) -> str:
        return self.path.name

    @property
    def version(self) -> str:
        return FILE_NAME.match(self.name).group(1)

    @property
    def checksum(self) -> str:
        """sha256 hex of the file's bytes (what the applied-files table records)."""
        return hashlib.sha256(self.data).hexdigest()

    @property
    def text(self) -> str:
        return self.data.decode("utf-8")


def migrations_dir(project_dir: Path, given: Path | None = None) -> Path:
    """The migration folder of a project (see module doc)."""
    if given is not None:
        return Path(given)
    project_dir = Path(project_dir)
    if (project_dir / "supabase").is_dir():
        return project_dir / "supabase" / "migrations"
    return project_dir / "migrations"


def read_folder(folder: Path) -> list[MigrationFile]:
    """The migration files of `folder` in name order ([] when it does not exist). A `.sql`
    file whose name is not `<version>_<name>.sql` is an error: `db push` would skip it."""
    if not folder.is_dir():
        return []
    files = []
    for path in sorted(folder.glob("*.sql"), key=lambda p: p.name):
        if not FILE_NAME.match(path.name):
            raise RoseramError(f"{path}: not a migration file name: expected <yyyymmddHHMMSS>_<name>.sql")
        data = path.read_bytes()
        try:
            data.decode("utf-8")
        except UnicodeDecodeError as exc:
            line, col = position(data[:exc.start].decode("utf-8"), exc.start + 1)
            raise RoseramError(f"{path}:{line}:{col}: not UTF-8 text ({exc.reason})") from None
        files.append(MigrationFile(path, data))
    versions = [f.version for f in files]
    for v in sorted(set(versions)):
        if versions.count(v) > 1:
            raise RoseramError(f"{folder}: two migration files have version {v}: versions must be unique")
    return files


def as_pairs(files: list[MigrationFile]) -> list[tuple[str, bytes]]:
    return [(f.name, f.data) for f in files]


def file_slug(name: str) -> str:
    """A migration name as it goes into a file name: lower case, [a-z0-9_]."""
    slug = re.sub(r"[^a-z0-9]+", "_", name.lower()).strip("_")
    if not slug:
        raise RoseramError(f"migration name {name!r}: give a name made of letters, digits or _")
    return slug


def next_versions(files: list[MigrationFile], count: int, now: datetime | None = None) -> list[str]:
    """`count` new versions: the current UTC time, or one second after the newest file's
    version when that is not earlier (two diffs in the same second)."""
    at = (now or datetime.now(timezone.utc)).replace(microsecond=0, tzinfo=None)
    if files:
        try:
            last = datetime.strptime(files[-1].version, VERSION_FORMAT)
        except ValueError:
            last = None
        if last is not None and last >= at:
            at = last + timedelta(seconds=1)
    return [(at + timedelta(seconds=i)).strftime(VERSION_FORMAT) for i in range(count)]


def position(text: str, offset: int) -> tuple[int, int]:
    """1-based (line, column) of a 1-based character offset of `text`."""
    before = text[:max(offset - 1, 0)]
    return before.count("\n") + 1, len(before) - (before.rfind("\n") + 1) + 1


def _sql_start(text: str, start: int, stop: int) -> int:
    """The 0-based offset of the first character of a statement that is not blank or a
    leading `--` comment (where an error of the statement as a whole is reported)."""
    i = start
    while i < stop:
        if text[i].isspace():
            i += 1
        elif text.startswith("--", i):
            nl = text.find("\n", i, stop)
            i = stop if nl < 0 else nl + 1
        else:
            break
    return min(i, stop)


def file_error(f: MigrationFile, exc: Exception, start: int = 0) -> DatabaseError:
    """A database error of the statement at offset `start` of `f`, naming file:line:column
    (where the server says, else the statement's start)."""
    diag = getattr(exc, "diag", None)
    pos = getattr(diag, "statement_position", None) if diag is not None else None
    text = f.text
    offset = start + int(pos) if pos else _sql_start(text, start, len(text)) + 1
    line, col = position(text, offset)
    message = (getattr(diag, "message_primary", None) if diag is not None else None) or str(exc).strip()
    return DatabaseError(f"{f.path}:{line}:{col}: {f.name} failed: {message}")


def statements(text: str) -> list[tuple[int, str]]:
    """(offset, text) of each statement of a file, split by PostgreSQL's own scanner (quotes,
    dollar quotes and comments respected); one piece, the whole file, when it cannot scan
    it (the server then reports the error)."""
    try:
        slices = split(text, with_parser=False, only_slices=True)
    except Exception:  # noqa: BLE001 - any scanner failure: let the server judge the text
        return [(0, text)]
    return [(sl.start, text[sl]) for sl in slices]


# Statements that would end or nest the transaction a file runs in.
_TRANSACTION_CONTROL = re.compile(r"(?i)(BEGIN|COMMIT|ROLLBACK|END|ABORT|START\s+TRANSACTION)\b")


def run_file(conn, f: MigrationFile) -> None:
    """Run the file's statements on `conn`, one at a time (in the caller's transaction), so
    an error names the line of the statement that failed. Transaction control is refused:
    `migrate apply` and `db push` run each file in a transaction of their own, and a COMMIT
    in it would make part of a file permanent and its record missing."""
    text = f.text
    pieces = statements(text)
    for start, sql in pieces:
        at = _sql_start(text, start, len(text))
        control = _TRANSACTION_CONTROL.match(text, at)
        if control:
            line, col = position(text, at + 1)
            raise RoseramError(f"{f.path}:{line}:{col}: {f.name}: transaction control "
                               f"({control.group(1).upper()}) is not allowed in a migration file: "
                               "each file runs in a transaction of its own")
    for start, sql in pieces:
        try:
            # without parameters the text is sent as it is (no placeholders)
            conn.execute(sql)
        except psycopg.Error as exc:
            raise file_error(f, exc, start) from exc


@contextmanager
def replayed(dev_url: str, files: list[MigrationFile]):
    """A scratch database on the dev server with the platform stand-in and every file run in
    order, each in its own transaction (as `migrate apply` runs them); yields its URL."""
    with scratch_database(dev_url) as url:
        with psycopg.connect(url, autocommit=True) as conn:
            ensure_platform(conn)
            for f in files:
                with conn.transaction():
                    run_file(conn, f)
        yield url
