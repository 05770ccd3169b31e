"""load_project: a project folder -> Project (Catalog + fingerprint), or every problem at once."""

from __future__ import annotations

import hashlib
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from ..errors import Origin
from .limits import MAX_SQL_BYTES, MAX_YAML_BYTES

if TYPE_CHECKING:  # the no-change check (nochange.py) reads files here without the model
    from ..model import Catalog

# The readers (YAML, pglast) are imported inside load_project: a command whose cached
# results match the source fingerprint never parses a file, and must not pay for them.

AREAS = ("schema", "policies", "views")
# what a folder with no project.yaml and no schema/, policies/, views/ reads as its SQL
DEFAULT_SQL_FOLDER = "supabase/migrations"
YAML_SUFFIXES = (".yaml", ".yml")
SOURCE_SUFFIXES = (*YAML_SUFFIXES, ".sql")
PROJECT_FILES = ("project.yaml", "project.yml")


@dataclass(frozen=True)
class Project:
    """A loaded project: the catalog it declares and what else the source carries.

    `fingerprint` is the sha256 (hex) of every source file's relative path and bytes;
    `files` the relative paths read, sorted; `personas` the raw `personas:` of
    project.yaml; `contracts` maps "schema.table" to the raw `contract:` of its policies file.
    """

    root: Path
    catalog: Catalog
    fingerprint: str
    personas: object | None = None
    contracts: dict[str, object] = field(default_factory=dict)
    files: tuple[str, ...] = ()
    # script files (source/scripts.py), in the order they run after the declarative build
    scripts: tuple = ()


@dataclass(frozen=True)
class SourceSnapshot:
    """Every source file of a project, read once: `data` maps each relative path (sorted)
    to its bytes, `fingerprint` is what fingerprint_of gives for them. Pass it to
    load_project so the files are neither listed, read nor hashed a second time."""

    root: Path
    data: dict[str, bytes]
    fingerprint: str


def read_source(root: Path) -> SourceSnapshot:
    """List and read the source files of the project at `root`."""
    root = Path(root)
    folder = os.fspath(root)
    data = {}
    for rel in source_files(root):
        with open(os.path.join(folder, rel), "rb") as f:  # cheaper than Path.read_bytes
            # a file beyond the limit is refused by load_project: its first bytes are enough
            data[rel] = f.read(MAX_SQL_BYTES + 1)
    return SourceSnapshot(root, data, _fingerprint(data.items()))


def source_files(root: Path) -> list[str]:
    """Relative POSIX paths of every source file under `root`, sorted."""
    root = Path(root)
    found = [name for name in PROJECT_FILES if (root / name).is_file()]
    for area in AREAS:
        base = root / area
        if base.is_dir():
            _collect(str(base), area, found)
    for folder in sql_folders(root):
        base = root / folder
        if base.is_dir():
            sql: list[str] = []
            _collect(str(base), folder, sql)
            found.extend(p for p in sql if p.lower().endswith(".sql"))
    return sorted(set(found))


def sql_folders(root: Path) -> tuple[str, ...]:
    """The folders whose .sql files are script files, in run order: project.yaml's `sql:`,
    else `supabase/migrations` when the folder has no project.yaml, schema/, policies/ or
    views/ (a Supabase project as it stands).

    project.yaml is parsed only when it has a top-level `sql:` key: listing a project's
    files must stay cheap (the no-change fast path), and YAML costs an import."""
    root = Path(root)
    project_file = next((root / n for n in PROJECT_FILES if (root / n).is_file()), None)
    if project_file is None:
        # only then: a declarative project keeps the files `migrate diff` writes there
        if not any((root / a).is_dir() for a in AREAS) and (root / DEFAULT_SQL_FOLDER).is_dir():
            return (DEFAULT_SQL_FOLDER,)
        return ()
    data = project_file.read_bytes()
    if not _SQL_KEY.search(data):
        return ()
    import yaml

    try:
        value = yaml.safe_load(data)
    except yaml.YAMLError:
        return ()  # load_project reports it
    folders = value.get("sql") if isinstance(value, dict) else None
    if isinstance(folders, str):
        folders = [folders]
    if not isinstance(folders, list):
        return ()
    return tuple(dict.fromkeys(f.strip("/") for f in folders if valid_sql_folder(f)))


def valid_sql_folder(folder) -> bool:
    """A `sql:` entry the loader takes: a relative path inside the project, outside the
    declarative areas (schema/, policies/, views/), without hidden parts."""
    if not isinstance(folder, str) or not folder.strip("/"):
        return False
    parts = folder.strip("/").split("/")
    return (not folder.startswith("/") and parts[0] not in AREAS
            and not any(p in ("", ".", "..") or p.startswith(".") for p in parts))


def _collect(folder: str, rel: str, found: list[str]) -> None:
    # os.scandir instead of Path.rglob: no stat per file (a tenth of the time). Hidden names
    # are skipped, symlinked folders are not entered (as rglob does), symlinked files count.
    try:
        entries = list(os.scandir(folder))
    except PermissionError:
        return
    for entry in entries:
        if entry.name.startswith("."):
            continue
        path = f"{rel}/{entry.name}"
        if entry.is_dir(follow_symlinks=False):
            _collect(entry.path, path, found)
        elif os.path.splitext(entry.name)[1].lower() in SOURCE_SUFFIXES and entry.is_file():
            found.append(path)


_SQL_KEY = re.compile(rb"^sql[ \t]*:", re.M)


def fingerprint_of(root: Path, files: list[str]) -> str:
    """sha256 over (path, length, bytes) of each file in sorted path order."""
    root = Path(root)
    return _fingerprint((rel, (root / rel).read_bytes()) for rel in sorted(files))


def _fingerprint(items) -> str:
    digest = hashlib.sha256()
    for rel, data in items:
        digest.update(f"{rel}\0{len(data)}\0".encode("utf-8"))
        digest.update(data)
    return digest.hexdigest()


def load_project(root: Path, snapshot: SourceSnapshot | None = None, *, parse_cache=None) -> Project:
    """Read a project folder into a Project; raise SourceError listing every problem found.

    `snapshot` is read_source(root) when the caller already has it. `parse_cache` (None:
    none) gives what each unchanged file declared, so it is not parsed again: an object
    with `digest(bytes)`, `get(path, digest)` -> Draft or None, `put(path, digest, draft)`
    and `save()`, called once after the load (cache/parse.py's ParseCache). The Project is
    the same either way.
    """
    from ..model.serialize import paused_gc
    from .draft import Draft
    from .naming import name_everything
    from .problems import Problems
    from .validate import validate

    root = Path(root)
    problems = Problems()
    if not root.is_dir():
        problems.add(Origin(str(root)), "", "the project folder does not exist")
        problems.raise_if_any()
    # loading makes hundreds of thousands of objects that all stay alive: the cycle
    # collector's passes over them are wasted time
    with paused_gc():
        snapshot = snapshot if snapshot is not None else read_source(root)
        draft = Draft(problems=problems)
        _read_files(snapshot, draft, parse_cache)
        for folder in draft.sql_folders:
            if not (root / folder).is_dir():
                # a misspelt folder must not read as "no migrations": everything dropped
                problems.add(Origin(next(p for p in PROJECT_FILES if p in snapshot.data), 1, 1), "project",
                             f"sql: the folder {folder}/ does not exist", root=True)
        for attach in draft.later:
            attach(draft)
        name_everything(draft.tables, draft.views)
        for attach in draft.after_naming:
            attach(draft)
        validate(draft)
        if parse_cache is not None:
            parse_cache.save()  # after naming and validation: it keeps the snippet facts they used
        problems.raise_if_any()
        return Project(
            root=root,
            catalog=_catalog(draft),
            fingerprint=snapshot.fingerprint,
            personas=draft.personas,
            contracts=dict(sorted(draft.contracts.items())),
            files=tuple(snapshot.data),
            scripts=_ordered_scripts(draft.scripts, draft.sql_folders or sql_folders(root)),
        )


def _ordered_scripts(scripts, folders: tuple[str, ...]) -> tuple:
    """Script files in run order: those of schema/ and policies/ by path, then each `sql:`
    folder in the order listed, its files by path (a migrations history in name order)."""
    def rank(script):
        for i, folder in enumerate(folders):
            if script.path.startswith(folder + "/"):
                return (i + 1, script.path)
        return (0, script.path)

    return tuple(sorted(scripts, key=rank))


def _read_files(snapshot: SourceSnapshot, draft, parsed) -> None:
    """Every file into `draft`: what a file declares comes from the parse cache `parsed`
    (None: no cache) when its bytes are unchanged, else from reading it (then cached)."""
    from .reader import SourceFile

    # project.yaml first (declared schemas), then definitions, then what attaches to them
    for rel in sorted(snapshot.data, key=lambda p: (p not in PROJECT_FILES, p)):
        data = snapshot.data[rel]
        limit = MAX_YAML_BYTES if rel.lower().endswith(YAML_SUFFIXES) else MAX_SQL_BYTES
        if len(data) > limit:
            draft.problems.add(Origin(rel, 1, 1), "", f"the file is larger than {limit >> 20} MiB",
                               "split it into smaller files", root=True)
            continue
        digest = parsed.digest(data) if parsed is not None else b""
        part = parsed.get(rel, digest) if parsed is not None else None
        if part is None:
            text = _decode(rel, data, draft.problems)
            part = _read_part(SourceFile(rel, text), draft) if text is not None else None
            if part is None:
                continue
            if parsed is not None:
                parsed.put(rel, digest, part)
        draft.merge(part)


def _decode(rel: str, data: bytes, problems) -> str | None:
    """The text of a file, or None (problem recorded) when it is not UTF-8."""
    from .positions import line_col

    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        before = data[: exc.start].decode("utf-8")
        line, column = line_col(before, len(before))
        problems.add(Origin(rel, line, column), "", f"the file is not UTF-8 text ({exc.reason})",
                     "save it as UTF-8", root=True)
        return None


def _read_part(file, draft):
    """The Draft of one file read on its own (to be merged into `draft`), or None when the
    file was read straight into `draft` instead: project.yaml (its settings are the
    project's), and a file with problems, read again so that its messages are exactly those
    of reading every file into the project's Draft in turn (a duplicate names the first
    declaration)."""
    from .draft import Draft
    from .problems import Problems

    if file.path not in PROJECT_FILES:
        part = Draft(problems=Problems())
        _read_file(file, part)
        if not part.problems:
            return part
    _read_file(file, draft)
    return None


def _folder_schema(rel: str) -> tuple[str, str]:
    """(schema, object name) implied by a path: area/<schema>/.../<name>.ext; public at top."""
    parts = rel.split("/")
    stem = parts[-1].rsplit(".", 1)[0]
    return (parts[1] if len(parts) > 2 else "public"), stem


def _read_file(file, draft) -> None:
    from .policies import read_policy_file
    from .projectfile import read_project_file
    from .reader import Reader
    from .sqlfiles import handle_statements, read_sql_file
    from .tables import read_table_file
    from .views import read_view_file
    from .yamlnodes import parse_yaml

    rel = file.path
    problems = draft.problems
    reader = Reader(file, problems)
    if rel in PROJECT_FILES:
        node = parse_yaml(file.text, rel, problems)
        if node is not None:
            read_project_file(node, reader, draft)
        return
    area = rel.split("/", 1)[0]
    if area not in AREAS:
        # a file of a `sql:` folder (source_files lists nothing else): a script file
        read_sql_file(file, problems, "public", draft, script=True)
        return
    schema, name = _folder_schema(rel)
    if len(rel.split("/")) > 2:
        draft.folder_schemas.add(schema)
    is_yaml = rel.lower().endswith(YAML_SUFFIXES)
    if area == "views":
        if is_yaml:
            problems.add(Origin(rel, 1, 1), "", "views are .sql files",
                         "write the view as views/<schema>/<view>.sql")
            return
        read_view_file(file, reader, schema, name, draft, handle_statements)
        return
    if not is_yaml:
        read_sql_file(file, problems, schema, draft)
        return
    node = parse_yaml(file.text, rel, problems)
    if node is None:
        return
    if _blank_yaml(file.text):
        # a truncated or emptied file must not read as "no policies" (RLS off, policies
        # dropped) or as a table without columns
        what = "table" if area == "schema" else "policies"
        problems.add(Origin(rel, 1, 1), f"{schema}.{name}", f"the {what} file is empty",
                     "write `rls: disabled` to say a table has no row-level security"
                     if area == "policies" else "declare the table's columns, or delete the file")
        return
    if area == "schema":
        read_table_file(node, reader, schema, name, draft)
    else:
        read_policy_file(node, reader, schema, name, draft)


def _blank_yaml(text: str) -> bool:
    """True for a YAML file with nothing but whitespace, comments and document markers."""
    for line in text.splitlines():
        stripped = line.strip()
        if stripped and not stripped.startswith("#") and stripped not in ("---", "..."):
            return False
    return True


def _catalog(d) -> Catalog:
    from ..model import Schema, build_catalog
    from ..platform import is_platform_schema

    schemas = dict(d.schemas)
    if d.declared_schemas is None:
        used = set(d.folder_schemas)
        used.update(t.schema for t in d.tables.values())
        used.update(v.schema for v in d.views.values())
        used.update(f.schema for f in d.functions.values())
        used.update(e.schema for e in d.enums.values())
        used.update(o.schema for kind in (d.domains, d.composite_types, d.sequences) for o in kind.values())
        for name in sorted(used):
            if name not in schemas and not is_platform_schema(name):
                schemas[name] = Schema(name)
    return build_catalog(
        schemas=schemas.values(),
        extensions=d.extensions.values(),
        roles=d.roles.values(),
        enums=d.enums.values(),
        tables=d.tables.values(),
        views=d.views.values(),
        functions=d.functions.values(),
        triggers=d.triggers.values(),
        domains=d.domains.values(),
        composite_types=d.composite_types.values(),
        sequences=d.sequences.values(),
        grants_mode=d.grants_mode or _implied_grants_mode(d),
        default_privileges=d.default_privileges.values(),
        database_grants=d.database_grants,
        database_revokes=d.database_revokes,
        platform_tables=d.platform_tables.values(),
        publications=d.publications.values(),
    )


def _implied_grants_mode(d) -> str:
    """A project whose YAML table files grant something means every grant (exact); any
    other relies on default privileges plus its GRANT and REVOKE statements (defaults):
    that is what its SQL does when psql runs it, so a schema published as SQL for Supabase
    (some GRANTs, the rest left to Supabase's defaults) compares equal to the database
    psql built from it."""
    declared = any(g.origin is not None and g.origin.path.endswith(YAML_SUFFIXES)
                   for t in d.tables.values() for g in t.grants)
    return "exact" if declared else "defaults"
